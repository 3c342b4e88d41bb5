// The training stages of AuroLA on aurola's own model (DESIGN.md §2), each a resumable loop of optimiser steps:
// - text (stage 1): InfoNCE between two granularities of one clip's captions, the text prompt on both sides;
// - retrieval (stage 2): Hybrid-NCE between clips and one caption each, drawn uniformly from the three
//   granularities (or one granularity only: the single-caption baseline), tag-cluster groups applying when the tags
//   were drawn;
// - rerank: the yes/no loss on one positive and one hard negative per clip (mined with the retrieval model), the
//   query direction drawn 50/50.
// Batches are drawn with a generator seeded by (seed, stage, step), so a resumed run draws what an uninterrupted
// one would have; a checkpoint is written every `checkpointEvery` steps and at the end.
import { mkdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';

import { makeRng, type Rng } from '@aurola/args';
import { similarity } from '@aurola/kernels';
import type { PromptEncoder } from '@aurola/text';

import { l2Normalize, packBatch, type PromptSequence } from '../batch.js';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint.js';
import type { TrainableModel } from '../model.js';
import { AdamW } from '../optimizer.js';
import { audioSequence, rerankSequence, textSequence } from '../prompts.js';
import { contrastiveStep, yesNoStep } from '../steps.js';
import type { CorpusClip, FeatureCache } from './corpus.js';

export interface RunContext {
  model: TrainableModel;
  prompts: PromptEncoder;
  padId: number;
  yes: number;
  no: number;
  features: FeatureCache;
  /** Sequences per engine call. */
  microBatch: number;
  /** Called when a stage's steps begin (after a resume: `done` of them are done already). */
  onStageStart?: (stage: string, done: number, steps: number) => void;
  /** Called after every step (progress bars). */
  onStep?: (stage: string, step: number, steps: number, loss: number) => void;
  /** Validation recall of the model as it is now (the curves of a run); called every `validateEvery` steps. */
  validate?: () => Promise<Record<string, number>>;
}

export interface StageSettings {
  steps: number;
  /** Pairs (clips) per step. */
  batchPairs: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  clipNorm: number;
  seed: number | string;
  checkpointEvery: number;
  /** Steps between validation measurements (0: none); the first is before step 1, the last after the final step. */
  validateEvery?: number;
}

export interface HybridNceSettings {
  tau: number;
  alpha: number;
  lambda: number;
  beta: number;
  direction: 'a2t' | 't2a' | 'both';
  detachWeights: boolean;
}

/** B distinct clip indices for one step, deterministic in (seed, stage, step). */
function drawBatch(rng: Rng, n: number, B: number): number[] {
  const picked = new Set<number>();
  const want = Math.min(B, n);
  while (picked.size < want) picked.add(Math.floor(rng() * n));
  return [...picked];
}

/** One step's loss (gradients accumulated) and any figures of its batch worth a line in the log. */
interface StepOutcome {
  loss: number;
  batch?: Record<string, number>;
}

interface StageLoop {
  name: string;
  settings: StageSettings;
  step(rng: Rng, step: number): Promise<StepOutcome>;
}

/**
 * The share of a batch's samples that have at least one extra positive (another sample of their group, DESIGN.md
 * §2): how often λ acts at all. Logged per step as `extraPositives`.
 */
export function extraPositiveShare(groups: readonly number[]): number {
  const sizes = new Map<number, number>();
  for (const g of groups) if (g >= 0) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  let withPositive = 0;
  for (const g of groups) if (g >= 0 && sizes.get(g)! > 1) withPositive++;
  return groups.length > 0 ? withPositive / groups.length : 0;
}

/** The wall time of a stage's steps, validation and checkpoints included (what a user waits for). */
export interface StageTiming {
  steps: number;
  pairs: number;
  seconds: number;
  pairsPerS: number;
}

/**
 * A stage's timing from its log.jsonl: each step line carries the seconds since its session of the stage began, so
 * the time of a resumed stage is the sum over its sessions (a step or a time below the previous one starts a new
 * session; steps redone after a resume count once, their time twice).
 */
export async function stageTiming(dir: string, batchPairs: number): Promise<StageTiming> {
  const lines = (await readFile(join(dir, 'log.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  let seconds = 0;
  let previous = { step: 0, seconds: 0 };
  const steps = new Set<number>();
  for (const line of lines) {
    const entry = JSON.parse(line) as { step?: number; seconds?: number };
    if (entry.seconds === undefined || entry.step === undefined) continue;
    steps.add(entry.step);
    const resumed = entry.step <= previous.step || entry.seconds < previous.seconds;
    seconds += resumed ? entry.seconds : entry.seconds - previous.seconds;
    previous = { step: entry.step, seconds: entry.seconds };
  }
  const pairs = steps.size * batchPairs;
  return { steps: steps.size, pairs, seconds, pairsPerS: seconds > 0 ? pairs / seconds : 0 };
}

/** Runs a stage's steps with AdamW, logging to <dir>/log.jsonl and resuming from <dir>/checkpoint. */
async function runStage(ctx: RunContext, dir: string, loop: StageLoop): Promise<{ finalLoss: number }> {
  await mkdir(dir, { recursive: true });
  const { settings } = loop;
  const optimizer = new AdamW(ctx.model, {
    schedule: { lr: settings.lr, warmupSteps: settings.warmupSteps, totalSteps: settings.steps },
    weightDecay: settings.weightDecay,
    clipNorm: settings.clipNorm,
  });
  const checkpoint = join(dir, 'checkpoint');
  const done = join(dir, 'done.json');
  try {
    const result = JSON.parse(await readFile(done, 'utf8')) as { finalLoss: number };
    // A finished stage hands its final weights on to the next one.
    await loadCheckpoint(checkpoint, ctx.model, optimizer);
    return result;
  } catch {
    // not finished yet
  }
  try {
    await loadCheckpoint(checkpoint, ctx.model, optimizer);
  } catch {
    // a fresh stage (no complete checkpoint yet)
  }
  let loss = Number.NaN;
  const started = performance.now();
  const log = (line: object) => appendFile(join(dir, 'log.jsonl'), `${JSON.stringify({ stage: loop.name, ...line })}\n`);
  const every = ctx.validate ? (settings.validateEvery ?? 0) : 0;
  const validate = async (step: number) => log({ step, validation: await ctx.validate!() });
  if (every > 0 && optimizer.step === 0) await validate(0);
  ctx.onStageStart?.(loop.name, optimizer.step, settings.steps);
  for (let step = optimizer.step + 1; step <= settings.steps; step++) {
    const outcome = await loop.step(makeRng(`${settings.seed}/${loop.name}/${step}`), step);
    loss = outcome.loss;
    const report = optimizer.apply();
    await log({ step, loss, lr: report.lr, gradNorm: report.gradNorm, seconds: (performance.now() - started) / 1000, ...outcome.batch });
    ctx.onStep?.(loop.name, step, settings.steps, loss);
    if (every > 0 && (step % every === 0 || step === settings.steps)) await validate(step);
    if (step % settings.checkpointEvery === 0 || step === settings.steps) await saveCheckpoint(checkpoint, ctx.model, optimizer);
  }
  const result = { finalLoss: loss };
  await writeFile(done, `${JSON.stringify(result)}\n`);
  return result;
}

/**
 * Stage 1: two paraphrases of one group against each other, with the text prompt on both sides. A group is the
 * captions of one clip (its three granularities), of one AudioCaps clip, or an NLI pair; a batch draws distinct
 * groups, so no two of its texts are paraphrases unless paired.
 */
export function trainText(ctx: RunContext, dir: string, groups: readonly (readonly string[])[], settings: StageSettings, tau: number) {
  return runStage(ctx, dir, {
    name: 'text',
    settings,
    step: async (rng) => {
      const batch = drawBatch(rng, groups.length, settings.batchPairs);
      const left: PromptSequence[] = [];
      const right: PromptSequence[] = [];
      for (const i of batch) {
        const texts = groups[i]!;
        const a = Math.floor(rng() * texts.length);
        const b = (a + 1 + Math.floor(rng() * (texts.length - 1))) % texts.length;
        left.push(textSequence(ctx.prompts, texts[a]!));
        right.push(textSequence(ctx.prompts, texts[b]!));
      }
      return { loss: await contrastiveStep(ctx.model, left, right, { padId: ctx.padId, microBatch: ctx.microBatch, tau, lambda: 0, beta: 0 }) };
    },
  });
}

/**
 * Which caption a clip is paired with in the contrastive steps: `multi`, the long description, the short caption or
 * the tags, drawn uniformly (DESIGN.md §2's multi-granular supervision), or always the one named (a single-caption
 * baseline).
 */
export const CAPTION_DRAWS = ['multi', 'long', 'short', 'tags'] as const;
export type CaptionDraw = (typeof CAPTION_DRAWS)[number];
const GRANULARITY = { long: 0, short: 1, tags: 2 } as const;

/** A clip's caption for one contrastive pair, and its group id (groups apply only when the tags are the caption). */
export function drawCaption(rng: Rng, clip: CorpusClip, draw: CaptionDraw): { caption: string; group: number } {
  const drawn = Math.floor(rng() * 3); // drawn whatever the setting, so that every setting sees the same batches
  const granularity = draw === 'multi' ? drawn : GRANULARITY[draw];
  return { caption: clip.captions[granularity]!, group: granularity === GRANULARITY.tags ? clip.group : -1 };
}

/** Hybrid-NCE between the batch's clips and a caption of each (drawCaption), as stage 2 and the re-ranker run it. */
async function clipCaptionStep(ctx: RunContext, clips: readonly CorpusClip[], batch: readonly number[], rng: Rng, nce: HybridNceSettings, draw: CaptionDraw): Promise<StepOutcome> {
  const audio: PromptSequence[] = [];
  const text: PromptSequence[] = [];
  const groups: number[] = [];
  for (const i of batch) {
    const { caption, group } = drawCaption(rng, clips[i]!, draw);
    audio.push(audioSequence(ctx.prompts, await ctx.features.of(clips[i]!.audio)));
    text.push(textSequence(ctx.prompts, caption));
    groups.push(group);
  }
  const loss = await contrastiveStep(ctx.model, audio, text, { padId: ctx.padId, microBatch: ctx.microBatch, ...nce, groups });
  return { loss, batch: { extraPositives: extraPositiveShare(groups) } };
}

/** Stage 2: Hybrid-NCE between clips and a caption of each (drawCaption). */
export function trainRetrieval(ctx: RunContext, dir: string, clips: readonly CorpusClip[], settings: StageSettings, nce: HybridNceSettings, draw: CaptionDraw) {
  return runStage(ctx, dir, {
    name: 'retrieval',
    settings,
    step: (rng) => clipCaptionStep(ctx, clips, drawBatch(rng, clips.length, settings.batchPairs), rng, nce, draw),
  });
}

/** Normalised embeddings of sequences (forward only), in order. */
export async function embedSequences(ctx: RunContext, sequences: readonly PromptSequence[]): Promise<Float32Array> {
  const d = ctx.model.arch.hiddenSize;
  const out = new Float32Array(sequences.length * d);
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.ids.length - sequences[b]!.ids.length);
  for (let start = 0; start < order.length; start += ctx.microBatch) {
    const members = order.slice(start, start + ctx.microBatch);
    const batch = packBatch(members.map((i) => sequences[i]!), { padId: ctx.padId, audioTokens: (f) => ctx.model.engine.audioTokens(f), nMels: ctx.model.nMels });
    const { hidden } = await ctx.model.engine.forward(batch);
    const { y } = l2Normalize(hidden, members.length, d);
    members.forEach((i, r) => out.set(y.subarray(r * d, (r + 1) * d), i * d));
  }
  return out;
}

/**
 * How the re-ranker's hard negatives are mined, for each clip, among the stage's clips, by the similarity of the
 * clip's audio to their short captions:
 * - `other-tag`: the nearest clip with another first tag (never one of the same kind of sound);
 * - `nearest`: the nearest clip whose short caption differs from the clip's own — often the same kind of sound,
 *   told apart by what the captions add (duration, loudness, pitch, what is said), as among retrieval's top K.
 */
export const RERANK_NEGATIVES = ['other-tag', 'nearest'] as const;
export type RerankNegatives = (typeof RERANK_NEGATIVES)[number];

/**
 * What an item's yes pair and no pair have in common:
 * - `query`: the query (the clip's caption with its own audio, then with the negative's audio; a2t likewise);
 * - `candidate`: the candidate (the clip's audio asked for by its own caption, then by the negative's caption; a2t
 *   likewise). Every candidate is then a yes as often as a no, so the judge cannot lower its loss by rating the
 *   candidate alone — with `query`, the few clips mined as negatives again and again become "no" clips. A query
 *   prior left instead is harmless: re-ranking compares candidates of one query.
 */
export const RERANK_PAIR_SHARES = ['query', 'candidate'] as const;
export type RerankPairShare = (typeof RERANK_PAIR_SHARES)[number];

/**
 * Whose weights learn to judge: `shared`, the embedding model's own (DESIGN.md §2: one backbone, the contrastive loss
 * kept beside the yes/no loss); `own`, a copy of the stage-2 model that learns yes/no only, the embedding model left
 * as stage 2 made it — a judge with capacity of its own, as when the judge is a separate fine-tune.
 */
export const RERANK_JUDGES = ['shared', 'own'] as const;
export type RerankJudge = (typeof RERANK_JUDGES)[number];

/** `negativePool`: each item's hard negative is drawn afresh every time from the clip's this many best. */
export interface RerankPairing {
  negatives: RerankNegatives;
  negativePool: number;
  pairShare: RerankPairShare;
}

/** One example for the judge: a text, the clip whose audio goes with it, and whether they match. */
export interface JudgeExample {
  direction: 't2a' | 'a2t';
  text: string;
  audioOf: number;
  yes: boolean;
}

/**
 * Item `item`'s two examples, yes then no, with its hard negative `negative` (clip indices) and the item's caption
 * of granularity `granularity` (0 long description, 1 short caption). t2a: the text is the query, the audio the
 * candidate; a2t the other way round.
 */
export function judgeExamples(
  clips: readonly CorpusClip[],
  item: number,
  negative: number,
  granularity: 0 | 1,
  direction: 't2a' | 'a2t',
  share: RerankPairShare,
): [JudgeExample, JudgeExample] {
  const caption = clips[item]!.captions[granularity];
  const yes: JudgeExample = { direction, text: caption, audioOf: item, yes: true };
  // The other clip's text with this audio, or this text with the other clip's audio. The other text is of the same
  // granularity: were it always the short caption, every long description would be a yes, learnt from its length.
  const otherText = { direction, text: clips[negative]!.captions[granularity], audioOf: item, yes: false };
  const otherAudio = { direction, text: caption, audioOf: negative, yes: false };
  const keepText = (direction === 't2a') === (share === 'query');
  return [yes, keepText ? otherAudio : otherText];
}

/** For each clip, its `pool` hard negatives under `rule`, mined with the model as it is now. */
async function mineHardNegatives(ctx: RunContext, clips: readonly CorpusClip[], rule: RerankNegatives, pool: number): Promise<number[][]> {
  const d = ctx.model.arch.hiddenSize;
  const audio = await embedSequences(ctx, (await ctx.features.ofAll(clips.map((c) => c.audio))).map((f) => audioSequence(ctx.prompts, f)));
  const text = await embedSequences(ctx, clips.map((c) => textSequence(ctx.prompts, c.captions[1])));
  const n = clips.length;
  return hardNegatives(clips, similarity({ data: audio, rows: n, cols: d }, { data: text, rows: n, cols: d }), rule, pool);
}

/**
 * For each clip, the indices of its `pool` hard negatives under `rule`, best first, from `scores`: clip i's audio
 * against clip j's short caption at i·n + j. Fewer when fewer clips are allowed; the next clip when none is.
 */
export function hardNegatives(clips: readonly CorpusClip[], scores: Float32Array, rule: RerankNegatives, pool = 1): number[][] {
  if (!(Number.isInteger(pool) && pool >= 1)) throw new RangeError(`the negative pool must be a positive integer, got ${pool}`);
  const n = clips.length;
  const excluded = rule === 'other-tag' ? (a: CorpusClip, b: CorpusClip) => a.firstTag === b.firstTag : (a: CorpusClip, b: CorpusClip) => a.captions[1] === b.captions[1];
  return clips.map((clip, i) => {
    // The best `pool` so far, best first: an insertion into a short sorted list beats sorting all n scores.
    const best: number[] = [];
    const score = (j: number) => scores[i * n + j]!;
    for (let j = 0; j < n; j++) {
      if (j === i || excluded(clip, clips[j]!)) continue;
      if (best.length === pool) {
        if (score(j) <= score(best[pool - 1]!)) continue;
        best.pop();
      }
      let at = best.length;
      while (at > 0 && score(best[at - 1]!) < score(j)) at--;
      best.splice(at, 0, j);
    }
    return best.length > 0 ? best : [(i + 1) % n];
  });
}

/**
 * The re-ranker: per clip a yes and a no example (judgeExamples: the no pairs the query with a hard negative's
 * candidate, or the candidate with a hard negative's query), direction drawn 50/50. With `nce`, the contrastive
 * loss of stage 2 runs beside it on the same clips, so that one model keeps both its embeddings and its yes/no head
 * (aurola-mini is one model directory for both); without, ctx.model is a judge of its own and learns yes/no only.
 * The negatives are mined by `miner`'s model: the retrieval model whose top K the judge will re-rank.
 */
export async function trainRerank(
  ctx: RunContext,
  dir: string,
  clips: readonly CorpusClip[],
  settings: StageSettings,
  nce: HybridNceSettings | undefined,
  pairing: RerankPairing,
  draw: CaptionDraw,
  miner: RunContext = ctx,
) {
  // Mined once, before the stage trains, and kept, so that a resumed stage uses the same negatives.
  let negatives: number[][] | undefined;
  const minedFile = join(dir, 'negatives.json');
  const mined = async (): Promise<number[][]> => {
    const wanted = { rule: pairing.negatives, pool: pairing.negativePool };
    let text: string;
    try {
      text = await readFile(minedFile, 'utf8');
    } catch {
      const found = { ...wanted, perClip: await mineHardNegatives(miner, clips, wanted.rule, wanted.pool) };
      await mkdir(dir, { recursive: true });
      await writeFile(minedFile, JSON.stringify(found));
      return found.perClip;
    }
    const kept = JSON.parse(text) as typeof wanted & { perClip: number[][] };
    // Mining again now, with a shared judge, would use the partly trained model, not the stage's starting one.
    if (kept.rule !== wanted.rule || kept.pool !== wanted.pool || kept.perClip?.length !== clips.length) {
      throw new Error(`${minedFile} holds negatives mined otherwise (${kept.rule}, pool ${kept.pool}) than this run asks (${wanted.rule}, pool ${wanted.pool}): remove ${dir} to train the re-ranker again`);
    }
    return kept.perClip;
  };
  return runStage(ctx, dir, {
    name: 'rerank',
    settings,
    step: async (rng) => {
      negatives ??= await mined();
      const sequences: PromptSequence[] = [];
      const answers: boolean[] = [];
      const batch = drawBatch(rng, clips.length, settings.batchPairs);
      for (const i of batch) {
        const granularity = rng() < 0.5 ? 0 : 1;
        const pool = negatives[i]!;
        // No draw for a pool of one, so that runs from before pools existed replay the same random stream.
        const negative = pool.length === 1 ? pool[0]! : pool[Math.floor(rng() * pool.length)]!;
        for (const example of judgeExamples(clips, i, negative, granularity, rng() < 0.5 ? 't2a' : 'a2t', pairing.pairShare)) {
          sequences.push(rerankSequence(ctx.prompts, example.direction, example.text, await ctx.features.of(clips[example.audioOf]!.audio)));
          answers.push(example.yes);
        }
      }
      const yesNo = await yesNoStep(ctx.model, sequences, answers, { yes: ctx.yes, no: ctx.no }, { padId: ctx.padId, microBatch: ctx.microBatch });
      if (!nce) return { loss: yesNo, batch: { yesNoLoss: yesNo } };
      const contrastive = await clipCaptionStep(ctx, clips, batch, rng, nce, draw);
      // The judge's part of the loss on its own (ln 2 ≈ 0.693 is a judge that cannot tell yes from no).
      return { loss: yesNo + contrastive.loss, batch: { ...contrastive.batch, yesNoLoss: yesNo } };
    },
  });
}
