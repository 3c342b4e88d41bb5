// Batch packing (placeholder expansion, padding, positions, read positions) and the L2 normalisation backward
// against central finite differences.
import { describe, expect, it } from 'vitest';

import { l2Normalize, l2NormalizeBackward, packBatch } from '../src/batch.js';

describe('packBatch', () => {
  it('expands the audio placeholder, pads right, and shifts the read position after the audio', () => {
    const audioTokens = (frames: number) => Math.floor((frames - 1) / 2) + 1;
    const frames = 5 + Math.floor(Math.random() * 10);
    const features = Float32Array.from({ length: frames * 3 }, () => Math.random());
    const b = packBatch(
      [
        { ids: [1, 2, 3], readAt: 1 },
        { ids: [4, 9, 5, 6], readAt: 2, audio: { at: 1, features, frames } },
      ],
      { padId: 0, audioTokens, nMels: 3, selectIds: [7, 8] },
    );
    const n = audioTokens(frames);
    expect(b.batch).toBe(2);
    expect(b.length).toBe(3 + n);
    const row1 = Array.from(b.ids.subarray(b.length, 2 * b.length));
    expect(row1).toEqual([4, ...new Array(n).fill(9), 5, 6]);
    expect(Array.from(b.ids.subarray(0, b.length))).toEqual([1, 2, 3, ...new Array(n).fill(0)]);
    expect(Array.from(b.mask.subarray(0, b.length))).toEqual([1, 1, 1, ...new Array(n).fill(0)]);
    expect(Array.from(b.positions.subarray(b.length, 2 * b.length))).toEqual(row1.map((_, i) => i));
    expect(Array.from(b.readAt)).toEqual([1, 2 + n - 1]);
    expect(Array.from(b.audioSeq)).toEqual([1]);
    expect(Array.from(b.audioAt)).toEqual([1]);
    expect(Array.from(b.audioFrames)).toEqual([frames]);
    expect(b.audioFeatures).toEqual(features);
    expect(Array.from(b.selectIds)).toEqual([7, 8]);
  });

  it('rejects read positions and audio outside the ids, and features of the wrong size', () => {
    const o = { padId: 0, audioTokens: () => 1, nMels: 2 };
    expect(() => packBatch([], o)).toThrow(/at least one/);
    expect(() => packBatch([{ ids: [1], readAt: 1 }], o)).toThrow(/readAt/);
    expect(() => packBatch([{ ids: [1], readAt: 0, audio: { at: 3, features: new Float32Array(2), frames: 1 } }], o)).toThrow(/audio.at/);
    expect(() => packBatch([{ ids: [1], readAt: 0, audio: { at: 0, features: new Float32Array(3), frames: 1 } }], o)).toThrow(/features/);
  });
});

describe('l2Normalize', () => {
  it('has the gradient of finite differences', () => {
    const rows = 3;
    const cols = 5;
    const x = Float32Array.from({ length: rows * cols }, () => Math.random() * 2 - 1);
    const r = Float64Array.from({ length: rows * cols }, () => Math.random() * 2 - 1);
    const f = (v: Float32Array) => l2Normalize(v, rows, cols).y.reduce((s, y, i) => s + y * r[i]!, 0);
    const { y, norms } = l2Normalize(x, rows, cols);
    const dx = l2NormalizeBackward(Float32Array.from(r), y, norms, rows, cols);
    for (let i = 0; i < x.length; i++) {
      const h = 1e-2;
      const xp = Float32Array.from(x);
      const xm = Float32Array.from(x);
      xp[i]! += h;
      xm[i]! -= h;
      expect(dx[i]!).toBeCloseTo((f(xp) - f(xm)) / (2 * h), 3);
    }
    for (let row = 0; row < rows; row++) {
      let ss = 0;
      for (let c = 0; c < cols; c++) ss += y[row * cols + c]! ** 2;
      expect(ss).toBeCloseTo(1, 6);
    }
  });
});
