// Argument validation: every bad argument is rejected in TypeScript with a TypeError/RangeError whose message
// names the argument (the addon's own last-line checks word their messages differently).
import { describe, expect, it } from 'vitest';

import {
  RowFilter,
  fromBf16,
  hybridNce,
  hybridNceAsync,
  scratchPeakBytes,
  search,
  searchAsync,
  setThreads,
  similarity,
  similarityAsync,
  toF16,
} from '../src/index.js';

type Ctor = typeof TypeError | typeof RangeError;

const f32 = (rows: number, cols: number) => ({ data: new Float32Array(rows * cols), rows, cols });
const q = f32(2, 4);
const c = f32(10, 4);

/** The call throws `type` with a message matching `msg`. */
function rejects(call: () => unknown, type: Ctor, msg: RegExp) {
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeInstanceOf(Error);
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(msg);
}

describe('valid calls', () => {
  it('the same shapes without the fault succeed', () => {
    expect(similarity(q, c)).toHaveLength(20);
    expect(search(q, c, { k: 3 }).k).toBe(3);
    expect(Number.isFinite(hybridNce(f32(3, 4), f32(3, 4)).loss)).toBe(true);
    expect(search(q, { data: new Uint16Array(40), rows: 10, cols: 4, dtype: 'bf16' }, { k: 3 }).k).toBe(3);
  });
});

describe('matrix arguments', () => {
  const bad: [string, unknown, Ctor, RegExp][] = [
    ['not an object', 42, TypeError, /queries must be a matrix/],
    ['null', null, TypeError, /queries must be a matrix/],
    ['plain array data', { data: [1, 2, 3, 4], rows: 1, cols: 4 }, TypeError, /queries\.data must be a Float32Array or a Uint16Array/],
    ['Float64Array data', { data: new Float64Array(4), rows: 1, cols: 4 }, TypeError, /queries\.data/],
    ['rows 0', { data: new Float32Array(0), rows: 0, cols: 4 }, RangeError, /queries\.rows must be a positive integer, got 0/],
    ['rows negative', { data: new Float32Array(4), rows: -1, cols: 4 }, RangeError, /queries\.rows/],
    ['rows fractional', { data: new Float32Array(6), rows: 1.5, cols: 4 }, RangeError, /queries\.rows must be a positive integer, got 1\.5/],
    ['rows NaN', { data: new Float32Array(4), rows: NaN, cols: 4 }, RangeError, /queries\.rows/],
    ['rows a string', { data: new Float32Array(4), rows: '1', cols: 4 }, TypeError, /queries\.rows must be a number/],
    ['cols 0', { data: new Float32Array(0), rows: 1, cols: 0 }, RangeError, /queries\.cols must be a positive integer/],
    ['cols Infinity', { data: new Float32Array(4), rows: 1, cols: Infinity }, RangeError, /queries\.cols/],
    ['data too short', { data: new Float32Array(7), rows: 2, cols: 4 }, RangeError, /queries\.data has 7 elements but queries\.rows × queries\.cols = 2 × 4 = 8/],
    ['data too long', { data: new Float32Array(9), rows: 2, cols: 4 }, RangeError, /queries\.data has 9 elements/],
    ['unsupported dtype', { data: new Float32Array(8), rows: 2, cols: 4, dtype: 'f64' }, TypeError, /queries\.dtype must be one of 'f32', 'f16', 'bf16', got "f64"/],
    ['Uint16Array without dtype', { data: new Uint16Array(8), rows: 2, cols: 4 }, TypeError, /queries\.data is a Uint16Array, so queries\.dtype must say how to read it/],
    ['Uint16Array declared f32', { data: new Uint16Array(8), rows: 2, cols: 4, dtype: 'f32' }, TypeError, /queries\.dtype is 'f32' but queries\.data is a Uint16Array/],
    ['Uint16Array, bad dtype', { data: new Uint16Array(8), rows: 2, cols: 4, dtype: 'fp16' }, TypeError, /queries\.dtype must be one of/],
    ['Float32Array declared f16', { data: new Float32Array(8), rows: 2, cols: 4, dtype: 'f16' }, TypeError, /queries\.dtype is 'f16' but queries\.data is a Float32Array/],
    ['Float32Array declared bf16', { data: new Float32Array(8), rows: 2, cols: 4, dtype: 'bf16' }, TypeError, /queries\.dtype is 'bf16' but queries\.data is a Float32Array/],
  ];
  for (const [label, m, type, msg] of bad) {
    it(`${label} → ${type.name}`, async () => {
      const M = m as never;
      rejects(() => similarity(M, c), type, msg);
      rejects(() => search(M, c, { k: 1 }), type, msg);
      await expect(similarityAsync(M, c)).rejects.toThrow(type);
      await expect(searchAsync(M, c, { k: 1 })).rejects.toThrow(msg);
      // The same checks name the corpus, audio and text arguments.
      const rename = (name: string) => new RegExp(msg.source.replaceAll('queries', name));
      rejects(() => search(q, M, { k: 1 }), type, rename('corpus'));
      rejects(() => hybridNce(M, f32(2, 4)), type, rename('audio'));
      rejects(() => hybridNce(f32(2, 4), M), type, rename('text'));
    });
  }

  it('queries and corpus with different d → RangeError naming both', () => {
    rejects(() => similarity(q, f32(10, 5)), RangeError, /queries\.cols \(4\) and corpus\.cols \(5\) must be equal/);
    rejects(() => search(q, f32(10, 3), { k: 2 }), RangeError, /queries\.cols \(4\) and corpus\.cols \(3\)/);
  });

  it('corpus rows ≥ 2^31 → RangeError (row ids are int32), checked before the data length', () => {
    const huge = { data: new Float32Array(4), rows: 2 ** 31, cols: 2 };
    rejects(() => search(q, huge, { k: 1 }), RangeError, /corpus\.rows must be less than 2147483648/);
    const justBelow = { data: new Float32Array(4), rows: 2 ** 31 - 1, cols: 2 };
    rejects(() => search(f32(1, 2), justBelow, { k: 1 }), RangeError, /corpus\.data has 4 elements/);
  });
});

describe('search options', () => {
  const badK: [unknown, Ctor, RegExp][] = [
    [0, RangeError, /k must be a positive integer, got 0/],
    [-3, RangeError, /k must be a positive integer/],
    [2.5, RangeError, /k must be a positive integer, got 2\.5/],
    [NaN, RangeError, /k must be a positive integer, got NaN/],
    [Infinity, RangeError, /k must be a positive integer/],
    ['5', TypeError, /k must be a number/],
    [undefined, TypeError, /k must be a number, got undefined/],
  ];
  for (const [k, type, msg] of badK) {
    it(`k = ${String(k)} → ${type.name}`, async () => {
      rejects(() => search(q, c, { k } as never), type, msg);
      await expect(searchAsync(q, c, { k } as never)).rejects.toThrow(msg);
    });
  }

  it('missing options → TypeError', () => {
    rejects(() => search(q, c, undefined as never), TypeError, /options must be an object/);
  });

  it('filter bitmap too short for the corpus → RangeError', () => {
    rejects(() => search(q, f32(17, 4), { k: 1, filter: new Uint8Array(2) }), RangeError, /filter bitmap is too short: 2 bytes, but 17 corpus rows need 3/);
    expect(search(q, f32(17, 4), { k: 1, filter: new Uint8Array(3) }).k).toBe(0);
    expect(search(q, f32(16, 4), { k: 1, filter: new Uint8Array(5) }).k).toBe(0);
  });

  it('RowFilter over another row count → RangeError', () => {
    rejects(() => search(q, c, { k: 1, filter: new RowFilter(9) }), RangeError, /filter covers 9 rows but the corpus has 10/);
    rejects(() => search(q, c, { k: 1, filter: new RowFilter(11) }), RangeError, /filter covers 11 rows/);
  });

  it('filter of another kind → TypeError', () => {
    rejects(() => search(q, c, { k: 1, filter: [1, 0, 1] as never }), TypeError, /filter must be a RowFilter or a Uint8Array/);
    rejects(() => search(q, c, { k: 1, filter: new Int8Array(2) as never }), TypeError, /filter must be/);
  });

  it('unknown device → TypeError', async () => {
    rejects(() => search(q, c, { k: 1, device: 'gpu' as never }), TypeError, /device must be one of 'auto', 'cpu', 'cuda', got "gpu"/);
    rejects(() => similarity(q, c, { device: 'CPU' as never }), TypeError, /device must be one of/);
    rejects(() => hybridNce(q, q, { device: 1 as never }), TypeError, /device must be one of .* got 1/);
    await expect(similarityAsync(q, c, { device: 'tpu' as never })).rejects.toThrow(TypeError);
  });
});

describe('hybridNce options', () => {
  const A = f32(4, 3);
  const T = f32(4, 3);
  const h16 = (rows: number, cols: number, dtype: 'f16' | 'bf16') => ({ data: new Uint16Array(rows * cols), rows, cols, dtype });

  it('audio and text of different dtypes → TypeError', () => {
    rejects(() => hybridNce(A, h16(4, 3, 'f16')), TypeError, /audio\.dtype \('f32'\) and text\.dtype \('f16'\) must be the same/);
    rejects(() => hybridNce(h16(4, 3, 'bf16'), h16(4, 3, 'f16')), TypeError, /audio\.dtype \('bf16'\) and text\.dtype \('f16'\)/);
  });

  it('audio and text with different B or d → RangeError', () => {
    rejects(() => hybridNce(A, f32(5, 3)), RangeError, /audio\.rows \(4\) and text\.rows \(5\) must be equal/);
    rejects(() => hybridNce(A, f32(4, 2)), RangeError, /audio\.cols \(3\) and text\.cols \(2\) must be equal/);
  });

  const badNumbers: [string, number | string, Ctor, RegExp][] = [
    ['tau', NaN, RangeError, /tau must be a finite number > 0, got NaN/],
    ['tau', 0, RangeError, /tau must be a finite number > 0, got 0/],
    ['tau', -0.05, RangeError, /tau must be a finite number > 0/],
    ['tau', Infinity, RangeError, /tau must be a finite number > 0/],
    ['tau', '0.05', TypeError, /tau must be a number/],
    ['alpha', NaN, RangeError, /alpha must be a finite number >= 0, got NaN/],
    ['alpha', -1, RangeError, /alpha must be a finite number >= 0, got -1/],
    ['beta', NaN, RangeError, /beta must be a finite number >= 0, got NaN/],
    ['beta', -0.1, RangeError, /beta must be a finite number >= 0/],
    ['lambda', NaN, RangeError, /lambda must be a finite number >= 0, got NaN/],
    ['lambda', -0.2, RangeError, /lambda must be a finite number >= 0/],
  ];
  for (const [key, value, type, msg] of badNumbers) {
    it(`${key} = ${String(value)} → ${type.name}`, async () => {
      rejects(() => hybridNce(A, T, { [key]: value }), type, msg);
      await expect(hybridNceAsync(A, T, { [key]: value })).rejects.toThrow(msg);
    });
  }

  it('zero alpha, beta and lambda are allowed', () => {
    expect(hybridNce(A, T, { alpha: 0, beta: 0, lambda: 0 }).loss).not.toBeNaN();
  });

  it('groups of the wrong length → RangeError', () => {
    rejects(() => hybridNce(A, T, { groups: new Int32Array(3) }), RangeError, /groups must have one id per row: 4 expected, got 3/);
    rejects(() => hybridNce(A, T, { groups: [0, 1, 2, 3, 4] }), RangeError, /groups must have one id per row: 4 expected, got 5/);
  });

  it('non-integer groups → RangeError naming the element; wrong container → TypeError', () => {
    rejects(() => hybridNce(A, T, { groups: [0, 1.5, 2, 3] }), RangeError, /groups\[1\] must be an int32 group id/);
    rejects(() => hybridNce(A, T, { groups: [0, 1, NaN, 3] }), RangeError, /groups\[2\]/);
    rejects(() => hybridNce(A, T, { groups: [0, 1, 2, 2 ** 31] }), RangeError, /groups\[3\]/);
    rejects(() => hybridNce(A, T, { groups: [0, 1, '2', 3] as never }), TypeError, /groups\[2\] must be a number/);
    rejects(() => hybridNce(A, T, { groups: new Float32Array(4) as never }), TypeError, /groups must be an Int32Array or an array of integers/);
    expect(hybridNce(A, T, { groups: [-1, 0, -7, 0] }).loss).not.toBeNaN();
  });

  it('unknown direction → TypeError', () => {
    rejects(() => hybridNce(A, T, { direction: 'ta2' as never }), TypeError, /direction must be one of 'a2t', 't2a', 'both', got "ta2"/);
    rejects(() => hybridNce(A, T, { direction: 0 as never }), TypeError, /direction must be one of/);
  });

  it('non-boolean detachWeights / grad → TypeError', () => {
    rejects(() => hybridNce(A, T, { detachWeights: 1 as never }), TypeError, /detachWeights must be a boolean/);
    rejects(() => hybridNce(A, T, { grad: 'yes' as never }), TypeError, /grad must be a boolean/);
  });
});

describe('other entry points', () => {
  it('setThreads takes an integer', () => {
    rejects(() => setThreads(1.5), RangeError, /n must be an integer/);
    rejects(() => setThreads('4' as never), TypeError, /n must be a number/);
  });

  it('scratchPeakBytes takes a boolean', () => {
    rejects(() => scratchPeakBytes(1 as never), TypeError, /reset must be a boolean/);
  });

  it('conversions take the right typed arrays', () => {
    rejects(() => toF16(new Float64Array(2) as never), TypeError, /values must be a Float32Array/);
    rejects(() => fromBf16(new Int32Array(2) as never), TypeError, /words must be a Uint16Array/);
  });
});

describe('RowFilter', () => {
  it('uses the native bitmap layout: bit j = bytes[j >> 3] >> (j & 7) & 1', () => {
    const f = RowFilter.fromPredicate(20, (j) => j % 3 === 0);
    expect(f.size).toBe(20);
    expect(f.bytes.length).toBe(3);
    for (let j = 0; j < 20; j++) expect(((f.bytes[j >> 3]! >> (j & 7)) & 1) === 1).toBe(j % 3 === 0);
    expect(f.count()).toBe(7);
    expect(Array.from(f.bytes)).toEqual([0b01001001, 0b10010010, 0b00000100]);
  });

  it('allow, disallow, has, count', () => {
    const f = new RowFilter(10);
    expect(f.count()).toBe(0);
    f.allow(0).allow(9).allow(3);
    expect(f.count()).toBe(3);
    expect(f.has(9)).toBe(true);
    expect(f.has(8)).toBe(false);
    f.disallow(9).disallow(9);
    expect(f.has(9)).toBe(false);
    expect(f.count()).toBe(2);
    expect(RowFilter.fromRows(12, [1, 1, 11]).count()).toBe(2);
  });

  it('allowAll sets exactly the first size bits', () => {
    for (const n of [0, 1, 7, 8, 9, 16, 21]) {
      const f = new RowFilter(n, true);
      expect(f.count()).toBe(n);
      expect(f.bytes.length).toBe(Math.ceil(n / 8));
    }
  });

  it('rejects rows outside [0, size) and bad sizes', () => {
    const f = new RowFilter(5);
    rejects(() => f.allow(5), RangeError, /row must be an integer in \[0, 5\), got 5/);
    rejects(() => f.disallow(-1), RangeError, /row must be an integer/);
    rejects(() => f.has(1.5), RangeError, /row must be an integer/);
    rejects(() => new RowFilter(-1), RangeError, /size/);
    rejects(() => new RowFilter(2.5), RangeError, /size must be an integer/);
  });
});
