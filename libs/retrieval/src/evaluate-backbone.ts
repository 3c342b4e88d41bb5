// Evaluation of any model directory's backbone on a captioned test set (ours, AudioCaps, Clotho, Auto-ACD): every
// clip and caption embedded, exact full-gallery ranking in both directions, then — when asked — the top K of every
// query re-ranked with p(Yes) with a fixed α per direction (from the model directory: chosen on validation by the
// training app, never on the set being evaluated).
import type { Backbone, RerankDirection, ScorePair } from '@aurola/backbone';
import { similarity } from '@aurola/kernels';

import { evaluateEmbeddings, type BothDirections } from './evaluate.js';
import { retrievalMetrics } from './metrics.js';
import { fuseRerank, JUDGE_ALONE_ALPHA, topK } from './rerank.js';

export interface EvalClip {
  /** 16 kHz mono PCM. */
  audio: Float32Array;
  /** At least one. */
  captions: readonly string[];
}

export interface BackboneEvalOptions {
  /** Re-rank the top `rerankK` of every query (0: none, the default). */
  rerankK?: number;
  alpha?: { t2a: number; a2t: number };
  /** Clips per embedding call (bounds memory); pairs per judging call are 8× as many. Default 32. */
  batch?: number;
  /** Clips and captions embedded so far, of all of them. */
  onProgress?: (done: number, total: number) => void;
  /** Pairs judged so far (re-ranking: K per query, both directions), of all of them. */
  onJudgeProgress?: (done: number, total: number) => void;
}

export interface BackboneEvaluation {
  clips: number;
  captions: number;
  plain: BothDirections;
  /** With α per direction; `judgeAlone`: the same top K ordered by p(Yes) alone (JUDGE_ALONE_ALPHA). */
  reranked?: BothDirections & { alpha: { t2a: number; a2t: number }; k: number; judgeAlone: BothDirections };
}

export async function evaluateBackbone(backbone: Backbone, clips: readonly EvalClip[], opts: BackboneEvalOptions = {}): Promise<BackboneEvaluation> {
  if (clips.length < 2) throw new RangeError(`evaluation needs at least 2 clips, got ${clips.length}`);
  const empty = clips.findIndex((c) => c.captions.length === 0);
  if (empty >= 0) throw new RangeError(`clip ${empty} has no caption`);
  const batch = opts.batch ?? 32;
  const d = backbone.dim;
  const captions = clips.flatMap((c) => c.captions);
  const clipOfCaption = clips.flatMap((c, i) => c.captions.map(() => i));
  const audio = new Float32Array(clips.length * d);
  const text = new Float32Array(captions.length * d);
  const total = clips.length + captions.length;
  for (let s = 0; s < clips.length; s += batch) {
    const e = await backbone.embedAudio(clips.slice(s, s + batch).map((c) => c.audio));
    audio.set(e.data as Float32Array, s * d);
    opts.onProgress?.(Math.min(s + batch, clips.length), total);
  }
  for (let s = 0; s < captions.length; s += batch) {
    const e = await backbone.embedText(captions.slice(s, s + batch));
    text.set(e.data as Float32Array, s * d);
    opts.onProgress?.(clips.length + Math.min(s + batch, captions.length), total);
  }
  const A = { data: audio, rows: clips.length, cols: d };
  const T = { data: text, rows: captions.length, cols: d };
  const result: BackboneEvaluation = { clips: clips.length, captions: captions.length, plain: evaluateEmbeddings(A, T, clipOfCaption) };
  const k = opts.rerankK ?? 0;
  if (k > 0) {
    const alpha = opts.alpha ?? { t2a: 1, a2t: 1 };
    const captionsOf: number[][] = clips.map(() => []);
    clipOfCaption.forEach((c, t) => captionsOf[c]!.push(t));
    // T2A: each caption against its top K clips; A2T: each clip against its top K captions.
    const t2aScores = similarity(T, A);
    const t2aTop = topK(t2aScores, T.rows, A.rows, k);
    const kA = t2aTop.length / T.rows;
    const a2tScores = similarity(A, T);
    const a2tTop = topK(a2tScores, A.rows, T.rows, k);
    const kT = a2tTop.length / A.rows;
    // Judged in chunks, so that a long evaluation reports progress (p(Yes) does not depend on the batching).
    const pairsTotal = t2aTop.length + a2tTop.length;
    let judged = 0;
    const judge = async (pairs: ScorePair[], direction: RerankDirection): Promise<Float32Array> => {
      const out = new Float32Array(pairs.length);
      for (let s = 0; s < pairs.length; s += 8 * batch) {
        out.set(await backbone.scorePairs(pairs.slice(s, s + 8 * batch), direction), s);
        judged += Math.min(8 * batch, pairs.length - s);
        opts.onJudgeProgress?.(judged, pairsTotal);
      }
      return out;
    };
    const t2aYes = await judge(Array.from(t2aTop, (clip, i) => ({ text: captions[Math.floor(i / kA)]!, audio: clips[clip]!.audio })), 't2a');
    const a2tYes = await judge(Array.from(a2tTop, (caption, i) => ({ text: captions[caption]!, audio: clips[Math.floor(i / kT)]!.audio })), 'a2t');
    const t2a = (a: number) => retrievalMetrics(fuseRerank(t2aScores, T.rows, A.rows, t2aTop, t2aYes, a), T.rows, A.rows, (q) => [clipOfCaption[q]!]);
    const a2t = (a: number) => retrievalMetrics(fuseRerank(a2tScores, A.rows, T.rows, a2tTop, a2tYes, a), A.rows, T.rows, (q) => captionsOf[q]!);
    result.reranked = { alpha, k, t2a: t2a(alpha.t2a), a2t: a2t(alpha.a2t), judgeAlone: { t2a: t2a(JUDGE_ALONE_ALPHA), a2t: a2t(JUDGE_ALONE_ALPHA) } };
  }
  return result;
}
