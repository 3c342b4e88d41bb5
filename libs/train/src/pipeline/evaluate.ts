// Evaluation of aurola's model on a split: exact full-gallery ranking in both directions (each clip's long
// description and short caption are its captions; an A2T hit is the better of the two), then bidirectional
// re-ranking of the top K with p(Yes), α per direction chosen on validation and applied unchanged to test.
import { chooseAlpha, evaluateEmbeddings, fuseRerank, JUDGE_ALONE_ALPHA, retrievalMetrics, topK, type BothDirections, type RetrievalMetrics } from '@aurola/retrieval';
import { similarity } from '@aurola/kernels';

import { packBatch, type PromptSequence } from '../batch.js';
import { audioSequence, rerankSequence, textSequence } from '../prompts.js';
import type { CorpusClip } from './corpus.js';
import { embedSequences, hardNegatives, type RerankNegatives, type RunContext } from './stages.js';

interface Embedded {
  clips: readonly CorpusClip[];
  audio: Float32Array;
  text: Float32Array;
  captions: string[];
  clipOfCaption: number[];
}

async function embedSplit(ctx: RunContext, clips: readonly CorpusClip[]): Promise<Embedded> {
  const captions = clips.flatMap((c) => [c.captions[0], c.captions[1]]);
  const clipOfCaption = captions.map((_, t) => t >> 1);
  const audio = await embedSequences(ctx, (await ctx.features.ofAll(clips.map((c) => c.audio))).map((f) => audioSequence(ctx.prompts, f)));
  const text = await embedSequences(ctx, captions.map((t) => textSequence(ctx.prompts, t)));
  return { clips, audio, text, captions, clipOfCaption };
}

export async function evaluateSplit(ctx: RunContext, clips: readonly CorpusClip[]): Promise<BothDirections> {
  const e = await embedSplit(ctx, clips);
  const d = ctx.model.arch.hiddenSize;
  return evaluateEmbeddings({ data: e.audio, rows: clips.length, cols: d }, { data: e.text, rows: e.captions.length, cols: d }, e.clipOfCaption);
}

/** p(Yes) of sequences, in order. */
async function yesProbabilities(ctx: RunContext, sequences: PromptSequence[]): Promise<Float32Array> {
  const out = new Float32Array(sequences.length);
  for (let start = 0; start < sequences.length; start += ctx.microBatch) {
    const members = sequences.slice(start, start + ctx.microBatch);
    const batch = packBatch(members, { padId: ctx.padId, audioTokens: (f) => ctx.model.engine.audioTokens(f), nMels: ctx.model.nMels, selectIds: [ctx.yes, ctx.no] });
    const { logits } = await ctx.model.engine.forward(batch);
    members.forEach((_, r) => (out[start + r] = 1 / (1 + Math.exp(logits[2 * r + 1]! - logits[2 * r]!))));
  }
  return out;
}

interface DirectionData {
  scores: Float32Array;
  queries: number;
  gallery: number;
  top: Int32Array;
  pYes: Float32Array;
  relevant: (q: number) => number[];
}

async function rerankData(ctx: RunContext, judge: RunContext, e: Embedded, k: number): Promise<{ t2a: DirectionData; a2t: DirectionData }> {
  const d = ctx.model.arch.hiddenSize;
  const A = { data: e.audio, rows: e.clips.length, cols: d };
  const T = { data: e.text, rows: e.captions.length, cols: d };
  const nA = e.clips.length;
  const nT = e.captions.length;
  const captionsOf = Array.from({ length: nA }, (_, i) => [2 * i, 2 * i + 1]);
  const t2aScores = similarity(T, A);
  const t2aTop = topK(t2aScores, nT, nA, k);
  const kk = t2aTop.length / nT;
  const t2aSeqs: PromptSequence[] = [];
  for (let q = 0; q < nT; q++) {
    for (let i = 0; i < kk; i++) t2aSeqs.push(rerankSequence(ctx.prompts, 't2a', e.captions[q]!, await ctx.features.of(e.clips[t2aTop[q * kk + i]!]!.audio)));
  }
  const a2tScores = similarity(A, T);
  const a2tTop = topK(a2tScores, nA, nT, k);
  const kt = a2tTop.length / nA;
  const a2tSeqs: PromptSequence[] = [];
  for (let q = 0; q < nA; q++) {
    const features = await ctx.features.of(e.clips[q]!.audio);
    for (let i = 0; i < kt; i++) a2tSeqs.push(rerankSequence(ctx.prompts, 'a2t', e.captions[a2tTop[q * kt + i]!]!, features));
  }
  return {
    t2a: { scores: t2aScores, queries: nT, gallery: nA, top: t2aTop, pYes: await yesProbabilities(judge, t2aSeqs), relevant: (q) => [e.clipOfCaption[q]!] },
    a2t: { scores: a2tScores, queries: nA, gallery: nT, top: a2tTop, pYes: await yesProbabilities(judge, a2tSeqs), relevant: (q) => captionsOf[q]! },
  };
}

const fusedMetrics = (x: DirectionData, alpha: number): RetrievalMetrics =>
  retrievalMetrics(fuseRerank(x.scores, x.queries, x.gallery, x.top, x.pYes, alpha), x.queries, x.gallery, x.relevant);

export interface RerankEvaluation {
  /** α per direction, chosen on validation. */
  alpha: { t2a: number; a2t: number };
  test: { plain: BothDirections; reranked: BothDirections };
  /**
   * Every α of the grid, and JUDGE_ALONE_ALPHA, on validation and on test — to read how strong the judge is and
   * what the best α in hindsight would give. Only `alpha` (chosen on validation) is a result.
   */
  sweep: { alpha: number; validation: BothDirections; test: BothDirections }[];
}

/**
 * Re-ranking of the top `k`: α per direction from `grid` chosen on `validation`, then test with and without it.
 * `ctx` embeds and `judge` says yes or no: the same model, or a judge of its own.
 */
export async function evaluateWithRerank(ctx: RunContext, judge: RunContext, validation: readonly CorpusClip[], test: readonly CorpusClip[], k: number, grid: readonly number[]): Promise<RerankEvaluation> {
  const val = await rerankData(ctx, judge, await embedSplit(ctx, validation), k);
  const alpha = { t2a: chooseAlpha(grid, (a) => fusedMetrics(val.t2a, a)).alpha, a2t: chooseAlpha(grid, (a) => fusedMetrics(val.a2t, a)).alpha };
  const t = await rerankData(ctx, judge, await embedSplit(ctx, test), k);
  const both = (x: { t2a: DirectionData; a2t: DirectionData }, a: number): BothDirections => ({ t2a: fusedMetrics(x.t2a, a), a2t: fusedMetrics(x.a2t, a) });
  const sweepAlphas = [...new Set([...grid, JUDGE_ALONE_ALPHA])].sort((a, b) => a - b);
  return {
    alpha,
    test: {
      plain: both(t, 0),
      reranked: { t2a: fusedMetrics(t.t2a, alpha.t2a), a2t: fusedMetrics(t.a2t, alpha.a2t) },
    },
    sweep: sweepAlphas.map((a) => ({ alpha: a, validation: both(val, a), test: both(t, a) })),
  };
}

/** How often a clip's own pair beats the pair with its hard negative: by p(Yes), and by the embeddings' similarity. */
export interface PairAccuracy {
  judge: number;
  embeddings: number;
}

/** Pair accuracy per direction, asked with each clip's short captions and with its long descriptions. */
export type JudgePairs = Record<'short' | 'long', { t2a: PairAccuracy; a2t: PairAccuracy }>;

/**
 * The re-ranker's training task on `clips`: each clip's hard negative is mined among them under `rule` (by audio
 * against short captions, as the stage mines), then, one query and two candidates, t2a: the clip's caption with its
 * own audio and with the negative's; a2t: the audio with its own caption and with the negative's caption of the same
 * granularity — once with the short captions, once with the long descriptions. On the training clips against
 * held-out ones it tells a judge that memorised its clips from one that learnt the task; beside the embeddings'
 * accuracy on the same pairs, whether the judge can add anything to them; and short against long, whether it reads
 * the kind of text instead of the match. `ctx` embeds (and mines), `judge` says yes or no.
 */
export async function judgePairAccuracy(ctx: RunContext, judge: RunContext, clips: readonly CorpusClip[], rule: RerankNegatives): Promise<JudgePairs> {
  const d = ctx.model.arch.hiddenSize;
  const n = clips.length;
  const e = await embedSplit(ctx, clips);
  // scores[i·2n + 2j + g]: clip i's audio against clip j's caption of granularity g (0 long, 1 short).
  const scores = similarity({ data: e.audio, rows: n, cols: d }, { data: e.text, rows: 2 * n, cols: d });
  const score = (audioOf: number, textOf: number, g: 0 | 1) => scores[audioOf * 2 * n + 2 * textOf + g]!;
  const shortScores = Float32Array.from({ length: n * n }, (_, k) => score(Math.floor(k / n), k % n, 1));
  const negative = hardNegatives(clips, shortScores, rule).map(([hardest]) => hardest!);
  const measure = async (g: 0 | 1) => {
    const sequences: PromptSequence[] = [];
    for (let i = 0; i < n; i++) {
      const [own, other] = [await ctx.features.of(clips[i]!.audio), await ctx.features.of(clips[negative[i]!]!.audio)];
      const caption = clips[i]!.captions[g];
      sequences.push(
        rerankSequence(ctx.prompts, 't2a', caption, own),
        rerankSequence(ctx.prompts, 't2a', caption, other),
        rerankSequence(ctx.prompts, 'a2t', caption, own),
        rerankSequence(ctx.prompts, 'a2t', clips[negative[i]!]!.captions[g], own),
      );
    }
    const pYes = await yesProbabilities(judge, sequences);
    const wins = { t2a: { judge: 0, embeddings: 0 }, a2t: { judge: 0, embeddings: 0 } };
    for (let i = 0; i < n; i++) {
      const j = negative[i]!;
      wins.t2a.judge += Number(pYes[4 * i]! > pYes[4 * i + 1]!);
      wins.a2t.judge += Number(pYes[4 * i + 2]! > pYes[4 * i + 3]!);
      wins.t2a.embeddings += Number(score(i, i, g) > score(j, i, g));
      wins.a2t.embeddings += Number(score(i, i, g) > score(i, j, g));
    }
    const share = (w: PairAccuracy): PairAccuracy => ({ judge: w.judge / n, embeddings: w.embeddings / n });
    return { t2a: share(wins.t2a), a2t: share(wins.a2t) };
  };
  return { short: await measure(1), long: await measure(0) };
}
