// Packing prompts into the engine's batch layout (native/include/aurola_engine.h, ak_batch): right-padded ids,
// a mask, rotary positions, the position read out per sequence, and audio clips whose tokens replace an audio
// placeholder. The placeholder (one id in the prompt) is expanded here to as many positions as the audio encoder
// makes tokens, exactly as the ONNX runner expands it, so that training and inference see the same sequences.

import type { EngineBatchInput } from '@aurola/kernels';

/** One prompt: ids with at most one audio placeholder, and the position to read out. */
export interface PromptSequence {
  ids: readonly number[];
  /** Read here: the position before `<emb>` (embedding) or the answer position (yes/no logits). */
  readAt: number;
  /** The clip whose tokens replace the placeholder at `at`: log-mel frames × nMels, frame-major. */
  audio?: { at: number; features: Float32Array; frames: number };
}

/** The engine's batch with every array present (empty when a batch has no audio or no selected ids). */
export type EngineBatch = Required<EngineBatchInput>;

export interface PackOptions {
  padId: number;
  /** Tokens the audio encoder makes from a clip of `frames` frames. */
  audioTokens: (frames: number) => number;
  nMels: number;
  /** Vocabulary ids whose logits are returned at readAt (e.g. Yes and No). */
  selectIds?: readonly number[];
}

/** Packs sequences (in order) into one right-padded batch. */
export function packBatch(sequences: readonly PromptSequence[], opts: PackOptions): EngineBatch {
  if (sequences.length === 0) throw new RangeError('packBatch needs at least one sequence');
  const expanded = sequences.map((s, i) => {
    if (!Number.isInteger(s.readAt) || s.readAt < 0 || s.readAt >= s.ids.length) {
      throw new RangeError(`sequences[${i}].readAt ${s.readAt} is outside its ${s.ids.length} ids`);
    }
    if (!s.audio) return { ids: s.ids, readAt: s.readAt, tokens: 0 };
    const { at, features, frames } = s.audio;
    if (!Number.isInteger(at) || at < 0 || at >= s.ids.length) throw new RangeError(`sequences[${i}].audio.at ${at} is outside its ids`);
    if (features.length !== frames * opts.nMels) {
      throw new RangeError(`sequences[${i}].audio.features has ${features.length} values, expected ${frames} × ${opts.nMels}`);
    }
    const tokens = opts.audioTokens(frames);
    const ids = [...s.ids.slice(0, at), ...new Array<number>(tokens).fill(s.ids[at]!), ...s.ids.slice(at + 1)];
    return { ids, readAt: s.readAt > at ? s.readAt + tokens - 1 : s.readAt, tokens };
  });
  const batch = sequences.length;
  const length = Math.max(...expanded.map((e) => e.ids.length));
  const ids = new Int32Array(batch * length).fill(opts.padId);
  const mask = new Uint8Array(batch * length);
  const positions = new Int32Array(batch * length);
  const readAt = new Int32Array(batch);
  expanded.forEach((e, b) => {
    ids.set(e.ids, b * length);
    for (let t = 0; t < e.ids.length; t++) {
      mask[b * length + t] = 1;
      positions[b * length + t] = t;
    }
    readAt[b] = e.readAt;
  });
  const withAudio = sequences.map((s, b) => ({ s, b })).filter(({ s }) => s.audio);
  const audioFeatures = new Float32Array(withAudio.reduce((n, { s }) => n + s.audio!.features.length, 0));
  let offset = 0;
  for (const { s } of withAudio) {
    audioFeatures.set(s.audio!.features, offset);
    offset += s.audio!.features.length;
  }
  return {
    batch,
    length,
    ids,
    mask,
    positions,
    readAt,
    audioSeq: Int32Array.from(withAudio, ({ b }) => b),
    audioAt: Int32Array.from(withAudio, ({ s }) => s.audio!.at),
    audioFrames: Int32Array.from(withAudio, ({ s }) => s.audio!.frames),
    audioFeatures,
    selectIds: Int32Array.from(opts.selectIds ?? []),
  };
}

/** Rows scaled to unit length; `norms` keeps each row's length for the backward. */
export function l2Normalize(x: Float32Array, rows: number, cols: number): { y: Float32Array; norms: Float32Array } {
  const y = new Float32Array(x.length);
  const norms = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += x[r * cols + c]! ** 2;
    const n = Math.max(Math.sqrt(ss), 1e-12);
    norms[r] = n;
    for (let c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c]! / n;
  }
  return { y, norms };
}

/** Gradient through l2Normalize: dx = (dy − y·(y·dy)) / ‖x‖. */
export function l2NormalizeBackward(dy: Float32Array, y: Float32Array, norms: Float32Array, rows: number, cols: number): Float32Array {
  const dx = new Float32Array(dy.length);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += y[r * cols + c]! * dy[r * cols + c]!;
    for (let c = 0; c < cols; c++) dx[r * cols + c] = (dy[r * cols + c]! - y[r * cols + c]! * dot) / norms[r]!;
  }
  return dx;
}
