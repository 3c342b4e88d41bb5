// The text side may start from word vectors (issue 5): each word's embedding row becomes a fixed random projection
// of its word vector, so that words close in the vector space start close in the model — words rare in the captions
// then begin near their frequent neighbours instead of at random.
import { makeRng } from '@aurola/args';
import type { WordVectors } from '@aurola/data';

/**
 * Overwrites the rows of `embed` ([vocab, hidden]) of the words that have a vector: row = R · v/‖v‖ with R a seeded
 * hidden × k Gaussian matrix of variance 1/hidden, so that a row's norm is about 1 (the random initialisation's) and
 * cosines between words are kept up to O(1/√hidden) (Johnson–Lindenstrauss). Other rows keep their random values.
 * Returns how many rows were set.
 */
export function initEmbeddingFromWordVectors(embed: Float32Array, hidden: number, tokenIds: ReadonlyMap<string, number>, vectors: WordVectors, seed: number | string): number {
  if (!Number.isInteger(hidden) || hidden <= 0 || embed.length % hidden !== 0) throw new RangeError(`embed of ${embed.length} values is not a [vocab, ${hidden}] table`);
  const vocab = embed.length / hidden;
  const k = vectors.dimensions;
  const rng = makeRng(`${seed}/word-projection`);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const projection = Float32Array.from({ length: hidden * k }, () => gaussian() / Math.sqrt(hidden));
  let set = 0;
  for (const [word, id] of tokenIds) {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new RangeError(`token id ${id} of "${word}" is outside the ${vocab}-row table`);
    const v = vectors.get(word);
    if (!v) continue;
    let norm = 0;
    for (let j = 0; j < k; j++) norm += v[j]! * v[j]!;
    if (norm === 0) continue;
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < hidden; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += projection[i * k + j]! * v[j]!;
      embed[id * hidden + i] = s * scale;
    }
    set++;
  }
  return set;
}
