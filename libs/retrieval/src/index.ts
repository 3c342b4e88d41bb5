// @aurola/retrieval — search over an index with bidirectional re-ranking (Searcher), evaluation (exact full-gallery
// ranking, R@1/5/10, mAP@10, median rank) of embeddings or of a whole model directory, and the re-ranking fusion
// with α chosen on validation.
export { relevantRanks, retrievalMetrics, type RetrievalMetrics } from './metrics.js';
export { chooseAlpha, fuseRerank, JUDGE_ALONE_ALPHA, topK } from './rerank.js';
export { evaluateEmbeddings, type BothDirections } from './evaluate.js';
export { evaluateBackbone, type BackboneEvalOptions, type BackboneEvaluation, type EvalClip } from './evaluate-backbone.js';
export {
  MAX_K,
  MAX_RERANK_K,
  SearchError,
  Searcher,
  type CaptionResult,
  type SearchErrorCode,
  type SearcherOptions,
  type SearcherStats,
  type SearchHit,
  type SearchQuery,
  type SearchRequest,
} from './search.js';
