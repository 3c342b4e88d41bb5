// @aurola/index benchmark: add throughput, reopen time, search latency (q = 1 and 16, k = 10, with and without
// filters) and memory for N synthetic 256-d f16 vectors (default 100 000). Beside the index's search: the raw kernel
// over the same contiguous matrix (the index's own overhead), and the alternative design — per-segment searches
// merged — to show why the index keeps one contiguous buffer. Prints one JSON object per line, then a table.
// `--quick` uses 20 000 vectors; `--n N` sets N.
import { makeRng } from '@aurola/args';
import { kernelInfo, searchAsync, toF16, type Matrix } from '@aurola/kernels';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { ClipIndex, type ClipFilter, type NewClip } from '../src/index.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, n: { type: 'string' } } });
const N = values.n ? Number(values.n) : values.quick ? 20_000 : 100_000;
const DIM = 256;
const K = 10;
const REPS = values.quick ? 10 : 30;
const SOURCES = ['sonic-pi', 'lmms', 'gcompris', 'asterisk'];
const LICENSES = ['CC0-1.0', 'MIT', 'GPL-2.0-or-later'];
const TAGS = Array.from({ length: 20 }, (_, i) => `tag${i}`);

const rng = makeRng('index-bench');
function unit(rows: number): Float32Array {
  const out = new Float32Array(rows * DIM);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < DIM; j++) ss += (out[r * DIM + j] = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())) ** 2;
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < DIM; j++) out[r * DIM + j]! *= inv;
  }
  return out;
}
function clips(start: number, count: number): NewClip[] {
  const v = unit(count);
  return Array.from({ length: count }, (_, i) => ({
    id: `clip-${start + i}`,
    vector: v.subarray(i * DIM, (i + 1) * DIM),
    meta: {
      path: `/library/clip-${start + i}.wav`,
      durationS: Math.round(rng() * 300) / 10,
      source: SOURCES[Math.floor(rng() * SOURCES.length)]!,
      license: LICENSES[Math.floor(rng() * LICENSES.length)]!,
      captions: [],
      tags: TAGS.filter(() => rng() < 0.15),
      contentHash: `hash-${start + i}`,
    },
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
async function timeMs(run: () => Promise<unknown>): Promise<{ median: number; p90: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return { median: median(times), p90: p90(times) };
}

const rows: Record<string, unknown>[] = [];
const emit = (row: Record<string, unknown>) => {
  rows.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
};

const root = mkdtempSync(join(tmpdir(), 'aurola-index-bench-'));
try {
  const dir = join(root, 'index');
  const rssBefore = process.memoryUsage().rss;
  let index = ClipIndex.create(dir, { dim: DIM, dtype: 'f16', model: 'bench' }, { autoCompact: false });
  // Add throughput: batches of 1000 (the vectors are generated outside the timed part).
  const BATCH = 1000;
  let addMs = 0;
  for (let start = 0; start < N; start += BATCH) {
    const batch = clips(start, Math.min(BATCH, N - start));
    const t = performance.now();
    index.add(batch);
    addMs += performance.now() - t;
  }
  emit({ bench: 'add', rows: N, batch: BATCH, rowsPerS: Math.round(N / (addMs / 1000)), seconds: +(addMs / 1000).toFixed(2) });
  // Small batches pay one fsync each (synchronous=FULL): what `aurola index add --batch 16` writes.
  {
    const small = ClipIndex.create(join(root, 'small'), { dim: DIM, dtype: 'f16', model: 'bench' });
    const batches = Array.from({ length: 100 }, (_, b) => clips(10_000_000 + b * 16, 16));
    const t = performance.now();
    for (const b of batches) small.add(b);
    const ms = performance.now() - t;
    emit({ bench: 'add', rows: 1600, batch: 16, rowsPerS: Math.round(1600 / (ms / 1000)), msPerBatch: +(ms / 100).toFixed(2) });
    small.close();
  }
  index.close();
  const tOpen = performance.now();
  index = ClipIndex.open(dir, { autoCompact: false });
  emit({ bench: 'open', rows: N, seconds: +((performance.now() - tOpen) / 1000).toFixed(2) });

  const stats = index.stats();
  emit({
    bench: 'memory',
    rows: N,
    indexBuffersMiB: +(stats.bytesInMemory / 2 ** 20).toFixed(1),
    vectorsMiB: +((N * DIM * 2) / 2 ** 20).toFixed(1),
    rssGrowthMiB: +((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0),
    heapUsedMiB: +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0),
    diskMiB: +(stats.bytesOnDisk / 2 ** 20).toFixed(1),
  });

  const filters: [string, ClipFilter | undefined][] = [
    ['none', undefined],
    ['source (25%)', { source: 'lmms' }],
    ['2 tags + licence (≈0.7%)', { tags: ['tag1', 'tag2'], license: 'MIT' }],
  ];
  // The raw kernel over the same rows, and the per-segment alternative (16 segments, each searched, then merged).
  const corpusF32 = new Float32Array(N * DIM);
  const ids = index.ids();
  ids.forEach((id, r) => corpusF32.set(index.vector(id)!, r * DIM));
  const corpus: Matrix = { data: toF16(corpusF32), rows: N, cols: DIM, dtype: 'f16' };
  const SEGMENTS = 16;
  const segRows = Math.ceil(N / SEGMENTS);
  const segments: Matrix[] = Array.from({ length: SEGMENTS }, (_, s) => {
    const a = s * segRows;
    const b = Math.min(N, a + segRows);
    return { data: (corpus.data as Uint16Array).subarray(a * DIM, b * DIM), rows: b - a, cols: DIM, dtype: 'f16' };
  });
  for (const q of [1, 16]) {
    const queries = { data: unit(q), rows: q };
    for (const [name, filter] of filters) {
      const t = await timeMs(() => index.search(queries, { k: K, ...(filter ? { filter } : {}) }));
      emit({ bench: 'search', rows: N, q, k: K, filter: name, msMedian: +t.median.toFixed(3), msP90: +t.p90.toFixed(3) });
    }
    const raw = await timeMs(() => searchAsync({ ...queries, cols: DIM }, corpus, { k: K }));
    emit({ bench: 'kernel only', rows: N, q, k: K, filter: 'none', msMedian: +raw.median.toFixed(3), msP90: +raw.p90.toFixed(3) });
    const seg = await timeMs(async () => {
      const parts = await Promise.all(segments.map((m) => searchAsync({ ...queries, cols: DIM }, m, { k: K })));
      for (let i = 0; i < q; i++) {
        const merged = parts.flatMap((p, s) => p.hits(i).map((h) => ({ id: h.id + s * segRows, score: h.score })));
        merged.sort((a, b) => b.score - a.score || a.id - b.id).length = K;
      }
    });
    emit({ bench: `${SEGMENTS} segments + merge`, rows: N, q, k: K, filter: 'none', msMedian: +seg.median.toFixed(3), msP90: +seg.p90.toFixed(3) });
  }
  // Removal and compaction.
  {
    const gone = ids.filter((_, i) => i % 10 === 0);
    let t = performance.now();
    index.remove(gone);
    emit({ bench: 'remove', rows: gone.length, seconds: +((performance.now() - t) / 1000).toFixed(2) });
    t = performance.now();
    index.compact();
    emit({ bench: 'compact (memory + VACUUM)', rows: N - gone.length, seconds: +((performance.now() - t) / 1000).toFixed(2) });
  }
  index.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}

const info = kernelInfo();
process.stdout.write(`\n@aurola/index, ${N} × ${DIM} f16, CPU ${info.isa}, ${info.threads} threads\n`);
process.stdout.write(`${'bench'.padEnd(26)} ${'detail'.padEnd(40)} result\n`);
for (const r of rows) {
  const { bench, ...rest } = r;
  let detail = '';
  let result = '';
  if (bench === 'add') (detail = `${r.rows} rows, batches of ${r.batch}`), (result = `${r.rowsPerS} rows/s`);
  else if (bench === 'open' || bench === 'remove' || String(bench).startsWith('compact')) (detail = `${r.rows} rows`), (result = `${r.seconds} s`);
  else if (bench === 'memory') (detail = `index buffers (vectors ${r.vectorsMiB} MiB)`), (result = `${r.indexBuffersMiB} MiB; RSS +${r.rssGrowthMiB} MiB; disk ${r.diskMiB} MiB`);
  else (detail = `q=${r.q} k=${r.k} filter ${r.filter}`), (result = `${r.msMedian} ms median, ${r.msP90} ms p90`);
  void rest;
  process.stdout.write(`${String(bench).padEnd(26)} ${detail.padEnd(40)} ${result}\n`);
}
