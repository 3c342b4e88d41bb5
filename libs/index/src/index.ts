// @aurola/index — an exact embedding index of audio clips on the native fused top-K: f16 (or f32/bf16) vectors,
// metadata and captions in SQLite, incremental and crash-safe add/remove, filtered clip and caption search.
export { ClipIndex, type IndexOptions } from './clip-index.js';
export { IndexError, type IndexErrorCode } from './errors.js';
export { npyHeader, readNpy } from './npy.js';
export { FORMAT, FORMAT_VERSION, INDEX_FILE } from './store.js';
export type {
  CaptionHit,
  ClipFilter,
  ClipHit,
  ClipMetadata,
  ClipRecord,
  CreateOptions,
  IndexStats,
  NewClip,
  Queries,
  SearchOptions,
  VectorDType,
} from './types.js';
export { MAX_DIM, MAX_ID_LENGTH, MAX_K, NORM_TOLERANCE } from './validate.js';
