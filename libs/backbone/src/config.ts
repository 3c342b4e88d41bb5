// The model-directory contract (DESIGN.md §3): config.json describes the architecture, the special tokens, the
// audio features and the prompts; onnx/ holds three graphs with fixed input and output names. aurola-mini (and the
// test models) and an exported Qwen2.5-Omni thinker both follow it; `architecture` says which graph family wrote it.

import type { PromptWording } from '@aurola/text';

/** A 1-D convolution of the audio encoder (over time; channels = mel bands for the first). */
export interface AudioConvLayer {
  kernel: number;
  stride: number;
  /** Output channels. */
  channels: number;
}

/** The decoder-only transformer and the conv audio encoder that aurola's ONNX writer emits. */
export interface DecoderArchitecture {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** SwiGLU inner width. */
  intermediateSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Longest sequence the rotary tables cover. */
  maxPositions: number;
  /**
   * Audio encoder: convolutions with GELU, each padded by floor(kernel / 2) on both sides (frames out =
   * floor((in + 2·floor(k/2) − k) / stride) + 1), then a linear map to hiddenSize.
   */
  audioConvs: AudioConvLayer[];
}

export interface SpecialTokens {
  /** Whose hidden state just before it is the embedding. */
  emb: string;
  /** Placeholder expanded to one token per audio embedding. */
  audio: string;
  /** Around the audio placeholders (may be empty strings when a model has none). */
  audioStart: string;
  audioEnd: string;
  yes: string;
  no: string;
}

export interface ModelConfig {
  format: 'aurola-model';
  formatVersion: 1;
  name: string;
  /** 'aurola-decoder' (written by aurola's ONNX writer) or 'qwen2.5-omni-thinker' (exported from PyTorch). */
  architecture: 'aurola-decoder' | 'qwen2.5-omni-thinker';
  hiddenSize: number;
  /** '1d': position ids [B, L]; 'mrope': [3, B, L], audio on a time axis (Qwen2.5-Omni). */
  positionScheme: '1d' | 'mrope';
  /** Present for 'aurola-decoder'. */
  decoder?: DecoderArchitecture;
  tokens: SpecialTokens;
  /** Log-mel spec (libs/audio LogMelConfig) plus the longest audio the encoder takes. */
  audio: { sampleRate: number; nFft: number; hopLength: number; nMels: number; maxDurationS: number } & Record<string, unknown>;
  /** Caption truncation, in tokens (480 in AuroLA). */
  maxTextTokens: number;
  /**
   * Overrides of the prompt wording (@aurola/text PROMPTS, DESIGN.md §2 verbatim when absent), for models trained
   * with other prompts — aurola-mini's compact ones. The chat template is the tokenizer's own.
   */
  prompts?: Partial<PromptWording>;
  /** Re-ranking fusion weights s' = s + α · p_yes per query direction, set on validation by the training app. */
  rerank?: { alphaT2A: number; alphaA2T: number };
  /**
   * A model directory inside this one (a relative path, `judge` as the training app writes it) whose weights say
   * yes or no: a judge trained apart from the embedding model (`rerank.judge: own`). Absent: this model judges.
   */
  judge?: string;
}
