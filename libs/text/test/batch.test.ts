import { describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';

import { padBatch, positionIds } from '../src/index.js';

describe('padBatch / positionIds', () => {
  it('right-pads random batches row-major and numbers the real tokens', () => {
    const r = makeRng(42);
    for (let trial = 0; trial < 50; trial++) {
      const batch = 1 + Math.floor(r() * 8);
      const seqs = Array.from({ length: batch }, () =>
        Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 1000)),
      );
      const padId = 1000 + trial;
      const p = padBatch(seqs, padId);
      const length = Math.max(0, ...seqs.map((s) => s.length));
      expect(p.batch).toBe(batch);
      expect(p.length).toBe(length);
      expect(p.lengths).toEqual(seqs.map((s) => s.length));
      expect(p.ids.length).toBe(batch * length);
      expect(p.attentionMask.length).toBe(batch * length);
      const pos = positionIds(p.attentionMask, p.batch, p.length);
      for (let b = 0; b < batch; b++) {
        const s = seqs[b] as number[];
        for (let i = 0; i < length; i++) {
          const k = b * length + i;
          if (i < s.length) {
            expect(p.ids[k]).toBe(BigInt(s[i] as number));
            expect(p.attentionMask[k]).toBe(1n);
            expect(pos[k]).toBe(BigInt(i));
          } else {
            expect(p.ids[k]).toBe(BigInt(padId));
            expect(p.attentionMask[k]).toBe(0n);
            expect(pos[k]).toBe(0n);
          }
        }
      }
    }
  });

  it('a small case written out', () => {
    const p = padBatch([[5, 6, 7], [8]], 0);
    expect([...p.ids]).toEqual([5n, 6n, 7n, 8n, 0n, 0n]);
    expect([...p.attentionMask]).toEqual([1n, 1n, 1n, 1n, 0n, 0n]);
    expect([...positionIds(p.attentionMask, 2, 3)]).toEqual([0n, 1n, 2n, 0n, 0n, 0n]);
    // Left padding too: positions count real tokens only.
    expect([...positionIds(BigInt64Array.from([0n, 1n, 1n]), 1, 3)]).toEqual([0n, 0n, 1n]);
  });

  it('empty batch and validation', () => {
    const e = padBatch([], 0);
    expect([e.batch, e.length, e.ids.length]).toEqual([0, 0, 0]);
    expect(() => padBatch([[1.5]], 0)).toThrow(RangeError);
    expect(() => padBatch([[1]], 0.5)).toThrow(RangeError);
    expect(() => padBatch([3 as unknown as number[]], 0)).toThrow(TypeError);
    expect(() => positionIds(new BigInt64Array(5), 2, 3)).toThrow(RangeError);
    expect(() => positionIds([1, 1] as unknown as BigInt64Array, 1, 2)).toThrow(TypeError);
  });
});
