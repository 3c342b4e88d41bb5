// @aurola/retrieval — evaluation (exact full-gallery ranking, R@1/5/10, mAP@10, median rank) and bidirectional
// re-ranking fusion with α chosen on validation.
export { relevantRanks, retrievalMetrics, type RetrievalMetrics } from './metrics.js';
export { chooseAlpha, fuseRerank, topK } from './rerank.js';
export { evaluateEmbeddings, type BothDirections } from './evaluate.js';
export { evaluateBackbone, type BackboneEvalOptions, type BackboneEvaluation, type EvalClip } from './evaluate-backbone.js';
