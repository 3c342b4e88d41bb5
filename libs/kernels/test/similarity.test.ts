// similarity(): S = Q·Cᵀ against the float64 reference, for many shapes and every dtype pairing.
import { describe, expect, it } from 'vitest';
import { similarity, similarityAsync, type DType, type Matrix } from '../src/index.js';
import { assertClose, caseRng, randomMatrix, refSimilarity, testSeed } from './reference.js';

const SEED = testSeed();
const DTYPES: DType[] = ['f32', 'f16', 'bf16'];
const U = 2 ** -24; // f32 unit roundoff

/** Worst-case bound of an f32 dot product of length d, any summation order: ~d·u·Σ|q_k c_k| (doubled for slack). */
function check(q: { m: Matrix; v: Float64Array }, c: { m: Matrix; v: Float64Array }, got: Float32Array, ctx: string) {
  const { s, abs } = refSimilarity(q.v, c.v, q.m.rows, c.m.rows, q.m.cols);
  expect(got).toBeInstanceOf(Float32Array);
  assertClose(got, s, { rel: 2 * (q.m.cols + 2) * U, abs: 1e-30 }, ctx, abs);
}

describe(`similarity (seed ${SEED})`, () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 5, 3],
    [3, 1, 17],
    [2, 7, 129],
    [5, 33, 16],
    [17, 65, 31],
    [9, 40, 64],
    [64, 130, 8],
    [4, 300, 257],
  ];
  for (const [q, n, d] of shapes) {
    for (const qt of DTYPES) {
      for (const ct of DTYPES) {
        if (qt !== ct && (q * n * d > 20000 || (qt !== 'f32' && ct !== 'f32'))) continue; // keep mixed cases few
        const name = `q=${q} n=${n} d=${d} queries ${qt} corpus ${ct}`;
        it(name, () => {
          const r = caseRng(SEED, name);
          const Q = randomMatrix(r, q, d, qt);
          const C = randomMatrix(r, n, d, ct);
          const got = similarity(Q.m, C.m, { device: 'cpu' });
          check(Q, C, got, `seed ${SEED} similarity q=${q} n=${n} d=${d} ${qt}×${ct}`);
        });
      }
    }
  }

  it('reads typed-array views at their byte offset', () => {
    const r = caseRng(SEED, 'views');
    const Q = randomMatrix(r, 3, 13, 'f32');
    const C = randomMatrix(r, 11, 13, 'f16');
    const qBuf = new Float32Array(Q.m.data.length + 5);
    qBuf.set(Q.m.data, 3);
    const cBuf = new Uint16Array(C.m.data.length + 7);
    cBuf.set(C.m.data, 1);
    const got = similarity(
      { data: qBuf.subarray(3, 3 + Q.m.data.length), rows: 3, cols: 13 },
      { data: cBuf.subarray(1, 1 + C.m.data.length), rows: 11, cols: 13, dtype: 'f16' },
    );
    check(Q, C, got, `seed ${SEED} similarity on views`);
  });

  it('exact on integer data, and auto equals cpu', () => {
    const r = caseRng(SEED, 'exact');
    const Q = randomMatrix(r, 7, 45, 'bf16', { intRange: 4 });
    const C = randomMatrix(r, 23, 45, 'f32', { intRange: 4 });
    const { s } = refSimilarity(Q.v, C.v, 7, 23, 45);
    expect(Array.from(similarity(Q.m, C.m, { device: 'cpu' }))).toEqual(Array.from(s));
    expect(Array.from(similarity(Q.m, C.m))).toEqual(Array.from(s));
  });

  it('async gives the same scores as sync', async () => {
    const r = caseRng(SEED, 'async');
    for (const [q, n, d, dt] of [
      [3, 50, 17, 'f32'],
      [8, 200, 96, 'f16'],
      [1, 77, 5, 'bf16'],
    ] as const) {
      const Q = randomMatrix(r, q, d, dt);
      const C = randomMatrix(r, n, d, dt);
      const sync = similarity(Q.m, C.m);
      const [a, b] = await Promise.all([similarityAsync(Q.m, C.m), similarityAsync(Q.m, C.m)]);
      expect(a).toEqual(sync);
      expect(b).toEqual(sync);
      check(Q, C, a, `seed ${SEED} similarityAsync q=${q} n=${n} d=${d} ${dt}`);
    }
  });
});
