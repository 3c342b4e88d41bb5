// Both directions of retrieval evaluation from embeddings: T2A ranks all clips for each caption, A2T ranks all
// captions for each clip (a hit is the best of the clip's captions), over exact inner-product scores.
import { similarity, type Matrix } from '@aurola/kernels';

import { retrievalMetrics, type RetrievalMetrics } from './metrics.js';

export interface BothDirections {
  t2a: RetrievalMetrics;
  a2t: RetrievalMetrics;
}

/** `clipOfCaption[t]` is the audio row that caption row t describes. */
export function evaluateEmbeddings(audio: Matrix, text: Matrix, clipOfCaption: ArrayLike<number>): BothDirections {
  if (clipOfCaption.length !== text.rows) throw new RangeError(`clipOfCaption has ${clipOfCaption.length} entries for ${text.rows} captions`);
  const captionsOf: number[][] = Array.from({ length: audio.rows }, () => []);
  for (let t = 0; t < text.rows; t++) {
    const clip = clipOfCaption[t]!;
    if (!Number.isInteger(clip) || clip < 0 || clip >= audio.rows) throw new RangeError(`clipOfCaption[${t}] = ${clip} is not a clip row`);
    captionsOf[clip]!.push(t);
  }
  const empty = captionsOf.findIndex((c) => c.length === 0);
  if (empty >= 0) throw new RangeError(`clip ${empty} has no caption`);
  return {
    t2a: retrievalMetrics(similarity(text, audio), text.rows, audio.rows, (q) => [clipOfCaption[q]!]),
    a2t: retrievalMetrics(similarity(audio, text), audio.rows, text.rows, (q) => captionsOf[q]!),
  };
}
