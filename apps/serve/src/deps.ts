// What the server needs from the index and the searcher. The index types are @aurola/index's; the Searcher's are a
// TEMPORARY local copy of the agreed shape until @aurola/retrieval exports it.
import type { CaptionHit as IndexCaptionHit, ClipFilter, ClipIndex, ClipMetadata, ClipRecord } from '@aurola/index';

export type { ClipFilter, ClipMetadata, ClipRecord };

export interface SearchQuery {
  text?: string;
  audio?: Float32Array;
  clipId?: string;
}
export interface SearchRequest {
  k?: number;
  filter?: ClipFilter;
  rerank?: { k: number };
}
export interface SearchHit {
  id: string;
  score: number;
  similarity: number;
  pYes?: number;
  clip: ClipRecord;
}
export type CaptionHit = Pick<IndexCaptionHit, 'clipId' | 'caption' | 'score'>;

/** The parts of a ClipIndex the server uses. */
export type ServeIndex = Pick<ClipIndex, 'dim' | 'size' | 'get' | 'has' | 'idByContentHash' | 'remove'>;

export interface ServeSearcher {
  search(query: SearchQuery, request?: SearchRequest): Promise<SearchHit[]>;
  captions(audio: Float32Array, request?: { k?: number }): Promise<CaptionHit[]>;
  addClips(items: { id: string; audio: Float32Array; meta: ClipMetadata }[]): Promise<void>;
}
