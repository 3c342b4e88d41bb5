// @aurola/train — training aurola's own model on the native engine: the model and its weights, batches, the
// contrastive and yes/no steps, AdamW with a schedule and clipping, checkpoints, and export to a model directory.
export { l2Normalize, l2NormalizeBackward, packBatch, type EngineBatch, type PackOptions, type PromptSequence } from './batch.js';
export { loadCheckpoint, readCheckpointState, saveCheckpoint, type CheckpointState } from './checkpoint.js';
export { TrainableModel, type CreateModelOptions } from './model.js';
export { AdamW, type AdamWSettings, type StepReport } from './optimizer.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
  type F32Tensor,
} from './safetensors.js';
export { learningRate, type CosineSchedule } from './schedule.js';
export { contrastiveStep, yesNoStep, type ContrastiveOptions, type StepOptions } from './steps.js';
export { audioSequence, rerankSequence, textSequence } from './prompts.js';
export { MINI_ARCH, SMALL_ARCH } from './presets.js';
export { FeatureCache, loadCorpus, vocabularyOf, type CorpusClip } from './pipeline/corpus.js';
export { evaluateSplit, evaluateWithRerank, type RerankEvaluation } from './pipeline/evaluate.js';
export { initEmbeddingFromWordVectors } from './pipeline/word-init.js';
export { lineChartSvg, runningMean, writeTrainingPlots, type LineChart, type Series } from './pipeline/plots.js';
export { defaultRunConfig, exportRun, featureCacheFor, runTraining, STAGES, type RunConfig, type RunOptions, type RunResult, type StageName } from './pipeline/run.js';
export {
  CAPTION_DRAWS,
  drawCaption,
  embedSequences,
  extraPositiveShare,
  hardNegatives,
  judgeExamples,
  RERANK_NEGATIVES,
  RERANK_PAIR_SHARES,
  stageTiming,
  trainRerank,
  trainRetrieval,
  trainText,
  type CaptionDraw,
  type HybridNceSettings,
  type JudgeExample,
  type RerankNegatives,
  type RerankPairShare,
  type RerankPairing,
  type RunContext,
  type StageSettings,
  type StageTiming,
} from './pipeline/stages.js';
