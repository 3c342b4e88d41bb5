// Retrieval metrics over an exact score matrix (queries × gallery, higher = better): every gallery item is ranked,
// ties broken by gallery index (the kernels' order), and a query's rank is that of its best relevant item — for
// audio→text, the best of the clip's captions, as DESIGN.md §2 says.

export interface RetrievalMetrics {
  /** Fractions of queries whose best relevant item ranks ≤ 1, 5, 10. */
  r1: number;
  r5: number;
  r10: number;
  /** Mean average precision over the top 10 (all relevant items count, normalised by min(relevant, 10)). */
  mAP10: number;
  /** Median of the best relevant item's rank (1-based). */
  medianRank: number;
  queries: number;
  /** Expected R@1 of random scores: mean over queries of relevant / gallery size. */
  chanceR1: number;
}

/** Ranks (1-based) of the relevant items of one query's score row, ascending. */
export function relevantRanks(row: Float32Array, relevant: readonly number[]): number[] {
  return relevant
    .map((j) => {
      const s = row[j]!;
      let rank = 1;
      for (let k = 0; k < row.length; k++) {
        const t = row[k]!;
        if (t > s || (t === s && k < j)) rank++;
      }
      return rank;
    })
    .sort((a, b) => a - b);
}

/** Metrics of a score matrix `scores` [queries × gallery]; `relevant(q)` lists query q's relevant gallery items. */
export function retrievalMetrics(scores: Float32Array, queries: number, gallery: number, relevant: (q: number) => readonly number[]): RetrievalMetrics {
  if (scores.length !== queries * gallery) throw new RangeError(`scores has ${scores.length} values, expected ${queries} × ${gallery}`);
  if (queries === 0) throw new RangeError('no queries');
  const best: number[] = [];
  let ap = 0;
  let chance = 0;
  for (let q = 0; q < queries; q++) {
    const rel = relevant(q);
    if (rel.length === 0) throw new RangeError(`query ${q} has no relevant item`);
    const ranks = relevantRanks(scores.subarray(q * gallery, (q + 1) * gallery), rel);
    best.push(ranks[0]!);
    let hits = 0;
    let sum = 0;
    for (const r of ranks) {
      if (r > 10) break;
      hits++;
      sum += hits / r;
    }
    ap += sum / Math.min(rel.length, 10);
    chance += rel.length / gallery;
  }
  const at = (k: number) => best.filter((r) => r <= k).length / queries;
  const sorted = [...best].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    r1: at(1),
    r5: at(5),
    r10: at(10),
    mAP10: ap / queries,
    medianRank: sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    queries,
    chanceR1: chance / queries,
  };
}
