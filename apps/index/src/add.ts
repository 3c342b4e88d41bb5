// `aurola index add`: a folder or a manifest → clips in an index. Files are hashed and decoded in worker threads
// (a file whose content is indexed already is skipped after hashing, so a re-run resumes), embedded in batches on
// the backbone, and each batch is written with one ClipIndex.add — one SQLite transaction — so an interruption
// (Ctrl-C, kill -9, a crash) leaves every completed batch in the index and nothing of the others. Unreadable files
// are counted and listed, never fatal. Items are written in input order whatever order the threads finish in.
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { stat, writeFile, rename } from 'node:fs/promises';

import { OnnxMllmBackbone } from '@aurola/backbone';
import { importFolder, readManifest, type SourceItem } from '@aurola/data';
import { ClipIndex, NORM_TOLERANCE, type NewClip, type VectorDType } from '@aurola/index';
import { formatDuration, Progress, WorkerPool } from '@aurola/jobs';

import type { DecodedClip, IndexJob, IndexJobResult } from './worker.js';

export interface AddOptions {
  /** A folder of audio (scanned recursively, sidecar captions used) or a data-build manifest (.jsonl). */
  input: string;
  index: string;
  model: string;
  /** Only for a new index; an existing one keeps its dtype. */
  dtype?: VectorDType;
  /** Clips embedded and written together (one transaction). Default 16. */
  batch?: number;
  /** Decoding threads. Default: all cores. */
  threads?: number;
  /** Licence of a folder's files that have no sidecar licence. Default NOASSERTION. */
  license?: string;
  /** Durations are measured up to this many seconds (decoding stops there). Default 600. */
  maxDecodeS?: number;
  /** Seed of the automated captions. Default 1. */
  seed?: number;
  /** Where the JSON report goes. Default <index>/add-report.json. */
  report?: string;
  /** Where the progress line goes. Default process.stderr. */
  progress?: NodeJS.WriteStream;
  /** Seconds between progress lines when that stream is not a terminal (a log). Default 10; 0: a line per clip. */
  progressEveryS?: number;
  /** Stops after the batch being written when aborted (Ctrl-C). */
  signal?: AbortSignal;
}

export interface AddFailure {
  file: string;
  id: string;
  reason: string;
}

export interface AddSummary {
  input: string;
  index: string;
  model: string;
  total: number;
  added: number;
  /** Ids indexed before whose file changed: re-embedded and replaced. */
  updated: number;
  /** Already indexed (same content under the same id). */
  skipped: number;
  /** Same content as another clip in the index (or earlier in this run), not added again. */
  duplicates: { file: string; id: string; sameAs: string }[];
  unreadable: AddFailure[];
  interrupted: boolean;
  seconds: number;
  report: string;
}

interface Item {
  id: string;
  file: string;
  source: string;
  license: string;
  folderItem?: SourceItem;
  given?: { captions: string[]; tags: string[] };
}

async function listItems(input: string, license: string | undefined): Promise<{ items: Item[]; kind: 'folder' | 'manifest' }> {
  const info = await stat(input).catch(() => null);
  if (!info) throw new Error(`${input} does not exist (give a folder of audio or a manifest .jsonl)`);
  if (info.isDirectory()) {
    const found = await importFolder(input, license ? { license } : {});
    return {
      kind: 'folder',
      items: found.map((item) => ({ id: item.id, file: item.file, source: item.source, license: item.license, folderItem: item })),
    };
  }
  const records = await readManifest(input);
  const base = dirname(input);
  return {
    kind: 'manifest',
    items: records.map((r) => ({
      id: r.id,
      file: resolve(base, r.audio),
      source: r.source,
      license: r.license,
      given: { captions: [r.captionLong, r.captionShort], tags: r.tags },
    })),
  };
}

type Outcome =
  | { kind: 'decoded'; clip: DecodedClip }
  | { kind: 'indexed'; id: string }
  | { kind: 'failed'; reason: string };

function unitNorm(data: Float32Array, row: number, dim: number): boolean {
  let ss = 0;
  for (let j = row * dim; j < (row + 1) * dim; j++) ss += data[j]! * data[j]!;
  return Math.abs(Math.sqrt(ss) - 1) <= NORM_TOLERANCE;
}

export async function runAdd(opts: AddOptions): Promise<AddSummary> {
  const started = Date.now();
  const input = resolve(opts.input);
  const indexDir = resolve(opts.index);
  const batchSize = opts.batch ?? 16;
  const threads = opts.threads ?? availableParallelism();
  const reportFile = resolve(opts.report ?? resolve(indexDir, 'add-report.json'));
  const modelDir = resolve(opts.model);
  if (!(await stat(modelDir).catch(() => null))?.isDirectory()) {
    throw new Error(`model directory ${opts.model} does not exist: pass --model DIR (aurola-mini is made by 'npm run train')`);
  }
  const { items } = await listItems(input, opts.license);

  const backbone = await OnnxMllmBackbone.load(modelDir);
  let index: ClipIndex | undefined;
  let pool: WorkerPool<IndexJob, IndexJobResult> | undefined;
  const summary: AddSummary = {
    input,
    index: indexDir,
    model: backbone.name,
    total: items.length,
    added: 0,
    updated: 0,
    skipped: 0,
    duplicates: [],
    unreadable: [],
    interrupted: false,
    seconds: 0,
    report: reportFile,
  };
  try {
    index = ClipIndex.openOrCreate(indexDir, { dim: backbone.dim, model: backbone.id, ...(opts.dtype ? { dtype: opts.dtype } : {}) });
    const idx = index;
    const here = import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js';
    pool = new WorkerPool<IndexJob, IndexJobResult>(new URL(here, import.meta.url), Math.max(1, threads));
    const workers = pool;
    const modelMaxS = backbone.config.audio.maxDurationS;

    // Per item: hash → already indexed? → decode. Started at most `window` items ahead of the writer.
    const process1 = async (item: Item): Promise<Outcome> => {
      try {
        const hash = (await workers.run({ kind: 'hash', file: item.file })) as string;
        const known = idx.idByContentHash(hash);
        if (known !== undefined) return { kind: 'indexed', id: known };
        const clip = (await workers.run({
          kind: 'decode',
          file: item.file,
          ...(item.folderItem ? { item: item.folderItem } : {}),
          ...(item.given ? { given: item.given } : {}),
          modelMaxS,
          maxDecodeS: opts.maxDecodeS ?? 600,
          seed: opts.seed ?? 1,
        })) as DecodedClip;
        return { kind: 'decoded', clip };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { kind: 'failed', reason: message.startsWith(`${item.file}: `) ? message.slice(item.file.length + 2) : message };
      }
    };

    const progress = new Progress('indexing', items.length, {
      unit: 'clips',
      ...(opts.progress ? { stream: opts.progress } : {}),
      ...(opts.progressEveryS !== undefined ? { logEveryS: opts.progressEveryS } : {}),
    });
    const window = Math.max(2 * batchSize, 4 * workers.size);
    const pending: Promise<Outcome>[] = [];
    let submitted = 0;
    const submitUpTo = (n: number) => {
      for (; submitted < Math.min(n, items.length); submitted++) pending[submitted] = process1(items[submitted]!);
    };

    let batch: { item: Item; clip: DecodedClip }[] = [];
    const batchHashes = new Map<string, string>();
    const flush = async () => {
      if (batch.length === 0) return;
      const audio = await backbone.embedAudio(batch.map((b) => b.clip.audio));
      const captions = batch.flatMap((b) => b.clip.captions);
      const text = captions.length > 0 ? await backbone.embedText(captions) : null;
      const dim = backbone.dim;
      const clips: NewClip[] = [];
      const replaced: string[] = [];
      let c0 = 0;
      batch.forEach((b, i) => {
        const nc = b.clip.captions.length;
        const vector = (audio.data as Float32Array).slice(i * dim, (i + 1) * dim);
        const captionVectors = (text?.data as Float32Array | undefined)?.slice(c0 * dim, (c0 + nc) * dim) ?? new Float32Array(0);
        let ok = unitNorm(vector, 0, dim);
        for (let j = 0; j < nc; j++) ok &&= unitNorm(captionVectors, j, dim);
        c0 += nc;
        if (!ok) {
          summary.unreadable.push({ file: b.item.file, id: b.item.id, reason: 'the model returned a zero embedding' });
          progress.tick(false);
          return;
        }
        if (idx.has(b.item.id)) replaced.push(b.item.id);
        clips.push({
          id: b.item.id,
          vector,
          captionVectors,
          meta: {
            path: b.item.file,
            durationS: b.clip.durationS,
            source: b.item.source,
            license: b.item.license,
            captions: b.clip.captions,
            tags: b.clip.tags,
            contentHash: b.clip.contentHash,
          },
        });
      });
      // A changed file's old clip goes first (its own transaction: a crash in between loses the old version only,
      // and the next run adds the new one).
      if (replaced.length > 0) idx.remove(replaced);
      idx.add(clips);
      summary.added += clips.length - replaced.length;
      summary.updated += replaced.length;
      for (let i = 0; i < clips.length; i++) progress.tick();
      batch = [];
      batchHashes.clear();
    };

    for (let i = 0; i < items.length; i++) {
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      submitUpTo(i + window);
      const item = items[i]!;
      const outcome = await pending[i]!;
      delete pending[i];
      if (outcome.kind === 'failed') {
        summary.unreadable.push({ file: item.file, id: item.id, reason: outcome.reason });
        progress.tick(false);
      } else if (outcome.kind === 'indexed') {
        if (outcome.id === item.id) summary.skipped++;
        else summary.duplicates.push({ file: item.file, id: item.id, sameAs: outcome.id });
        progress.tick();
      } else {
        // The same content may have been written since this item was hashed, or sit in this batch.
        const sameAs = idx.idByContentHash(outcome.clip.contentHash) ?? batchHashes.get(outcome.clip.contentHash);
        if (sameAs !== undefined) {
          if (sameAs === item.id) summary.skipped++;
          else summary.duplicates.push({ file: item.file, id: item.id, sameAs });
          progress.tick();
        } else {
          batchHashes.set(outcome.clip.contentHash, item.id);
          batch.push({ item, clip: outcome.clip });
          if (batch.length >= batchSize) await flush();
        }
      }
    }
    if (!summary.interrupted) await flush();
  } finally {
    await pool?.close();
    index?.close();
    await backbone.close();
  }
  summary.seconds = (Date.now() - started) / 1000;
  const tmp = `${reportFile}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  await rename(tmp, reportFile);
  return summary;
}

export function formatSummary(s: AddSummary): string {
  const rate = s.seconds > 0 ? (s.added + s.updated) / s.seconds : 0;
  const lines = [
    `${s.interrupted ? 'interrupted: ' : ''}${s.input} → ${s.index} (model ${s.model})`,
    `  ${s.total} files: ${s.added} added, ${s.updated} updated, ${s.skipped} already indexed, ` +
      `${s.duplicates.length} duplicates, ${s.unreadable.length} unreadable` +
      (s.interrupted ? `, ${s.total - s.added - s.updated - s.skipped - s.duplicates.length - s.unreadable.length} not reached` : ''),
    `  ${rate.toFixed(1)} clips/s, ${formatDuration(s.seconds)}`,
  ];
  if (s.unreadable.length > 0) {
    lines.push('unreadable:');
    for (const f of s.unreadable.slice(0, 50)) lines.push(`  ${f.file}: ${f.reason}`);
    if (s.unreadable.length > 50) lines.push(`  … and ${s.unreadable.length - 50} more (see the report)`);
  }
  if (s.duplicates.length > 0) {
    lines.push('duplicates (same content as a clip already indexed):');
    for (const d of s.duplicates.slice(0, 20)) lines.push(`  ${d.file} = ${d.sameAs}`);
    if (s.duplicates.length > 20) lines.push(`  … and ${s.duplicates.length - 20} more (see the report)`);
  }
  lines.push(`report: ${s.report}`);
  return `${lines.join('\n')}\n`;
}
