// Training sequences from AuroLA's prompts (libs/text's PromptEncoder) and log-mel features (libs/audio): the
// same ids the ONNX runner builds at inference, with the position to read and the clip to splice in.
import type { LogMelFeatures } from '@aurola/audio';
import type { PromptEncoder } from '@aurola/text';

import type { PromptSequence } from './batch.js';

/** The audio-embedding prompt for one clip; read just before <emb>. */
export function audioSequence(prompts: PromptEncoder, features: LogMelFeatures): PromptSequence {
  const p = prompts.audioEmbedding();
  return { ids: p.ids, readAt: p.embPosition!, audio: { at: p.audioPosition!, features: features.data, frames: features.frames } };
}

/** The text-embedding prompt for a caption (truncated to the model's limit); read just before <emb>. */
export function textSequence(prompts: PromptEncoder, text: string): PromptSequence {
  const p = prompts.textEmbedding(text);
  return { ids: p.ids, readAt: p.embPosition! };
}

/** The re-rank prompt of a (caption, clip) pair in one direction; read at the answer position (the last). */
export function rerankSequence(prompts: PromptEncoder, direction: 't2a' | 'a2t', text: string, features: LogMelFeatures): PromptSequence {
  const p = prompts.rerank(direction, text);
  return {
    ids: p.ids,
    readAt: p.ids.length - 1,
    audio: { at: p.audioPosition!, features: features.data, frames: features.frames },
  };
}
