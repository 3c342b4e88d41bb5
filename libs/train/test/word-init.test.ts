import { describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';
import { WordVectors } from '@aurola/data';

import { initEmbeddingFromWordVectors } from '../src/index.js';

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
};

describe('initEmbeddingFromWordVectors', () => {
  const rng = makeRng('word-init');
  const words = ['dog', 'puppy', 'rain', 'drizzle', 'engine', 'bell'];
  const k = 20;
  // Pairs of related words share most of their vector.
  const base = Array.from({ length: 3 }, () => Array.from({ length: k }, () => rng() - 0.5));
  const data = new Float32Array(words.length * k);
  words.forEach((_, w) => {
    for (let j = 0; j < k; j++) data[w * k + j] = w < 4 ? base[w >> 1]![j]! + 0.3 * (rng() - 0.5) : 3 * (rng() - 0.5);
  });
  const vectors = new WordVectors(words, data);

  it('keeps cosines between words, gives rows of norm about 1, and leaves words without a vector alone', () => {
    const hidden = 2048;
    const vocab = 9;
    const embed = Float32Array.from({ length: vocab * hidden }, () => rng() - 0.5);
    const before = embed.slice();
    const ids = new Map([...words.map((w, i) => [w, i + 2] as [string, number]), ['zzzunknown', 8]]);
    expect(initEmbeddingFromWordVectors(embed, hidden, ids, vectors, 1)).toBe(words.length);
    const row = (id: number) => embed.subarray(id * hidden, (id + 1) * hidden);
    for (let a = 0; a < words.length; a++) {
      const norm = Math.hypot(...row(a + 2));
      expect(Math.abs(norm - 1)).toBeLessThan(0.1);
      for (let b = a + 1; b < words.length; b++) {
        expect(Math.abs(cosine(row(a + 2), row(b + 2)) - cosine(vectors.get(words[a]!)!, vectors.get(words[b]!)!))).toBeLessThan(0.1);
      }
    }
    // Related words start close, unrelated ones do not.
    expect(cosine(row(2), row(3))).toBeGreaterThan(0.7);
    // Rows 0, 1 (no word) and 8 (a word without a vector) are untouched.
    for (const id of [0, 1, 8]) expect(row(id)).toEqual(before.subarray(id * hidden, (id + 1) * hidden));
  });

  it('is deterministic in the seed, and checks its arguments', () => {
    const ids = new Map(words.map((w, i) => [w, i] as [string, number]));
    const a = new Float32Array(words.length * 16);
    const b = new Float32Array(words.length * 16);
    const c = new Float32Array(words.length * 16);
    initEmbeddingFromWordVectors(a, 16, ids, vectors, 3);
    initEmbeddingFromWordVectors(b, 16, ids, vectors, 3);
    initEmbeddingFromWordVectors(c, 16, ids, vectors, 4);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(() => initEmbeddingFromWordVectors(new Float32Array(10), 16, ids, vectors, 1)).toThrow(/not a \[vocab, 16\] table/);
    expect(() => initEmbeddingFromWordVectors(new Float32Array(32), 16, ids, vectors, 1)).toThrow(/outside the 2-row table/);
  });
});
