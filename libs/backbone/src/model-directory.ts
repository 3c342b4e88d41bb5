// Reading a model directory: config.json validated field by field, and the files of the contract present. Every
// problem is a ModelDirectoryError that names the directory and what is wrong, so a broken export is diagnosed
// from the message alone.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';

import { parseLogMelConfig } from '@aurola/audio';
import { promptWording, type PromptWording } from '@aurola/text';

import type { AudioConvLayer, DecoderArchitecture, ModelConfig, SpecialTokens } from './config.js';

export class ModelDirectoryError extends Error {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`model directory ${dir}: ${problem}`);
    this.name = 'ModelDirectoryError';
  }
}

/** The files every model directory holds, relative to it. */
export const MODEL_FILES = {
  config: 'config.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  audioEncoder: 'onnx/audio_encoder.onnx',
  embedTokens: 'onnx/embed_tokens.onnx',
  decoder: 'onnx/decoder_model.onnx',
} as const;

/** Input and output names of the three graphs. */
export const GRAPH_IO = {
  audioEncoder: { inputs: ['input_features'], outputs: ['audio_embeds'] },
  embedTokens: { inputs: ['input_ids'], outputs: ['inputs_embeds'] },
  decoder: { inputs: ['inputs_embeds', 'attention_mask', 'position_ids'], outputs: ['last_hidden_state', 'logits'] },
} as const;

type Json = Record<string, unknown>;

class Reader {
  constructor(
    readonly dir: string,
    private readonly prefix: string,
    private readonly obj: Json,
  ) {}

  fail(key: string, what: string): never {
    throw new ModelDirectoryError(this.dir, `config.json: ${this.prefix}${key} ${what}`);
  }

  value(key: string): unknown {
    if (this.obj[key] === undefined) this.fail(key, 'is missing');
    return this.obj[key];
  }

  string(key: string, allowEmpty = false): string {
    const v = this.value(key);
    if (typeof v !== 'string' || (!allowEmpty && v === '')) this.fail(key, `must be a ${allowEmpty ? '' : 'non-empty '}string`);
    return v;
  }

  positiveInt(key: string): number {
    const v = this.value(key);
    if (!Number.isInteger(v) || (v as number) < 1) this.fail(key, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }

  positive(key: string): number {
    const v = this.value(key);
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) this.fail(key, `must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.value(key);
    if (!allowed.includes(v as T)) this.fail(key, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  object(key: string): Reader {
    const v = this.value(key);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'must be an object');
    return new Reader(this.dir, `${this.prefix}${key}.`, v as Json);
  }

  raw(): Json {
    return this.obj;
  }
}

function readDecoder(r: Reader, hiddenSize: number): DecoderArchitecture {
  const convsValue = r.value('audioConvs');
  if (!Array.isArray(convsValue) || convsValue.length === 0) r.fail('audioConvs', 'must be a non-empty array');
  const audioConvs: AudioConvLayer[] = (convsValue as unknown[]).map((layer, i) => {
    if (typeof layer !== 'object' || layer === null) r.fail(`audioConvs[${i}]`, 'must be an object');
    const l = new Reader(r.dir, `decoder.audioConvs[${i}].`, layer as Json);
    return { kernel: l.positiveInt('kernel'), stride: l.positiveInt('stride'), channels: l.positiveInt('channels') };
  });
  const arch: DecoderArchitecture = {
    vocabSize: r.positiveInt('vocabSize'),
    hiddenSize: r.positiveInt('hiddenSize'),
    numLayers: r.positiveInt('numLayers'),
    numHeads: r.positiveInt('numHeads'),
    intermediateSize: r.positiveInt('intermediateSize'),
    rmsNormEps: r.positive('rmsNormEps'),
    ropeTheta: r.positive('ropeTheta'),
    maxPositions: r.positiveInt('maxPositions'),
    audioConvs,
  };
  if (arch.hiddenSize !== hiddenSize) r.fail('hiddenSize', `(${arch.hiddenSize}) differs from hiddenSize (${hiddenSize})`);
  const headDim = arch.hiddenSize / arch.numHeads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    r.fail('numHeads', `must divide hiddenSize into heads of an even width (${arch.hiddenSize} / ${arch.numHeads})`);
  }
  return arch;
}

/** Validates a parsed config.json of the model directory `dir`. */
export function parseModelConfig(json: unknown, dir: string): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelDirectoryError(dir, 'config.json must hold a JSON object');
  }
  const r = new Reader(dir, '', json as Json);
  if (r.value('format') !== 'aurola-model') r.fail('format', 'must be "aurola-model"');
  if (r.value('formatVersion') !== 1) r.fail('formatVersion', `must be 1 (this runtime reads version 1)`);
  const hiddenSize = r.positiveInt('hiddenSize');
  const architecture = r.oneOf('architecture', ['aurola-decoder', 'qwen2.5-omni-thinker'] as const);
  const t = r.object('tokens');
  const tokens: SpecialTokens = {
    emb: t.string('emb'),
    audio: t.string('audio'),
    audioStart: t.string('audioStart', true),
    audioEnd: t.string('audioEnd', true),
    yes: t.string('yes'),
    no: t.string('no'),
  };
  const audioReader = r.object('audio');
  try {
    parseLogMelConfig(audioReader.raw());
  } catch (error) {
    throw new ModelDirectoryError(dir, `config.json: audio: ${(error as Error).message}`);
  }
  const audio = { ...audioReader.raw(), maxDurationS: audioReader.positive('maxDurationS') } as ModelConfig['audio'];
  const config: ModelConfig = {
    format: 'aurola-model',
    formatVersion: 1,
    name: r.string('name'),
    architecture,
    hiddenSize,
    positionScheme: r.oneOf('positionScheme', ['1d', 'mrope'] as const),
    tokens,
    audio,
    maxTextTokens: r.positiveInt('maxTextTokens'),
  };
  if (architecture === 'aurola-decoder') config.decoder = readDecoder(r.object('decoder'), hiddenSize);
  if ((json as Json).prompts !== undefined) {
    const overrides = r.object('prompts').raw() as Partial<PromptWording>;
    try {
      promptWording(overrides);
    } catch (error) {
      throw new ModelDirectoryError(dir, `config.json: ${(error as Error).message}`);
    }
    config.prompts = { ...overrides };
  }
  const rerank = (json as Json).rerank;
  if (rerank !== undefined) {
    const rr = r.object('rerank');
    const alpha = (key: string) => {
      const v = rr.value(key);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) rr.fail(key, 'must be a non-negative number');
      return v as number;
    };
    config.rerank = { alphaT2A: alpha('alphaT2A'), alphaA2T: alpha('alphaA2T') };
  }
  if ((json as Json).judge !== undefined) {
    const judge = r.string('judge');
    // Inside the directory, so that a copied model directory takes its judge with it.
    if (isAbsolute(judge) || normalize(judge).split(sep).some((part) => part === '..' || part === '.')) {
      r.fail('judge', `must be a directory inside the model directory, got ${JSON.stringify(judge)}`);
    }
    config.judge = judge;
  }
  return config;
}

/**
 * The identity of a model directory's contents: SHA-256 over every file of the contract (name and bytes), 16 hex
 * digits. Two directories with the same name but other weights differ here, so an index records it.
 */
export async function modelFingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of Object.values(MODEL_FILES).sort()) {
    hash.update(`${file}\0`);
    hash.update(await readFile(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Reads and validates `<dir>/config.json` and checks that every file of the contract is there. */
export async function readModelDirectory(dir: string): Promise<{ dir: string; config: ModelConfig }> {
  const root = resolve(dir);
  for (const file of Object.values(MODEL_FILES)) {
    const info = await stat(join(root, file)).catch(() => undefined);
    if (!info?.isFile()) throw new ModelDirectoryError(root, `${file} is missing`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(root, MODEL_FILES.config), 'utf8'));
  } catch (error) {
    throw new ModelDirectoryError(root, `config.json is not valid JSON (${(error as Error).message})`);
  }
  return { dir: root, config: parseModelConfig(json, root) };
}
