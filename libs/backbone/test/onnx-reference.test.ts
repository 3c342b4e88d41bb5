// Spot checks of the float64 reference's layers against values known independently of the code.
import { describe, expect, it } from 'vitest';

import { conv1d, erf, rmsnorm, rope } from '../src/reference.js';

describe('reference layers', () => {
  it('erf matches tabulated values', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [-1, -0.8427007929497149],
    ];
    for (const [x, value] of table) expect(Math.abs(erf(x) - value)).toBeLessThan(1e-14);
  });

  it('rmsnorm scales a constant row to the norm weight', () => {
    const y = rmsnorm(Float64Array.from([3, 3, 3, 3]), 1, 4, [1, 2, 0.5, -1], 0);
    expect(Array.from(y)).toEqual([1, 2, 0.5, -1]);
  });

  it('rope turns pair (i, i + half) by position · theta^(−2i/headDim)', () => {
    // One head of size 4, theta 100: pair 0 turns by p, pair 1 by p / 10.
    const x = Float64Array.from([1, 1, 0, 0]);
    rope(x, 1, 1, 4, [2], 100);
    const expected = [Math.cos(2), Math.cos(0.2), Math.sin(2), Math.sin(0.2)];
    x.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-15));
  });

  it('conv1d zero-pads kernel/2 frames and strides', () => {
    // One channel, kernel [1, 1, 1] (a running sum of 3), bias 0.5, stride 2 over [1, 2, 3, 4, 5].
    const y = conv1d(Float64Array.from([1, 2, 3, 4, 5]), 5, 1, [1, 1, 1], [0.5], 1, 3, 2);
    expect(y.frames).toBe(3);
    expect(Array.from(y.data)).toEqual([3.5, 9.5, 9.5]);
  });
});
