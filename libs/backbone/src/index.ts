// @aurola/backbone — one model for audio and text embeddings and yes/no re-ranking (DESIGN.md §2), run with
// onnxruntime from a model directory (§3), and the writer of aurola's own model directories.
export type { Backbone, EmbedOptions, Embeddings, RerankDirection, ScorePair } from './backbone.js';
export type { AudioConvLayer, DecoderArchitecture, ModelConfig, SpecialTokens } from './config.js';
export { GRAPH_IO, MODEL_FILES, ModelDirectoryError, modelFingerprint, parseModelConfig, readModelDirectory } from './model-directory.js';
export { OnnxMllmBackbone, type LoadOptions } from './onnx-backbone.js';
export { WorkerBackbone, type WorkerLoadOptions } from './worker-backbone.js';
export { AUROLA_TOKENS, randomModel, writeModelDirectory, type ModelFiles, type RandomModelOptions } from './write-model.js';
export { audioTokenCount } from './onnx/audio-encoder.js';
export { referenceAudioEncoder, referenceDecoder, referenceEmbed, type DecoderInputs, type Tensor64 } from './reference.js';
export { checkDecoderWeights, randomDecoderWeights, type DecoderLayerWeights, type DecoderWeights } from './weights.js';
