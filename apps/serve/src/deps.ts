// What the server needs from the index and the searcher. TEMPORARY local copies of the shapes of @aurola/index and
// @aurola/retrieval's Searcher until those packages land; then these become imports.
export interface ClipMetadata {
  path: string;
  durationS: number;
  source: string;
  license: string;
  captions: string[];
  tags: string[];
  contentHash: string;
}
export interface ClipRecord extends ClipMetadata {
  id: string;
}
export interface ClipFilter {
  source?: string | string[];
  license?: string | string[];
  tags?: string[];
  minDurationS?: number;
  maxDurationS?: number;
}
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
export interface CaptionHit {
  clipId: string;
  caption: string;
  score: number;
}
export interface ServeIndex {
  readonly dim: number;
  readonly size: number;
  get(id: string): ClipRecord | undefined;
  has(id: string): boolean;
  idByContentHash(hash: string): string | undefined;
  remove(ids: string[]): number;
}
export interface ServeSearcher {
  search(query: SearchQuery, request?: SearchRequest): Promise<SearchHit[]>;
  captions(audio: Float32Array, request?: { k?: number }): Promise<CaptionHit[]>;
  addClips(items: { id: string; audio: Float32Array; meta: ClipMetadata }[]): Promise<void>;
}
