// Writing a model directory for aurola's own decoder: config.json, the tokenizer files and the three ONNX graphs.
// The training app exports aurola-mini with it; tests and benchmarks make tiny random models with it.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { buildWordTokenizer, PROMPT_STYLES, promptWords, TextTokenizer, type PromptStyle } from '@aurola/text';

import type { DecoderArchitecture, ModelConfig, SpecialTokens } from './config.js';
import { MODEL_FILES, parseModelConfig } from './model-directory.js';
import { writeAudioEncoderOnnx } from './onnx/audio-encoder.js';
import { writeDecoderOnnx, writeEmbedTokensOnnx } from './onnx/decoder.js';
import { checkDecoderWeights, randomDecoderWeights, type DecoderWeights } from './weights.js';

export interface ModelFiles {
  config: ModelConfig;
  weights: DecoderWeights;
  tokenizerJson: object;
  tokenizerConfig: object;
}

async function put(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
}

/** Writes an 'aurola-decoder' model directory. The config is validated first; weights are checked against it. */
export async function writeModelDirectory(dir: string, model: ModelFiles): Promise<void> {
  const config = parseModelConfig(model.config, dir);
  const arch = config.decoder;
  if (!arch) throw new TypeError(`writeModelDirectory writes 'aurola-decoder' models; config.architecture is ${config.architecture}`);
  checkDecoderWeights(arch, model.weights);
  await put(join(dir, MODEL_FILES.tokenizer), JSON.stringify(model.tokenizerJson));
  await put(join(dir, MODEL_FILES.tokenizerConfig), JSON.stringify(model.tokenizerConfig, null, 2));
  await put(join(dir, MODEL_FILES.embedTokens), writeEmbedTokensOnnx(arch, model.weights));
  await put(join(dir, MODEL_FILES.decoder), writeDecoderOnnx(arch, model.weights));
  await put(join(dir, MODEL_FILES.audioEncoder), writeAudioEncoderOnnx(arch, model.weights));
  // config.json last: a directory with a config is complete.
  await put(join(dir, MODEL_FILES.config), `${JSON.stringify(model.config, null, 2)}\n`);
}

/** The special tokens of aurola's own models (ChatML turns, Qwen-style audio markers). */
export const AUROLA_TOKENS: SpecialTokens = {
  emb: '<emb>',
  audio: '<|AUDIO|>',
  audioStart: '<|audio_bos|>',
  audioEnd: '<|audio_eos|>',
  yes: 'yes',
  no: 'no',
};

export interface RandomModelOptions {
  seed?: number | string;
  /** Extra vocabulary beyond the prompts' words. */
  words?: readonly string[];
  hiddenSize?: number;
  numLayers?: number;
  numHeads?: number;
  intermediateSize?: number;
  nMels?: number;
  name?: string;
  /** How the model is prompted (@aurola/text PROMPT_STYLES); `chat` by default. */
  promptStyle?: PromptStyle;
}

/** A tiny randomly initialised model of the whole contract, for tests and benchmarks. */
export function randomModel(opts: RandomModelOptions = {}): ModelFiles {
  const hiddenSize = opts.hiddenSize ?? 32;
  const nMels = opts.nMels ?? 16;
  const special = ['<|im_start|>', '<|im_end|>', AUROLA_TOKENS.emb, AUROLA_TOKENS.audio, AUROLA_TOKENS.audioStart, AUROLA_TOKENS.audioEnd];
  const words = [...new Set([...promptWords(), ...(opts.words ?? [])].map((w) => w.toLowerCase()))];
  const style = PROMPT_STYLES[opts.promptStyle ?? 'chat'];
  const { tokenizerJson, tokenizerConfig } = buildWordTokenizer({ words, specialTokens: special, chatTemplate: style.chatTemplate });
  const vocabSize = TextTokenizer.fromJson(tokenizerJson, tokenizerConfig).vocabSize;
  const decoder: DecoderArchitecture = {
    vocabSize,
    hiddenSize,
    numLayers: opts.numLayers ?? 2,
    numHeads: opts.numHeads ?? 4,
    intermediateSize: opts.intermediateSize ?? 2 * hiddenSize + 8,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositions: 2048,
    audioConvs: [
      { kernel: 3, stride: 1, channels: hiddenSize },
      { kernel: 3, stride: 2, channels: hiddenSize },
      { kernel: 3, stride: 2, channels: hiddenSize },
    ],
  };
  const config: ModelConfig = {
    format: 'aurola-model',
    formatVersion: 1,
    name: opts.name ?? 'aurola-random-test',
    architecture: 'aurola-decoder',
    hiddenSize,
    positionScheme: '1d',
    decoder,
    tokens: AUROLA_TOKENS,
    audio: { sampleRate: 16000, nFft: 400, hopLength: 160, nMels, maxDurationS: 10 },
    maxTextTokens: 480,
    ...(Object.keys(style.wording).length > 0 ? { prompts: { ...style.wording } } : {}),
  };
  return { config, weights: randomDecoderWeights(decoder, nMels, opts.seed ?? 1), tokenizerJson, tokenizerConfig };
}
