// Metrics against a brute-force ranking on random scores; chance level; the fusion's fairness (every top-K
// candidate gets its bonus) and α chosen on validation.
import { describe, expect, it } from 'vitest';

import { chooseAlpha, fuseRerank, retrievalMetrics, topK } from '../src/index.js';

/** Brute force: sort the whole row (ties → lower index) and find positions. */
function ranksBySorting(row: Float32Array, relevant: readonly number[]): number[] {
  const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
  return relevant.map((j) => order.indexOf(j) + 1).sort((a, b) => a - b);
}

describe('retrievalMetrics', () => {
  it('matches a brute-force ranking (A2T: best of several captions; ties by index)', () => {
    const clips = 15 + Math.floor(Math.random() * 10);
    const captionsPer = 3;
    const gallery = clips * captionsPer;
    // Coarse scores so that ties happen.
    const scores = Float32Array.from({ length: clips * gallery }, () => Math.round(Math.random() * 20) / 20);
    const relevant = (q: number) => [0, 1, 2].map((c) => q * captionsPer + c);
    const m = retrievalMetrics(scores, clips, gallery, relevant);
    let r1 = 0, r5 = 0, r10 = 0, ap = 0;
    const best: number[] = [];
    for (let q = 0; q < clips; q++) {
      const ranks = ranksBySorting(scores.subarray(q * gallery, (q + 1) * gallery), relevant(q));
      best.push(ranks[0]!);
      r1 += +(ranks[0]! <= 1);
      r5 += +(ranks[0]! <= 5);
      r10 += +(ranks[0]! <= 10);
      let hits = 0;
      let sum = 0;
      for (let pos = 1; pos <= 10; pos++) if (ranks.includes(pos)) sum += ++hits / pos;
      ap += sum / 3;
    }
    expect(m.r1).toBeCloseTo(r1 / clips, 12);
    expect(m.r5).toBeCloseTo(r5 / clips, 12);
    expect(m.r10).toBeCloseTo(r10 / clips, 12);
    expect(m.mAP10).toBeCloseTo(ap / clips, 12);
    best.sort((a, b) => a - b);
    const median = clips % 2 ? best[(clips - 1) / 2]! : (best[clips / 2 - 1]! + best[clips / 2]!) / 2;
    expect(m.medianRank).toBe(median);
    expect(m.chanceR1).toBeCloseTo(3 / gallery, 12);
  });

  it('gives R@1 = 1 for perfect scores and about chance for random ones', () => {
    const n = 200;
    const perfect = Float32Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0));
    expect(retrievalMetrics(perfect, n, n, (q) => [q]).r1).toBe(1);
    const random = Float32Array.from({ length: n * n }, () => Math.random());
    const m = retrievalMetrics(random, n, n, (q) => [q]);
    expect(m.r10).toBeLessThan(0.15); // chance is 10/200 = 0.05
    expect(m.medianRank).toBeGreaterThan(50);
  });

  it('rejects inconsistent input', () => {
    expect(() => retrievalMetrics(new Float32Array(5), 2, 3, () => [0])).toThrow(/expected 2 × 3/);
    expect(() => retrievalMetrics(new Float32Array(6), 2, 3, () => [])).toThrow(/no relevant/);
  });
});

describe('re-ranking fusion', () => {
  it('adds α · p_yes to every top-K candidate, ground truth or not, and nothing else', () => {
    const queries = 4;
    const gallery = 30;
    const k = 5;
    const scores = Float32Array.from({ length: queries * gallery }, () => Math.random());
    const top = topK(scores, queries, gallery, k);
    for (let q = 0; q < queries; q++) {
      const row = Array.from(scores.subarray(q * gallery, (q + 1) * gallery));
      const expected = row.map((_, j) => j).sort((a, b) => row[b]! - row[a]! || a - b).slice(0, k);
      expect(Array.from(top.subarray(q * k, (q + 1) * k))).toEqual(expected);
    }
    const pYes = Float32Array.from({ length: queries * k }, () => Math.random());
    const alpha = 0.5 + Math.random();
    const fused = fuseRerank(scores, queries, gallery, top, pYes, alpha);
    for (let q = 0; q < queries; q++) {
      for (let j = 0; j < gallery; j++) {
        const i = Array.from(top.subarray(q * k, (q + 1) * k)).indexOf(j);
        const bonus = i >= 0 ? alpha * pYes[q * k + i]! : 0;
        expect(fused[q * gallery + j]).toBeCloseTo(scores[q * gallery + j]! + bonus, 6);
      }
    }
  });

  it('chooses α on validation: a judge that knows the answer is trusted, a random one is not', () => {
    const n = 40;
    const k = 10;
    // Noisy retrieval scores where the true item is usually in the top 10 but not first.
    const scores = Float32Array.from({ length: n * n }, (_, i) => Math.random() + (Math.floor(i / n) === i % n ? 0.6 : 0));
    const top = topK(scores, n, n, k);
    const informed = Float32Array.from(top, (j, i) => (j === Math.floor(i / k) ? 0.95 : 0.05));
    const random = Float32Array.from(top, () => Math.random());
    const evalWith = (p: Float32Array) => (alpha: number) => retrievalMetrics(fuseRerank(scores, n, n, top, p, alpha), n, n, (q) => [q]);
    const grid = [0, 0.25, 0.5, 1, 2, 4];
    const good = chooseAlpha(grid, evalWith(informed));
    expect(good.alpha).toBeGreaterThan(0);
    expect(good.metrics.r1).toBeGreaterThanOrEqual(evalWith(informed)(0).r1);
    expect(good.metrics.r1).toBeGreaterThan(retrievalMetrics(scores, n, n, (q) => [q]).r1);
    const noise = chooseAlpha(grid, evalWith(random));
    expect(noise.metrics.r1).toBeGreaterThanOrEqual(evalWith(random)(0).r1); // never worse than no re-ranking
    expect(() => chooseAlpha([], evalWith(random))).toThrow(/empty/);
  });
});

describe('evaluateEmbeddings', () => {
  it('scores both directions with exact inner products: near-copies of the clips retrieve their clips', async () => {
    const { evaluateEmbeddings } = await import('../src/index.js');
    const clips = 20;
    const d = 16;
    const audio = Float32Array.from({ length: clips * d }, () => Math.random() * 2 - 1);
    // Two captions per clip: the clip's vector plus a little noise.
    const captions = 2 * clips;
    const clipOf = Array.from({ length: captions }, (_, t) => t >> 1);
    const text = Float32Array.from({ length: captions * d }, (_, i) => audio[clipOf[Math.floor(i / d)]! * d + (i % d)]! + 0.01 * (Math.random() - 0.5));
    const m = evaluateEmbeddings({ data: audio, rows: clips, cols: d }, { data: text, rows: captions, cols: d }, clipOf);
    expect(m.t2a.queries).toBe(captions);
    expect(m.a2t.queries).toBe(clips);
    expect(m.a2t.chanceR1).toBeCloseTo(2 / captions, 12);
    expect(m.t2a.r10).toBeGreaterThan(0.9);
    expect(() => evaluateEmbeddings({ data: audio, rows: clips, cols: d }, { data: text, rows: captions, cols: d }, clipOf.map(() => 0))).toThrow(/has no caption/);
  });
});
