// Spherical k-means: cosine similarity on L2-normalised vectors, k-means++ seeding from a seeded PRNG, a fixed
// iteration cap. Deterministic for a seed: ties go to the lowest index.
import { makeRng } from '../annotate/rng.js';

export interface KMeansOptions {
  seed: number | string;
  /** Assignment/update rounds at most (stops earlier once no point moves). Default 100. */
  maxIterations?: number;
}

/** Cluster index (0…k−1) of each point. k must be between 1 and the number of points. */
export function kmeans(points: readonly ArrayLike<number>[], k: number, options: KMeansOptions): Int32Array {
  const n = points.length;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k = ${k} must be an integer in 1…${n}`);
  const d = points[0]!.length;
  const x = normalisedRows(points, d);
  const centroids = seedCentroids(x, n, d, k, makeRng(options.seed));
  const labels = new Int32Array(n).fill(-1);
  const maxIterations = options.maxIterations ?? 100;

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let moved = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestSim = -Infinity;
      for (let c = 0; c < k; c++) {
        const sim = dot(x, i * d, centroids, c * d, d);
        if (sim > bestSim) [best, bestSim] = [c, sim];
      }
      if (labels[i] !== best) [labels[i], moved] = [best, true];
    }
    if (!moved) break;
    updateCentroids(x, labels, centroids, d, k);
  }
  return labels;
}

function normalisedRows(points: readonly ArrayLike<number>[], d: number): Float64Array {
  const x = new Float64Array(points.length * d);
  points.forEach((p, i) => {
    if (p.length !== d) throw new RangeError(`point ${i} has ${p.length} dimensions, expected ${d}`);
    let norm = 0;
    for (let j = 0; j < d; j++) norm += p[j]! * p[j]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < d; j++) x[i * d + j] = p[j]! * scale;
  });
  return x;
}

/** k-means++: each next centre is drawn with probability proportional to its cosine distance from the nearest one. */
function seedCentroids(x: Float64Array, n: number, d: number, k: number, rng: () => number): Float64Array {
  const centroids = new Float64Array(k * d);
  const distance = new Float64Array(n).fill(Infinity);
  const chosen = new Set<number>();
  let next = Math.floor(rng() * n);
  for (let c = 0; c < k; c++) {
    chosen.add(next);
    centroids.set(x.subarray(next * d, (next + 1) * d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      distance[i] = Math.min(distance[i]!, Math.max(0, 1 - dot(x, i * d, centroids, c * d, d)));
      total += distance[i]!;
    }
    next = total > 0 ? drawWeighted(distance, total * rng()) : firstNotIn(chosen, n);
  }
  return centroids;
}

function drawWeighted(weights: Float64Array, target: number): number {
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! <= 0) continue;
    last = i;
    target -= weights[i]!;
    if (target < 0) return i;
  }
  return last; // rounding left a sliver of `target`
}

/** When every point coincides with a centre already, the next centre is the first point not yet used. */
function firstNotIn(chosen: Set<number>, n: number): number {
  let i = 0;
  while (chosen.has(i) && i < n - 1) i++;
  return i;
}

/** Each centroid becomes its members' normalised mean; a centroid that lost all its members stays where it was. */
function updateCentroids(x: Float64Array, labels: Int32Array, centroids: Float64Array, d: number, k: number): void {
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  labels.forEach((c, i) => {
    counts[c]!++;
    for (let j = 0; j < d; j++) sums[c * d + j]! += x[i * d + j]!;
  });
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    const norm = Math.sqrt(dot(sums, c * d, sums, c * d, d));
    if (norm === 0) continue;
    for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j]! / norm;
  }
}

function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[ai + j]! * b[bi + j]!;
  return s;
}
