// One training step's forward and backward for each objective, accumulating gradients in the engine:
// - contrastive: Hybrid-NCE (DESIGN.md §2) between audio-prompt and text-prompt embeddings (the L2-normalised
//   hidden state before <emb>). When the 2B sequences do not fit one micro-batch, gradient caching makes the loss
//   exact anyway: embed every micro-batch without keeping activations, compute the loss and its gradient for the
//   whole batch, then run each micro-batch again and back-propagate its rows of that gradient.
// - yes/no: cross-entropy of the Yes/No logits at the answer position (the re-ranker's LM loss on the answer).
import { hybridNce, type HybridNceOptions } from '@aurola/kernels';

import { l2Normalize, l2NormalizeBackward, packBatch, type PromptSequence } from './batch.js';
import type { TrainableModel } from './model.js';

export interface StepOptions {
  padId: number;
  /** Most sequences in one engine call. Default 64. */
  microBatch?: number;
}

export type ContrastiveOptions = StepOptions & Omit<HybridNceOptions, 'grad' | 'device' | 'threads'>;

/** Micro-batches of sequence indices, sorted by length so that each one pads little. */
function microBatches(sequences: readonly PromptSequence[], size: number): number[][] {
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.ids.length - sequences[b]!.ids.length);
  const chunks: number[][] = [];
  for (let i = 0; i < order.length; i += size) chunks.push(order.slice(i, i + size));
  return chunks;
}

async function forwardRows(model: TrainableModel, sequences: readonly PromptSequence[], members: number[], padId: number, selectIds?: number[]) {
  const batch = packBatch(
    members.map((i) => sequences[i]!),
    {
      padId,
      audioTokens: (f) => model.engine.audioTokens(f),
      nMels: model.nMels,
      ...(selectIds ? { selectIds } : {}),
    },
  );
  return model.engine.forward(batch);
}

/** Hybrid-NCE over pairs (audio[i], text[i]); accumulates gradients; returns the loss. */
export async function contrastiveStep(
  model: TrainableModel,
  audio: readonly PromptSequence[],
  text: readonly PromptSequence[],
  opts: ContrastiveOptions,
): Promise<number> {
  if (audio.length !== text.length || audio.length === 0) {
    throw new RangeError(`contrastiveStep needs as many texts as clips (got ${audio.length} and ${text.length})`);
  }
  const B = audio.length;
  const d = model.arch.hiddenSize;
  const sequences = [...audio, ...text];
  const chunks = microBatches(sequences, opts.microBatch ?? 64);
  const single = chunks.length === 1;
  const hidden = new Float32Array(2 * B * d);
  for (const members of chunks) {
    const out = await forwardRows(model, sequences, members, opts.padId);
    members.forEach((i, r) => hidden.set(out.hidden.subarray(r * d, (r + 1) * d), i * d));
  }
  const { y, norms } = l2Normalize(hidden, 2 * B, d);
  const { padId: _pad, microBatch: _micro, ...nce } = opts;
  const result = hybridNce(
    { data: y.subarray(0, B * d), rows: B, cols: d },
    { data: y.subarray(B * d), rows: B, cols: d },
    nce,
  );
  const dy = new Float32Array(2 * B * d);
  dy.set(result.dAudio!, 0);
  dy.set(result.dText!, B * d);
  const dHidden = l2NormalizeBackward(dy, y, norms, 2 * B, d);
  for (const members of chunks) {
    // With one micro-batch the engine still holds its activations; otherwise run it again first.
    if (!single) await forwardRows(model, sequences, members, opts.padId);
    const rows = new Float32Array(members.length * d);
    members.forEach((i, r) => rows.set(dHidden.subarray(i * d, (i + 1) * d), r * d));
    await model.engine.backward(rows, null);
  }
  return result.loss;
}

/**
 * Yes/no cross-entropy at each sequence's read position (its answer position): `answers[i]` true = "Yes".
 * Accumulates the gradient of the mean loss; returns the loss.
 */
export async function yesNoStep(
  model: TrainableModel,
  sequences: readonly PromptSequence[],
  answers: readonly boolean[],
  tokens: { yes: number; no: number },
  opts: StepOptions,
): Promise<number> {
  if (sequences.length !== answers.length || sequences.length === 0) {
    throw new RangeError(`yesNoStep needs one answer per sequence (got ${sequences.length} and ${answers.length})`);
  }
  const N = sequences.length;
  let loss = 0;
  for (const members of microBatches(sequences, opts.microBatch ?? 64)) {
    const { logits } = await forwardRows(model, sequences, members, opts.padId, [tokens.yes, tokens.no]);
    const dLogits = new Float32Array(members.length * 2);
    members.forEach((i, r) => {
      const [yes, no] = [logits[2 * r]!, logits[2 * r + 1]!];
      const pYes = 1 / (1 + Math.exp(no - yes));
      const target = answers[i] ? 1 : 0;
      loss -= Math.log(Math.max(target ? pYes : 1 - pYes, 1e-30)) / N;
      dLogits[2 * r] = (pYes - target) / N;
      dLogits[2 * r + 1] = -(pYes - target) / N;
    });
    await model.engine.backward(null, dLogits);
  }
  return loss;
}
