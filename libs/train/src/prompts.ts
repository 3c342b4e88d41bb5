// Training sequences from AuroLA's prompts (libs/text's PromptEncoder) and log-mel features (libs/audio): the
// same ids the ONNX runner builds at inference, with the position to read and the clip to splice in.
import type { LogMelFeatures } from '@aurola/audio';
import type { PromptEncoder } from '@aurola/text';

import type { PromptSequence } from './batch.js';

// The embedding prompts end at the read position: the decoder is causal, so the <emb> token and the end of the
// turn after it cannot change the hidden state read (nor its gradient), and running them would be wasted work.

/** The audio-embedding prompt for one clip, up to its read position just before <emb>. */
export function audioSequence(prompts: PromptEncoder, features: LogMelFeatures): PromptSequence {
  const p = prompts.audioEmbedding();
  const readAt = p.embPosition!;
  return { ids: p.ids.slice(0, readAt + 1), readAt, audio: { at: p.audioPosition!, features: features.data, frames: features.frames } };
}

/** The text-embedding prompt for a caption (truncated to the model's limit), up to its read position before <emb>. */
export function textSequence(prompts: PromptEncoder, text: string): PromptSequence {
  const p = prompts.textEmbedding(text);
  const readAt = p.embPosition!;
  return { ids: p.ids.slice(0, readAt + 1), readAt };
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
