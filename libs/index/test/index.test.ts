// ClipIndex against a float64 brute-force reference: every dtype, filters, add/remove/re-add, tombstones,
// compaction, reopening, the caption gallery, export, and the errors at the API edge.
import { makeRng } from '@aurola/args';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { ClipIndex, IndexError, readNpy, type ClipFilter, type ClipHit, type VectorDType } from '../src/index.js';
import { makeClips, matches, reference, rounded, tempDir, unitRows, type RefHit, type TestClip } from './helpers.js';

const root = tempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(root, `index-${dirs++}`);

const DIM = 24;

/** Checks `hits` are the top min(k, |ref|) of `ref`: same scores rank by rank, every id scored as the reference scores it. */
function expectTopK(hits: { key: string; score: number }[], ref: RefHit[], k: number, tol = 2e-5): void {
  expect(hits.length).toBe(Math.min(k, ref.length));
  const refScore = new Map(ref.map((r) => [r.key, r.score]));
  expect(new Set(hits.map((h) => h.key)).size).toBe(hits.length);
  hits.forEach((h, i) => {
    expect(refScore.has(h.key)).toBe(true);
    expect(Math.abs(h.score - refScore.get(h.key)!)).toBeLessThanOrEqual(tol);
    expect(Math.abs(h.score - ref[i]!.score)).toBeLessThanOrEqual(tol);
    if (i > 0) expect(h.score).toBeLessThanOrEqual(hits[i - 1]!.score);
  });
}

const clipKeys = (hits: ClipHit[]) => hits.map((h) => ({ key: h.id, score: h.score }));

function clipReference(live: TestClip[], dtype: VectorDType, query: Float32Array, filter?: ClipFilter): RefHit[] {
  return reference(
    query,
    live.filter((c) => matches(c.meta, filter)).map((c) => ({ key: c.id, vector: rounded(c.vector, dtype) })),
  );
}

function captionReference(live: TestClip[], dtype: VectorDType, query: Float32Array, filter?: ClipFilter): RefHit[] {
  const rows = live
    .filter((c) => matches(c.meta, filter))
    .flatMap((c) =>
      c.meta.captions.map((_, j) => ({ key: `${c.id}#${j}`, vector: rounded(c.captionVectors!.subarray(j * DIM, (j + 1) * DIM), dtype) })),
    );
  return reference(query, rows);
}

const FILTERS: (ClipFilter | undefined)[] = [
  undefined,
  { source: 'lmms' },
  { source: ['sonic-pi', 'asterisk'] },
  { license: 'CC0-1.0' },
  { license: ['MIT', 'GPL-2.0-or-later'] },
  { tags: ['dog'] },
  { tags: ['dog', 'rain'] },
  { minDurationS: 10 },
  { maxDurationS: 5 },
  { minDurationS: 3, maxDurationS: 12.5 },
  { source: 'gcompris', license: 'MIT', tags: ['bell'], minDurationS: 1 },
  { source: 'nowhere' },
  { tags: ['no-such-tag'] },
];

async function expectSearchMatches(index: ClipIndex, live: TestClip[], seed: number, k: number, filters = FILTERS): Promise<void> {
  const rng = makeRng(seed);
  const q = 5;
  const queries = unitRows(rng, q, DIM);
  for (const filter of filters) {
    const hits = await index.search({ data: queries, rows: q }, { k, ...(filter ? { filter } : {}) });
    expect(hits.length).toBe(q);
    for (let i = 0; i < q; i++) {
      const query = queries.subarray(i * DIM, (i + 1) * DIM);
      expectTopK(clipKeys(hits[i]!), clipReference(live, index.dtype, query, filter), k);
      for (const h of hits[i]!) expect(matches(h.clip, filter)).toBe(true);
    }
  }
}

describe('search against brute force', () => {
  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    it(`${dtype}: ids and scores of every query, with and without filters`, async () => {
      const clips = makeClips(`brute-${dtype}`, 600, DIM);
      const index = ClipIndex.create(newDir(), { dim: DIM, dtype, model: 'test-model' });
      try {
        index.add(clips.slice(0, 250));
        index.add(clips.slice(250));
        expect(index.size).toBe(600);
        expect(index.dtype).toBe(dtype);
        for (const k of [1, 10, 75]) await expectSearchMatches(index, clips, k, k);
        // The stored vector is the input rounded to the dtype, within the dtype's precision.
        const tol = { f32: 0, f16: 1e-3, bf16: 8e-3 }[dtype];
        const v = index.vector('clip-7')!;
        expect(v).toEqual(rounded(clips[7]!.vector, dtype));
        for (let j = 0; j < DIM; j++) expect(Math.abs(v[j]! - clips[7]!.vector[j]!)).toBeLessThanOrEqual(tol);
      } finally {
        index.close();
      }
    });
  }

  it('finds each clip with its own vector as the query (score ≈ 1, rank 1)', async () => {
    const clips = makeClips('self', 300, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, model: 'm' });
    index.add(clips);
    const queries = new Float32Array(300 * DIM);
    clips.forEach((c, i) => queries.set(c.vector, i * DIM));
    const hits = await index.search({ data: queries, rows: 300 }, { k: 1 });
    hits.forEach((h, i) => {
      expect(h[0]!.id).toBe(clips[i]!.id);
      expect(h[0]!.score).toBeCloseTo(1, 2);
      expect(h[0]!.clip).toEqual({ id: clips[i]!.id, ...clips[i]!.meta });
    });
    index.close();
  });
});

describe('filters', () => {
  it('return exactly k when at least k clips match, all matching ones otherwise', async () => {
    const clips = makeClips('filters', 400, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, dtype: 'f32', model: 'm' });
    index.add(clips);
    const query = unitRows(makeRng('fq'), 1, DIM);
    for (const filter of FILTERS) {
      const matching = clips.filter((c) => matches(c.meta, filter)).length;
      for (const k of [1, 7, matching, matching + 5, 400]) {
        if (k < 1) continue;
        const [hits] = await index.search({ data: query, rows: 1 }, { k, ...(filter ? { filter } : {}) });
        expect(hits!.length).toBe(Math.min(k, matching));
      }
    }
    // A tag filter needs every listed tag; a duration range is inclusive at both ends.
    const exact = clips[3]!.meta.durationS;
    const [hits] = await index.search({ data: query, rows: 1 }, { k: 400, filter: { minDurationS: exact, maxDurationS: exact } });
    expect(hits!.length).toBe(clips.filter((c) => c.meta.durationS === exact).length);
    expect(hits!.length).toBeGreaterThan(0);
    index.close();
  });

  it('an empty filter object and empty tags allow everything', async () => {
    const clips = makeClips('empty-filter', 50, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, model: 'm' });
    index.add(clips);
    const q = { data: unitRows(makeRng(1), 1, DIM), rows: 1 };
    expect((await index.search(q, { k: 50, filter: {} }))[0]!.length).toBe(50);
    expect((await index.search(q, { k: 50, filter: { tags: [] } }))[0]!.length).toBe(50);
    index.close();
  });
});

describe('add, remove, re-add', () => {
  it('removed clips are never returned, by any search, filtered or not; re-adding an id takes the new vector', async () => {
    const clips = makeClips('remove', 300, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, dtype: 'f16', model: 'm' }, { autoCompact: false });
    index.add(clips);
    const rng = makeRng('which');
    const gone = new Set(clips.filter(() => rng() < 0.4).map((c) => c.id));
    expect(index.remove([...gone, 'never-added', [...gone][0]!])).toBe(gone.size);
    expect(index.remove([...gone])).toBe(0);
    const live = clips.filter((c) => !gone.has(c.id));
    expect(index.size).toBe(live.length);
    expect(index.stats().tombstones).toBe(gone.size);
    for (const id of gone) {
      expect(index.has(id)).toBe(false);
      expect(index.get(id)).toBeUndefined();
      expect(index.vector(id)).toBeUndefined();
      expect(index.idByContentHash(`hash-${id}`)).toBeUndefined();
    }
    await expectSearchMatches(index, live, 11, 300);
    // k larger than the live count returns the live clips only.
    const [all] = await index.search({ data: unitRows(rng, 1, DIM), rows: 1 }, { k: 300 });
    expect(all!.length).toBe(live.length);
    expect(all!.some((h) => gone.has(h.id))).toBe(false);
    const [captions] = await index.searchCaptions({ data: unitRows(rng, 1, DIM), rows: 1 }, { k: 1000 });
    expect(captions!.some((h) => gone.has(h.clipId))).toBe(false);
    expect(captions!.length).toBe(live.reduce((s, c) => s + c.meta.captions.length, 0));
    expect(index.stats().captions).toBe(captions!.length);

    // Re-add a removed id with another vector: found under the new vector only.
    const id = [...gone][0]!;
    const fresh = unitRows(rng, 1, DIM);
    const readded = { ...clips.find((c) => c.id === id)!, vector: fresh };
    index.add([readded]);
    expect(index.has(id)).toBe(true);
    const [top] = await index.search({ data: fresh, rows: 1 }, { k: 1 });
    expect(top![0]!.id).toBe(id);
    expect(top![0]!.score).toBeCloseTo(1, 2);
    await expectSearchMatches(index, [...live, readded], 12, 20);
    index.close();
  });

  it('add is all or nothing: a duplicate id or a bad clip in a batch adds none of it', async () => {
    const clips = makeClips('atomic', 20, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, model: 'm' });
    index.add(clips.slice(0, 10));
    const expectCode = (f: () => unknown, code: string) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(IndexError);
        expect((e as IndexError).code).toBe(code);
        return (e as IndexError).message;
      }
      throw new Error(`expected IndexError ${code}`);
    };
    expect(expectCode(() => index.add([...clips.slice(10, 15), clips[3]!]), 'duplicate-id')).toMatch(/clip-3.*already in the index/);
    expect(expectCode(() => index.add([clips[12]!, clips[12]!]), 'duplicate-id')).toMatch(/twice in this batch/);
    const nan = { ...clips[15]!, vector: clips[15]!.vector.map((x, i) => (i === 2 ? Number.NaN : x)) };
    expect(expectCode(() => index.add([clips[14]!, nan]), 'bad-clip')).toMatch(/must be finite/);
    expect(index.size).toBe(10);
    expect(index.has('clip-10')).toBe(false);
    index.add(clips.slice(10));
    expect(index.size).toBe(20);
    index.close();
  });
});

describe('compaction and reopening', () => {
  it('compact() keeps every result, drops the tombstones, shrinks the file; reopening gives the same results', async () => {
    const clips = makeClips('compact', 800, DIM);
    const dir = newDir();
    const index = ClipIndex.create(dir, { dim: DIM, dtype: 'bf16', model: 'm' }, { autoCompact: false });
    for (let i = 0; i < 800; i += 100) index.add(clips.slice(i, i + 100));
    const gone = clips.filter((_, i) => i % 3 !== 0).map((c) => c.id);
    index.remove(gone);
    const live = clips.filter((_, i) => i % 3 === 0);
    const queries = { data: unitRows(makeRng('cq'), 4, DIM), rows: 4 };
    const opts = { k: 30, filter: { license: ['CC0-1.0', 'MIT'] } };
    const before = await index.search(queries, opts);
    const beforeCaptions = await index.searchCaptions(queries, opts);
    const diskBefore = index.stats().bytesOnDisk;
    const memBefore = index.stats().bytesInMemory;
    index.compact();
    expect(index.stats()).toMatchObject({ clips: live.length, tombstones: 0 });
    expect(index.stats().bytesOnDisk).toBeLessThan(diskBefore);
    expect(index.stats().bytesInMemory).toBeLessThan(memBefore);
    expect(await index.search(queries, opts)).toEqual(before);
    expect(await index.searchCaptions(queries, opts)).toEqual(beforeCaptions);
    await expectSearchMatches(index, live, 21, 40);
    // Adding after compaction appends behind the compacted rows.
    const more = makeClips('compact-more', 50, DIM, 'more-');
    index.add(more);
    const after = await index.search(queries, opts);
    index.close();

    const reopened = ClipIndex.open(dir);
    expect(reopened.size).toBe(live.length + 50);
    expect(reopened.ids()).toEqual([...live.map((c) => c.id), ...more.map((c) => c.id)]);
    expect(await reopened.search(queries, opts)).toEqual(after);
    await expectSearchMatches(reopened, [...live, ...more], 22, 40);
    reopened.close();
  });

  it('reopening an index with tombstones (never compacted) gives the same results, without them', async () => {
    const clips = makeClips('reopen', 200, DIM);
    const dir = newDir();
    const index = ClipIndex.create(dir, { dim: DIM, model: 'm' }, { autoCompact: false });
    index.add(clips);
    index.remove(clips.filter((_, i) => i % 4 === 1).map((c) => c.id));
    const queries = { data: unitRows(makeRng('rq'), 3, DIM), rows: 3 };
    const results = [await index.search(queries, { k: 25 }), await index.searchCaptions(queries, { k: 25, filter: { tags: ['rain'] } })];
    const stats = index.stats();
    index.close();
    expect(() => index.size).toThrow(/closed/);
    const reopened = ClipIndex.open(dir);
    expect([await reopened.search(queries, { k: 25 }), await reopened.searchCaptions(queries, { k: 25, filter: { tags: ['rain'] } })]).toEqual(results);
    expect(reopened.stats()).toMatchObject({ clips: stats.clips, captions: stats.captions, tombstones: 0, dim: DIM, dtype: 'f16', model: 'm' });
    reopened.close();
  });

  it('compacts automatically once tombstones pass the fraction', async () => {
    const clips = makeClips('auto', 100, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, model: 'm' }, { autoCompact: { fraction: 0.3, minTombstones: 10 } });
    index.add(clips);
    index.remove(clips.slice(0, 25).map((c) => c.id));
    expect(index.stats().tombstones).toBe(25); // 25 of 100 rows: under 30 %
    index.remove(clips.slice(25, 35).map((c) => c.id));
    expect(index.stats().tombstones).toBe(0); // 35 % → compacted
    expect(index.size).toBe(65);
    await expectSearchMatches(index, clips.slice(35), 31, 65);
    index.close();
  });

  it('a search in flight while clips are removed and the index compacts returns correct ids, without the removed clips', async () => {
    const clips = makeClips('inflight', 2000, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, dtype: 'f32', model: 'm' }, { autoCompact: false });
    index.add(clips);
    const queries = { data: unitRows(makeRng('iq'), 8, DIM), rows: 8 };
    const pending = index.search(queries, { k: 50 });
    const gone = new Set(clips.filter((_, i) => i % 2 === 0).map((c) => c.id));
    index.remove([...gone]);
    index.compact();
    index.add(makeClips('inflight-more', 100, DIM, 'late-'));
    const hits = await pending;
    for (let i = 0; i < 8; i++) {
      const ref = clipReference(clips, 'f32', queries.data.subarray(i * DIM, (i + 1) * DIM)).slice(0, 50).filter((r) => !gone.has(r.key));
      expect(clipKeys(hits[i]!).map((h) => h.key)).toEqual(ref.map((r) => r.key));
    }
    index.close();
  });
});

describe('caption search (A2T)', () => {
  it('matches brute force over the captions of matching, live clips', async () => {
    const clips = makeClips('captions', 300, DIM);
    const index = ClipIndex.create(newDir(), { dim: DIM, dtype: 'f16', model: 'm' });
    // A clip whose captions have no vectors has no caption rows (its captions are still in its record).
    const noVectors = { ...clips[0]!, captionVectors: undefined };
    if (noVectors.meta.captions.length === 0) noVectors.meta = { ...noVectors.meta, captions: ['a caption without a vector'] };
    index.add([noVectors, ...clips.slice(1)]);
    const withRows = [{ ...noVectors, meta: { ...noVectors.meta, captions: [] } }, ...clips.slice(1)];
    expect(index.stats().captions).toBe(withRows.reduce((s, c) => s + c.meta.captions.length, 0));
    expect(index.get(noVectors.id)!.captions).toEqual(noVectors.meta.captions);
    const q = 4;
    const queries = unitRows(makeRng('capq'), q, DIM);
    for (const filter of FILTERS) {
      for (const k of [1, 12, 2000]) {
        const hits = await index.searchCaptions({ data: queries, rows: q }, { k, ...(filter ? { filter } : {}) });
        for (let i = 0; i < q; i++) {
          const ref = captionReference(withRows, 'f16', queries.subarray(i * DIM, (i + 1) * DIM), filter);
          expectTopK(hits[i]!.map((h) => ({ key: `${h.clipId}#${h.captionIndex}`, score: h.score })), ref, k);
          for (const h of hits[i]!) expect(h.caption).toBe(`caption ${h.captionIndex} of ${h.clipId}`);
        }
      }
    }
    index.close();
  });
});

describe('records, content hashes, stats, export', () => {
  it('get, has, idByContentHash, stats and an .npy export that reads back', () => {
    const clips = makeClips('export', 120, DIM);
    const dir = newDir();
    const index = ClipIndex.create(dir, { dim: DIM, dtype: 'f16', model: 'aurola-test' });
    index.add(clips);
    index.remove(['clip-5', 'clip-6']);
    expect(index.get('clip-9')).toEqual({ id: 'clip-9', ...clips[9]!.meta });
    expect(index.has('clip-9')).toBe(true);
    expect(index.idByContentHash('hash-clip-9')).toBe('clip-9');
    expect(index.idByContentHash('nope')).toBeUndefined();
    const stats = index.stats();
    expect(stats).toMatchObject({ clips: 118, dim: DIM, dtype: 'f16', model: 'aurola-test' });
    expect(stats.bytesOnDisk).toBeGreaterThan(118 * DIM * 2);
    expect(stats.bytesInMemory).toBeGreaterThanOrEqual(120 * DIM * 2);
    const file = join(dir, 'vectors.npy');
    const out = index.exportNpy(file);
    expect(out.rows).toBe(118);
    const npy = readNpy(file);
    expect([npy.rows, npy.cols]).toEqual([118, DIM]);
    const ids = JSON.parse(readFileSync(`${file}.ids.json`, 'utf8')) as string[];
    expect(ids).toEqual(out.ids);
    expect(ids).toEqual(clips.map((c) => c.id).filter((id) => id !== 'clip-5' && id !== 'clip-6'));
    ids.forEach((id, r) => expect(npy.data.subarray(r * DIM, (r + 1) * DIM)).toEqual(index.vector(id)));
    // The header numpy expects: magic, version 1.0, a dict padded to 64 bytes.
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes.subarray(10, 10 + headerLen).toString('latin1')).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(118, 24\), \} *\n$/);
    index.close();
  });

  it('an empty index searches to empty results and exports a 0-row array', async () => {
    const dir = newDir();
    const index = ClipIndex.create(dir, { dim: DIM, model: 'm' });
    const q = { data: unitRows(makeRng(3), 2, DIM), rows: 2 };
    expect(await index.search(q, { k: 5 })).toEqual([[], []]);
    expect(await index.searchCaptions(q, { k: 5 })).toEqual([[], []]);
    expect(index.exportNpy(join(dir, 'e.npy')).rows).toBe(0);
    expect(readNpy(join(dir, 'e.npy')).rows).toBe(0);
    index.close();
  });
});

describe('errors', () => {
  const expectError = async (f: () => unknown, code: string, message?: RegExp) => {
    let error: unknown;
    try {
      await f();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IndexError);
    expect((error as IndexError).code).toBe(code);
    if (message) expect((error as IndexError).message).toMatch(message);
  };

  it('opening: missing directory, no index, not an index, another format; creating over an index', async () => {
    await expectError(() => ClipIndex.open(join(root, 'does-not-exist')), 'missing-dir', /does not exist/);
    const empty = newDir();
    ClipIndex.create(empty, { dim: 4, model: 'm' }).close();
    rmSync(join(empty, 'index.sqlite'));
    await expectError(() => ClipIndex.open(empty), 'missing-index', /holds no index/);
    writeFileSync(join(empty, 'index.sqlite'), 'this is not a database, just some text that is long enough '.repeat(20));
    await expectError(() => ClipIndex.open(empty), 'not-an-index');
    rmSync(join(empty, 'index.sqlite'));
    const Database = (await import('better-sqlite3')).default;
    const other = new Database(join(empty, 'index.sqlite'));
    other.exec("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'something-else')");
    other.close();
    await expectError(() => ClipIndex.open(empty), 'not-an-index', /format "something-else"/);
    rmSync(join(empty, 'index.sqlite'));
    const plain = new Database(join(empty, 'index.sqlite'));
    plain.exec('CREATE TABLE t (x)');
    plain.close();
    await expectError(() => ClipIndex.open(empty), 'not-an-index', /no meta table/);

    const dir = newDir();
    ClipIndex.create(dir, { dim: 8, model: 'm' }).close();
    await expectError(() => ClipIndex.create(dir, { dim: 8, model: 'm' }), 'exists', /already holds an index/);
    await expectError(() => ClipIndex.openOrCreate(dir, { dim: 16, model: 'm' }), 'dim-mismatch', /8-d vectors, not 16-d/);
    await expectError(() => ClipIndex.openOrCreate(dir, { dim: 8, model: 'other' }), 'model-mismatch');
    await expectError(() => ClipIndex.openOrCreate(dir, { dim: 8, model: 'm', dtype: 'bf16' }), 'dtype-mismatch');
    const ok = ClipIndex.openOrCreate(dir, { dim: 8, model: 'm' });
    expect(ok.dtype).toBe('f16');
    await expectError(() => ClipIndex.open(dir), 'locked', /another process/);
    ok.close();
    const fresh = ClipIndex.openOrCreate(join(newDir(), 'nested', 'deeper'), { dim: 8, model: 'm', dtype: 'f32' });
    expect(fresh.dtype).toBe('f32');
    fresh.close();
    await expectError(() => ClipIndex.create(newDir(), { dim: 0, model: 'm' }), 'bad-argument', /dim/);
    await expectError(() => ClipIndex.create(newDir(), { dim: 8, model: 'm', dtype: 'f64' as VectorDType }), 'bad-argument', /dtype/);
    await expectError(() => ClipIndex.create(newDir(), { dim: 8, model: '' }), 'bad-argument', /model/);
    expect(existsSync(join(dir, 'index.sqlite'))).toBe(true);
  });

  it('adding: dim mismatch, NaN, unnormalised vectors, caption vectors of the wrong size, bad metadata', async () => {
    const index = ClipIndex.create(newDir(), { dim: DIM, model: 'm' });
    const [c] = makeClips('errors', 1, DIM);
    const clip = c!;
    await expectError(() => index.add([{ ...clip, vector: unitRows(makeRng(1), 1, DIM + 1) }]), 'dim-mismatch', /index's dim is 24/);
    await expectError(() => index.add([{ ...clip, vector: clip.vector.map((x) => x * 2) }]), 'bad-clip', /L2-normalised/);
    await expectError(() => index.add([{ ...clip, vector: clip.vector.map((x, i) => (i ? x : Number.POSITIVE_INFINITY)) }]), 'bad-clip', /finite/);
    const captions = { ...clip.meta, captions: ['one', 'two'] };
    await expectError(() => index.add([{ ...clip, meta: captions, captionVectors: unitRows(makeRng(2), 3, DIM) }]), 'dim-mismatch', /2 × 24/);
    await expectError(() => index.add([{ ...clip, id: '' }]), 'bad-clip', /id must be a non-empty string/);
    await expectError(() => index.add([{ ...clip, meta: { ...clip.meta, durationS: -1 } }]), 'bad-clip', /durationS/);
    await expectError(() => index.add([{ ...clip, meta: { ...clip.meta, tags: [3 as unknown as string] } }]), 'bad-clip', /tags\[0\]/);
    await expectError(() => index.add({} as never), 'bad-clip', /array/);
    expect(index.size).toBe(0);
    index.close();
  });

  it('searching: k = 0, k too large, NaN queries, wrong width, bad filters; a closed index', async () => {
    const index = ClipIndex.create(newDir(), { dim: DIM, model: 'm' });
    index.add(makeClips('search-errors', 10, DIM));
    const q = { data: unitRows(makeRng(4), 1, DIM), rows: 1 };
    await expectError(() => index.search(q, { k: 0 }), 'bad-query', /k must be an integer/);
    await expectError(() => index.search(q, { k: 2.5 }), 'bad-query');
    await expectError(() => index.search(q, { k: 1e9 }), 'bad-query', /10000/);
    await expectError(() => index.search({ data: q.data.map(() => Number.NaN), rows: 1 }, { k: 1 }), 'bad-query', /finite/);
    await expectError(() => index.search({ data: new Float32Array(DIM * 2), rows: 1 }, { k: 1 }), 'dim-mismatch');
    await expectError(() => index.searchCaptions({ data: new Float32Array(DIM - 1), rows: 1 }, { k: 1 }), 'dim-mismatch');
    await expectError(() => index.search(q, { k: 1, filter: { sources: 'x' } as ClipFilter }), 'bad-filter', /unknown key "sources"/);
    await expectError(() => index.search(q, { k: 1, filter: { source: [] } }), 'bad-filter', /non-empty array/);
    await expectError(() => index.search(q, { k: 1, filter: { tags: 'dog' as unknown as string[] } }), 'bad-filter', /tags/);
    await expectError(() => index.search(q, { k: 1, filter: { minDurationS: 5, maxDurationS: 2 } }), 'bad-filter', /greater than/);
    await expectError(() => index.search(q, { k: 1, filter: { maxDurationS: Number.NaN } }), 'bad-filter');
    await expectError(() => index.remove('clip-1' as unknown as string[]), 'bad-argument');
    const pending = index.search(q, { k: 3 });
    index.close();
    await expectError(() => pending, 'closed');
    await expectError(() => index.search(q, { k: 1 }), 'closed');
    await expectError(() => index.add([]), 'closed');
  });
});
