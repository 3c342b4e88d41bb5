// search(): fused top-k against a full sort of float64 reference scores. Integer-valued data makes every score
// exact in f32 (whatever the summation order), so ids — ties included — must match the reference exactly; normal
// random data is checked with f32 error bounds.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  RowFilter,
  scratchPeakBytes,
  search,
  searchAsync,
  type DType,
  type Matrix,
  type SearchResult,
} from '../src/index.js';
import { allowed, caseRng, randomMatrix, refSimilarity, refTopK, type Rng, testSeed } from './reference.js';

const SEED = testSeed();
const DTYPES: DType[] = ['f32', 'f16', 'bf16'];
const U = 2 ** -24;

interface Data {
  m: Matrix;
  v: Float64Array;
}

/**
 * Checks one search result against the reference. `exact`: ids and scores equal the full sort exactly. Otherwise,
 * per query: right count, unique allowed ids, sorted output, each score within the f32 bound of its reference score,
 * the r-th score within the bound of the r-th reference score, and nothing clearly better left out.
 */
function checkSearch(Q: Data, C: Data, k: number, bitmap: Uint8Array | null, res: SearchResult, exact: boolean, ctx: string) {
  const q = Q.m.rows;
  const n = C.m.rows;
  const d = Q.m.cols;
  const { s, abs } = refSimilarity(Q.v, C.v, q, n, d);
  let allowedCount = 0;
  for (let j = 0; j < n; j++) if (allowed(bitmap, j)) allowedCount++;
  const kOut = Math.min(k, allowedCount);
  const fail = (msg: string): never => {
    throw new Error(`${ctx}: ${msg}`);
  };
  if (res.queries !== q) fail(`queries = ${res.queries}, expected ${q}`);
  if (res.k !== kOut) fail(`k = ${res.k}, expected min(k=${k}, allowed=${allowedCount}) = ${kOut}`);
  if (res.scores.length !== q * kOut || res.ids.length !== q * kOut) {
    fail(`result arrays hold ${res.scores.length}/${res.ids.length} entries, expected ${q * kOut}`);
  }
  for (let i = 0; i < q; i++) {
    const row = s.subarray(i * n, (i + 1) * n);
    const want = refTopK(row, kOut, bitmap);
    const ids = Array.from(res.ids.subarray(i * kOut, (i + 1) * kOut));
    const scores = Array.from(res.scores.subarray(i * kOut, (i + 1) * kOut));
    if (exact) {
      const wantScores = want.map((j) => Math.fround(row[j]!));
      for (let r = 0; r < kOut; r++) {
        if (ids[r] !== want[r] || !Object.is(scores[r], wantScores[r])) {
          fail(
            `query ${i} rank ${r}: got id ${ids[r]} score ${scores[r]}, expected id ${want[r]} score ${wantScores[r]} ` +
              `(got ids ${ids.slice(Math.max(0, r - 3), r + 4).join(',')} around it, expected ` +
              `${want.slice(Math.max(0, r - 3), r + 4).join(',')})`,
          );
        }
      }
      continue;
    }
    let tolMax = 0;
    for (let j = 0; j < n; j++) tolMax = Math.max(tolMax, 2 * (d + 2) * U * abs[i * n + j]!);
    const seen = new Set<number>();
    for (let r = 0; r < kOut; r++) {
      const id = ids[r]!;
      if (!Number.isInteger(id) || id < 0 || id >= n) fail(`query ${i} rank ${r}: id ${id} out of range [0, ${n})`);
      if (seen.has(id)) fail(`query ${i}: id ${id} returned twice`);
      seen.add(id);
      if (!allowed(bitmap, id)) fail(`query ${i} rank ${r}: id ${id} is not allowed by the filter`);
      const tol = 2 * (d + 2) * U * abs[i * n + id]! + 1e-30;
      if (!(Math.abs(scores[r]! - row[id]!) <= tol)) {
        fail(`query ${i} rank ${r} id ${id}: score ${scores[r]}, reference ${row[id]} (tolerance ${tol})`);
      }
      if (r > 0) {
        const prev = scores[r - 1]!;
        if (prev < scores[r]! || (prev === scores[r] && ids[r - 1]! > id)) {
          fail(`query ${i}: ranks ${r - 1},${r} out of order: (${ids[r - 1]}, ${prev}) then (${id}, ${scores[r]})`);
        }
      }
      const wantScore = row[want[r]!]!;
      if (!(Math.abs(scores[r]! - wantScore) <= tolMax + 1e-30)) {
        fail(`query ${i} rank ${r}: score ${scores[r]}, but the reference's rank-${r} score is ${wantScore} (tol ${tolMax})`);
      }
    }
    if (kOut > 0) {
      const cut = row[want[kOut - 1]!]! + 2 * tolMax;
      for (let j = 0; j < n; j++) {
        if (allowed(bitmap, j) && row[j]! > cut && !seen.has(j)) {
          fail(`query ${i}: row ${j} (score ${row[j]}) is clearly in the top ${kOut} but was not returned`);
        }
      }
    }
  }
}

function randomBitmap(rng: Rng, n: number, density: number, garbageTail = false): Uint8Array {
  const b = new Uint8Array(Math.ceil(n / 8) + (garbageTail ? 3 : 0));
  for (let j = 0; j < n; j++) if (rng.next() < density) b[j >> 3]! |= 1 << (j & 7);
  if (garbageTail) {
    for (let j = n; j < b.length * 8; j++) b[j >> 3]! |= 1 << (j & 7); // rows past n must be ignored
  }
  return b;
}

describe(`search, exact integer data (seed ${SEED})`, () => {
  // [q, n, d, k, intRange]: small ranges give many exact ties, so the (score desc, id asc) order is exercised.
  const shapes: [number, number, number, number, number][] = [
    [1, 1, 1, 1, 2],
    [1, 10, 3, 20, 2], // n < k
    [4, 100, 17, 1, 1], // k = 1
    [3, 1000, 129, 10, 3],
    [33, 517, 31, 64, 1],
    [2, 2000, 8, 300, 1],
    [5, 5000, 17, 4096, 2], // large k
    [70, 300, 1, 7, 3], // d = 1: almost every score tied
  ];
  for (const [q, n, d, k, range] of shapes) {
    for (const dt of DTYPES) {
      const name = `q=${q} n=${n} d=${d} k=${k} ${dt}`;
      it(name, () => {
        const rng = caseRng(SEED, name);
        const Q = randomMatrix(rng, q, d, dt, { intRange: range });
        const C = randomMatrix(rng, n, d, dt, { intRange: range });
        const res = search(Q.m, C.m, { k, device: 'cpu' });
        checkSearch(Q, C, k, null, res, true, `seed ${SEED} search ${name}`);
      });
    }
  }

  it('mixed dtypes: f32 queries over an f16 corpus, bf16 queries over f32', () => {
    const rng = caseRng(SEED, 'mixed');
    for (const [qt, ct] of [
      ['f32', 'f16'],
      ['bf16', 'f32'],
      ['f16', 'bf16'],
    ] as const) {
      const Q = randomMatrix(rng, 6, 21, qt, { intRange: 2 });
      const C = randomMatrix(rng, 400, 21, ct, { intRange: 2 });
      checkSearch(Q, C, 25, null, search(Q.m, C.m, { k: 25 }), true, `seed ${SEED} mixed ${qt}×${ct}`);
    }
  });

  it('returns at most the corpus size for a huge k without allocating k slots', () => {
    const rng = caseRng(SEED, 'huge k');
    const Q = randomMatrix(rng, 3, 5, 'f32', { intRange: 2 });
    const C = randomMatrix(rng, 50, 5, 'f32', { intRange: 2 });
    const res = search(Q.m, C.m, { k: 1e9 });
    expect(res.k).toBe(50);
    checkSearch(Q, C, 1e9, null, res, true, `seed ${SEED} huge k`);
  });

  it('ranks NaN scores below every number', () => {
    const rng = caseRng(SEED, 'nan');
    const Q = randomMatrix(rng, 2, 4, 'f32', { intRange: 2 });
    const C = randomMatrix(rng, 30, 4, 'f32', { intRange: 2 });
    (C.m.data as Float32Array)[7 * 4 + 2] = NaN; // row 7 scores NaN against every query
    C.v[7 * 4 + 2] = NaN;
    const all = search(Q.m, C.m, { k: 30 });
    for (let i = 0; i < 2; i++) {
      const hits = all.hits(i);
      expect(hits[29]!.id).toBe(7);
      expect(hits[29]!.score).toBeNaN();
      expect(hits.slice(0, 29).every((h) => !Number.isNaN(h.score))).toBe(true);
    }
    const top = search(Q.m, C.m, { k: 29 });
    for (let i = 0; i < 2; i++) expect(top.hits(i).map((h) => h.id)).not.toContain(7);
    checkSearch(Q, C, 29, null, top, true, `seed ${SEED} NaN row`);
  });

  it('NaN ranks below -Infinity, whatever the row order, and keeps its NaN score', () => {
    // d = 4, query all ones: row 2 scores NaN, row 5 scores -Infinity, row 0 scores +Infinity, the others finite.
    const d = 4;
    const n = 8;
    const c = new Float32Array(n * d);
    for (let j = 0; j < n; j++) for (let t = 0; t < d; t++) c[j * d + t] = j - t;
    c[2 * d] = NaN;
    c[5 * d] = -Infinity;
    c[0 * d + 1] = Infinity;
    const res = search({ data: new Float32Array(d).fill(1), rows: 1, cols: d }, { data: c, rows: n, cols: d }, { k: n });
    const ids = res.hits(0).map((h) => h.id);
    const scores = res.hits(0).map((h) => h.score);
    expect(ids).toEqual([0, 7, 6, 4, 3, 1, 5, 2]);
    expect(scores.slice(0, 6)).toEqual([Infinity, 22, 18, 10, 6, -2]);
    expect(scores[6]).toBe(-Infinity);
    expect(scores[7]).toBeNaN();
  });

  it('hits(i) lists the rows of query i', () => {
    const rng = caseRng(SEED, 'hits');
    const Q = randomMatrix(rng, 3, 4, 'f32', { intRange: 3 });
    const C = randomMatrix(rng, 20, 4, 'f32', { intRange: 3 });
    const res = search(Q.m, C.m, { k: 5 });
    for (let i = 0; i < 3; i++) {
      expect(res.hits(i)).toEqual(
        Array.from({ length: 5 }, (_, r) => ({ id: res.ids[i * 5 + r], score: res.scores[i * 5 + r] })),
      );
    }
    expect(() => res.hits(3)).toThrow(RangeError);
    expect(() => res.hits(-1)).toThrow(RangeError);
    expect(() => res.hits(0.5)).toThrow(RangeError);
  });
});

describe(`search with filters (seed ${SEED})`, () => {
  const cases: [string, number, number, number, (rng: Rng, n: number) => RowFilter | Uint8Array][] = [
    ['empty RowFilter', 300, 10, 5, (_r, n) => new RowFilter(n)],
    ['empty bitmap', 300, 10, 5, (_r, n) => new Uint8Array(Math.ceil(n / 8))],
    ['single row', 300, 10, 5, (_r, n) => RowFilter.fromRows(n, [n - 1])],
    ['sparse (1%) with k above the allowed count', 3000, 17, 100, (r, n) => randomBitmap(r, n, 0.01)],
    ['sparse (3%) with k below the allowed count', 3000, 17, 10, (r, n) => randomBitmap(r, n, 0.03)],
    ['half, via fromPredicate', 1001, 33, 50, (_r, n) => RowFilter.fromPredicate(n, (j) => j % 2 === 1)],
    ['dense bitmap with set bits past n', 1003, 9, 40, (r, n) => randomBitmap(r, n, 0.9, true)],
    ['all rows (RowFilter allowAll)', 517, 7, 600, (_r, n) => new RowFilter(n, true)],
  ];
  for (const [label, n, d, k, make] of cases) {
    for (const dt of DTYPES) {
      const name = `${label}: n=${n} d=${d} k=${k} ${dt}`;
      it(name, () => {
        const rng = caseRng(SEED, name);
        const q = rng.int(1, 9);
        const Q = randomMatrix(rng, q, d, dt, { intRange: 2 });
        const C = randomMatrix(rng, n, d, dt, { intRange: 2 });
        const filter = make(rng, n);
        const bitmap = filter instanceof RowFilter ? filter.bytes : filter;
        const res = search(Q.m, C.m, { k, filter });
        checkSearch(Q, C, k, bitmap, res, true, `seed ${SEED} search q=${q} ${name}`);
        let allowedCount = 0;
        for (let j = 0; j < n; j++) if (allowed(bitmap, j)) allowedCount++;
        expect(res.k).toBe(Math.min(k, allowedCount));
        if (allowedCount === 0) {
          expect(res.scores.length).toBe(0);
          expect(res.hits(0)).toEqual([]);
        }
      });
    }
  }
});

describe(`search, random normal data (seed ${SEED})`, () => {
  const shapes: [number, number, number, number][] = [
    [1, 3000, 64, 10],
    [64, 2000, 33, 100],
    [300, 1500, 128, 5],
    [7, 4097, 17, 1],
    [2, 999, 129, 999],
  ];
  for (const [q, n, d, k] of shapes) {
    for (const dt of DTYPES) {
      const name = `q=${q} n=${n} d=${d} k=${k} ${dt}`;
      it(name, () => {
        const rng = caseRng(SEED, name);
        const Q = randomMatrix(rng, q, d, dt, { normalize: true });
        const C = randomMatrix(rng, n, d, dt, { normalize: true });
        const filter = rng.next() < 0.5 ? randomBitmap(rng, n, 0.2) : null;
        const res = search(Q.m, C.m, { k, ...(filter ? { filter } : {}) });
        checkSearch(Q, C, k, filter, res, false, `seed ${SEED} search ${name}${filter ? ' filtered' : ''}`);
      });
    }
  }
});

describe(`searchAsync (seed ${SEED})`, () => {
  it('gives the same results as search, also when several run at once', async () => {
    const rng = caseRng(SEED, 'async');
    const jobs = [
      [5, 3000, 64, 10, 'f32'],
      [1, 500, 3, 600, 'f16'],
      [40, 1200, 129, 33, 'bf16'],
      [9, 800, 17, 1, 'f32'],
    ] as const;
    const inputs = jobs.map(([q, n, d, k, dt]) => {
      const Q = randomMatrix(rng, q, d, dt, { normalize: true });
      const C = randomMatrix(rng, n, d, dt, { normalize: true });
      const filter = randomBitmap(rng, n, 0.5);
      return { Q, C, k, filter };
    });
    const sync = inputs.map(({ Q, C, k, filter }) => search(Q.m, C.m, { k, filter }));
    const async = await Promise.all(inputs.map(({ Q, C, k, filter }) => searchAsync(Q.m, C.m, { k, filter })));
    for (let i = 0; i < jobs.length; i++) {
      expect(async[i]!.k).toBe(sync[i]!.k);
      expect(async[i]!.ids).toEqual(sync[i]!.ids);
      expect(async[i]!.scores).toEqual(sync[i]!.scores);
    }
  });

  it('rejects (does not throw synchronously) on invalid arguments', async () => {
    const m = { data: new Float32Array(4), rows: 2, cols: 2 };
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = searchAsync(m, m, { k: 0 });
    }).not.toThrow();
    await expect(promise).rejects.toThrow(RangeError);
  });

  describe('large corpus: 50000 × 256 f32, 256 queries', () => {
    const n = 50_000;
    const d = 256;
    const q = 256;
    let corpus: Matrix;
    let queries: Matrix;
    beforeAll(() => {
      const rng = caseRng(SEED, 'large');
      const c = new Float32Array(n * d);
      for (let i = 0; i < c.length; i++) c[i] = rng.next() - 0.5;
      const qs = new Float32Array(q * d);
      for (let i = 0; i < qs.length; i++) qs[i] = rng.next() - 0.5;
      corpus = { data: c, rows: n, cols: d };
      queries = { data: qs, rows: q, cols: d };
    });

    it('keeps the event loop ticking while it runs', async () => {
      let ticks = 0;
      let done = false;
      const tick = () => {
        ticks++;
        if (!done) setImmediate(tick);
      };
      setImmediate(tick);
      const res = await searchAsync(queries, corpus, { k: 10 });
      done = true;
      expect(res.k).toBe(10);
      expect(ticks).toBeGreaterThan(5);
      // Same result as the sync path on the same shape.
      const sync = search(queries, corpus, { k: 10 });
      expect(res.ids).toEqual(sync.ids);
      expect(res.scores).toEqual(sync.scores);
    });

    it('never materialises the queries × corpus score matrix (scratch peak)', () => {
      scratchPeakBytes(true);
      search(queries, corpus, { k: 100, device: 'cpu' });
      const peak = scratchPeakBytes(true);
      const full = q * n * 4;
      expect(peak, `scratch peak ${peak} B vs full score matrix ${full} B`).toBeLessThan(full / 4);
    });
  });
});
