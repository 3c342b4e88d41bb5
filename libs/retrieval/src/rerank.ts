// Bidirectional re-ranking fusion (DESIGN.md §2): the top K candidates of each query get s' = s + α · p_yes, where
// p_yes is the backbone's yes/no judgement of (query, candidate). The bonus goes to EVERY top-K candidate — the
// fairness rule: the reference fusion script adds it only to ground-truth captions, a label leak we do not copy —
// and α is chosen on validation queries, then applied unchanged to test.
import type { RetrievalMetrics } from './metrics.js';

/**
 * An α large enough that p(Yes) alone orders the top K (the embedding score only breaks ties): evaluating with it
 * measures the judge on its own, which says what re-ranking can add at any α.
 */
export const JUDGE_ALONE_ALPHA = 100;

/** The top-k gallery indices of each query row, best first (ties → lower index). */
export function topK(scores: Float32Array, queries: number, gallery: number, k: number): Int32Array {
  const kk = Math.min(k, gallery);
  const out = new Int32Array(queries * kk);
  for (let q = 0; q < queries; q++) {
    const row = scores.subarray(q * gallery, (q + 1) * gallery);
    const order = Array.from({ length: gallery }, (_, j) => j).sort((a, b) => row[b]! - row[a]! || a - b);
    out.set(order.slice(0, kk), q * kk);
  }
  return out;
}

/**
 * New scores with the bonus α · pYes[q·k + i] added to candidate top[q·k + i] of every query (k = top.length /
 * queries); other gallery items keep their scores.
 */
export function fuseRerank(scores: Float32Array, queries: number, gallery: number, top: Int32Array, pYes: Float32Array, alpha: number): Float32Array {
  if (top.length !== pYes.length || top.length % queries !== 0) throw new RangeError('top and pYes must hold k candidates per query');
  if (!(alpha >= 0)) throw new RangeError(`alpha must be ≥ 0, got ${alpha}`);
  const k = top.length / queries;
  const fused = scores.slice();
  for (let q = 0; q < queries; q++) {
    for (let i = 0; i < k; i++) fused[q * gallery + top[q * k + i]!]! += alpha * pYes[q * k + i]!;
  }
  return fused;
}

/** The α of `grid` with the best validation R@1 (ties: higher R@5, then R@10, then the smaller α). */
export function chooseAlpha(grid: readonly number[], evaluate: (alpha: number) => RetrievalMetrics): { alpha: number; metrics: RetrievalMetrics } {
  let best: { alpha: number; metrics: RetrievalMetrics } | undefined;
  for (const alpha of [...grid].sort((a, b) => a - b)) {
    const metrics = evaluate(alpha);
    const better =
      !best ||
      metrics.r1 > best.metrics.r1 ||
      (metrics.r1 === best.metrics.r1 && (metrics.r5 > best.metrics.r5 || (metrics.r5 === best.metrics.r5 && metrics.r10 > best.metrics.r10)));
    if (better) best = { alpha, metrics };
  }
  if (!best) throw new RangeError('the α grid is empty');
  return best;
}
