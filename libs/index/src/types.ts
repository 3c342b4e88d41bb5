// The shapes of @aurola/index's public API.

/** How vectors are stored, in memory and on disk. Queries are always f32; arithmetic accumulates in f32. */
export type VectorDType = 'f16' | 'f32' | 'bf16';

/** What the index keeps about a clip besides its vector. */
export interface ClipMetadata {
  /** Where the audio is (the indexer records an absolute path). */
  path: string;
  durationS: number;
  /** Where the clip came from, e.g. 'sonic-pi-samples' or 'folder:/data/sfx'. */
  source: string;
  /** SPDX-style licence, e.g. 'CC0-1.0'. */
  license: string;
  /** Captions of the clip; each may have a vector in the caption gallery (A2T). */
  captions: string[];
  tags: string[];
  /** sha256 of the audio file's bytes (hex): how the indexer recognises a file it has already indexed. */
  contentHash: string;
}

export interface ClipRecord extends ClipMetadata {
  id: string;
}

/**
 * Which clips a search may return. Every given condition must hold: `source`/`license` match one of the listed
 * values, every listed tag is present, and the duration lies in [minDurationS, maxDurationS].
 */
export interface ClipFilter {
  source?: string | string[];
  license?: string | string[];
  /** All of these tags must be present. */
  tags?: string[];
  minDurationS?: number;
  maxDurationS?: number;
}

export interface NewClip {
  id: string;
  /** `dim` values, L2-normalised. */
  vector: Float32Array;
  /** `meta.captions.length × dim` values, row-major, each row L2-normalised; omitted → no caption rows. */
  captionVectors?: Float32Array;
  meta: ClipMetadata;
}

export interface ClipHit {
  id: string;
  /** Inner product of the query and the clip's (stored) vector. */
  score: number;
  clip: ClipRecord;
}

export interface CaptionHit {
  clipId: string;
  caption: string;
  captionIndex: number;
  score: number;
}

/** A batch of f32 query rows of the index's width. */
export interface Queries {
  data: Float32Array;
  rows: number;
}

export interface SearchOptions {
  /** Hits per query: exactly k when at least k clips (captions) match, all of them otherwise. */
  k: number;
  filter?: ClipFilter;
}

export interface CreateOptions {
  dim: number;
  /** Default 'f16'. */
  dtype?: VectorDType;
  /** Name of the model whose embeddings the index holds; opening with another model is refused. */
  model: string;
}

export interface IndexStats {
  /** Live clips. */
  clips: number;
  /** Caption rows of live clips. */
  captions: number;
  /** Removed rows still held in memory until the next compaction. */
  tombstones: number;
  dim: number;
  dtype: VectorDType;
  model: string;
  /** index.sqlite with its write-ahead log. */
  bytesOnDisk: number;
  /** The typed buffers of vectors and metadata columns (capacity included; JS strings of ids not counted). */
  bytesInMemory: number;
}
