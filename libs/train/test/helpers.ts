// A tiny model of the contract with its prompts and log-mel extractor, and synthetic clips, for the tests.
import { LogMelExtractor, parseLogMelConfig } from '@aurola/audio';
import { randomModel, type ModelFiles } from '@aurola/backbone';
import { PromptEncoder, TextTokenizer } from '@aurola/text';

import { TrainableModel } from '../src/model.js';

export const WORDS = 'low high bright dark buzz hum chirp click tone beep whistle drone noise pulse sweep ring'.split(' ');

export interface Setup {
  files: ModelFiles;
  model: TrainableModel;
  prompts: PromptEncoder;
  logMel: LogMelExtractor;
  padId: number;
  yes: number;
  no: number;
}

export function setup(seed: number | string, opts: { hiddenSize?: number; numLayers?: number; numHeads?: number } = {}): Setup {
  const files = randomModel({ seed, words: WORDS, hiddenSize: opts.hiddenSize ?? 24, numLayers: opts.numLayers ?? 2, numHeads: opts.numHeads ?? 3 });
  const tokenizer = TextTokenizer.fromJson(files.tokenizerJson, files.tokenizerConfig);
  const prompts = new PromptEncoder(tokenizer, files.config.tokens, files.config.maxTextTokens);
  const model = TrainableModel.fromWeights(files.config.decoder!, files.weights, 2);
  return {
    files,
    model,
    prompts,
    logMel: new LogMelExtractor(parseLogMelConfig(files.config.audio)),
    padId: tokenizer.padId,
    yes: tokenizer.tokenId(files.config.tokens.yes),
    no: tokenizer.tokenId(files.config.tokens.no),
  };
}

/** A clip of `seconds` with one tone (Hz) and a little noise. */
export function toneClip(hz: number, seconds: number, noise = 0.01): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000) + noise * (Math.random() - 0.5));
}
