// A plain float64 forward pass of the three graphs aurola's ONNX writer emits (embed_tokens, decoder, audio
// encoder), one small function per layer in the manner of llm.c. It is the oracle the written models (and later
// the C++ training engine) are checked against, so it favours obviousness over speed: loops, no tricks.
// Activations are [rows, features] row-major Float64Arrays; weights are the float32 arrays of DecoderWeights.

import type { DecoderArchitecture } from './config.js';
import type { DecoderLayerWeights, DecoderWeights } from './weights.js';

/** A float64 tensor: row-major data and its shape. */
export interface Tensor64 {
  data: Float64Array;
  shape: number[];
}

/** The decoder graph's inputs, flattened row-major. */
export interface DecoderInputs {
  batch: number;
  sequence: number;
  /** [batch, sequence, hidden] */
  inputsEmbeds: ArrayLike<number>;
  /** [batch, sequence]; nonzero = real token, 0 = padding */
  attentionMask: ArrayLike<number | bigint>;
  /** [batch, sequence] */
  positionIds: ArrayLike<number | bigint>;
}

/** Added to forbidden attention scores: large but finite, so a row with no allowed key stays finite. */
export const MASKED_SCORE = -1e9;

// ---- the three graphs ----

/** embed_tokens: input_ids [batch, sequence] → inputs_embeds [batch, sequence, hidden]. */
export function referenceEmbed(
  arch: DecoderArchitecture,
  weights: DecoderWeights,
  inputIds: ArrayLike<number | bigint>,
  batch: number,
  sequence: number,
): Tensor64 {
  const h = arch.hiddenSize;
  const out = new Float64Array(batch * sequence * h);
  for (let r = 0; r < batch * sequence; r++) {
    const id = Number(inputIds[r]);
    if (!Number.isInteger(id) || id < 0 || id >= arch.vocabSize) throw new RangeError(`token id ${id} outside [0, ${arch.vocabSize})`);
    for (let i = 0; i < h; i++) out[r * h + i] = weights.embed[id * h + i]!;
  }
  return { data: out, shape: [batch, sequence, h] };
}

/** decoder: → last_hidden_state [batch, sequence, hidden] (after the final norm) and logits [batch, sequence, vocab]. */
export function referenceDecoder(
  arch: DecoderArchitecture,
  weights: DecoderWeights,
  inputs: DecoderInputs,
): { lastHiddenState: Tensor64; logits: Tensor64 } {
  const { batch, sequence: n } = inputs;
  const h = arch.hiddenSize;
  const v = arch.vocabSize;
  const hidden = new Float64Array(batch * n * h);
  const logits = new Float64Array(batch * n * v);
  for (let b = 0; b < batch; b++) {
    const x = Float64Array.from({ length: n * h }, (_, i) => inputs.inputsEmbeds[b * n * h + i]!);
    const keyMask = Array.from({ length: n }, (_, j) => Number(inputs.attentionMask[b * n + j]) !== 0);
    const positions = Array.from({ length: n }, (_, j) => Number(inputs.positionIds[b * n + j]));
    for (const layer of weights.layers) decoderBlock(arch, layer, x, n, keyMask, positions);
    const last = rmsnorm(x, n, h, weights.finalNorm, arch.rmsNormEps);
    hidden.set(last, b * n * h);
    logits.set(tiedHead(last, n, h, weights.embed, v), b * n * v);
  }
  return { lastHiddenState: { data: hidden, shape: [batch, n, h] }, logits: { data: logits, shape: [batch, n, v] } };
}

/** audio encoder: input_features [batch, frames, nMels] → audio_embeds [batch, tokens, hidden]. */
export function referenceAudioEncoder(
  arch: DecoderArchitecture,
  weights: DecoderWeights,
  inputFeatures: ArrayLike<number>,
  batch: number,
  frames: number,
): Tensor64 {
  const perClip: Float64Array[] = [];
  let tokens = 0;
  for (let b = 0; b < batch; b++) {
    let channels = weights.nMels;
    let t = frames;
    let x: Float64Array = Float64Array.from({ length: t * channels }, (_, i) => inputFeatures[b * frames * channels + i]!);
    arch.audioConvs.forEach((c, l) => {
      const conv = weights.audio.convs[l]!;
      const y = conv1d(x, t, channels, conv.weight, conv.bias, c.channels, c.kernel, c.stride);
      x = gelu(y.data);
      t = y.frames;
      channels = c.channels;
    });
    perClip.push(linear(x, t, channels, weights.audio.proj, arch.hiddenSize, weights.audio.projBias));
    tokens = t;
  }
  const out = new Float64Array(batch * tokens * arch.hiddenSize);
  perClip.forEach((clip, b) => out.set(clip, b * clip.length));
  return { data: out, shape: [batch, tokens, arch.hiddenSize] };
}

// ---- blocks ----

/** One pre-norm block, in place: x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x)). */
function decoderBlock(
  arch: DecoderArchitecture,
  w: DecoderLayerWeights,
  x: Float64Array,
  rows: number,
  keyMask: readonly boolean[],
  positions: readonly number[],
): void {
  const h = arch.hiddenSize;
  const heads = arch.numHeads;
  const headDim = h / heads;
  const xn = rmsnorm(x, rows, h, w.attnNorm, arch.rmsNormEps);
  const q = linear(xn, rows, h, w.wq, h);
  const k = linear(xn, rows, h, w.wk, h);
  const v = linear(xn, rows, h, w.wv, h);
  rope(q, rows, heads, headDim, positions, arch.ropeTheta);
  rope(k, rows, heads, headDim, positions, arch.ropeTheta);
  addInPlace(x, linear(attention(q, k, v, rows, heads, headDim, keyMask), rows, h, w.wo, h));
  const xm = rmsnorm(x, rows, h, w.mlpNorm, arch.rmsNormEps);
  const gate = linear(xm, rows, h, w.wGate, arch.intermediateSize);
  const up = linear(xm, rows, h, w.wUp, arch.intermediateSize);
  addInPlace(x, linear(swiglu(gate, up), rows, arch.intermediateSize, w.wDown, h));
}

/** logits[r, t] = Σ_i x[r, i] · embed[t, i]: the LM head tied to the embedding. */
function tiedHead(x: Float64Array, rows: number, dim: number, embed: Float32Array, vocab: number): Float64Array {
  const out = new Float64Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < vocab; t++) {
      let sum = 0;
      for (let i = 0; i < dim; i++) sum += x[r * dim + i]! * embed[t * dim + i]!;
      out[r * vocab + t] = sum;
    }
  }
  return out;
}

// ---- layers ----

/** y[r, o] = Σ_i x[r, i] · w[i, o] (+ bias[o]); w is [in, out] row-major. */
export function linear(
  x: Float64Array,
  rows: number,
  inDim: number,
  w: ArrayLike<number>,
  outDim: number,
  bias?: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let sum = bias ? bias[o]! : 0;
      for (let i = 0; i < inDim; i++) sum += x[r * inDim + i]! * w[i * outDim + o]!;
      y[r * outDim + o] = sum;
    }
  }
  return y;
}

/** Per row: x / sqrt(mean(x²) + eps) ⊙ w. */
export function rmsnorm(x: Float64Array, rows: number, dim: number, w: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let sumSq = 0;
    for (let i = 0; i < dim; i++) sumSq += x[r * dim + i]! ** 2;
    const scale = 1 / Math.sqrt(sumSq / dim + eps);
    for (let i = 0; i < dim; i++) y[r * dim + i] = x[r * dim + i]! * scale * w[i]!;
  }
  return y;
}

/**
 * Rotary positions, in place, on [rows, heads · headDim], rotate-half convention (Llama/Qwen): within a head,
 * element i pairs with i + headDim/2 and turns by position · theta^(−2i/headDim). That is
 * x' = x·cos + rotate_half(x)·sin with rotate_half([x1, x2]) = [−x2, x1].
 */
export function rope(x: Float64Array, rows: number, heads: number, headDim: number, positions: readonly number[], theta: number): void {
  const half = headDim / 2;
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads; h++) {
      const base = r * heads * headDim + h * headDim;
      for (let i = 0; i < half; i++) {
        const angle = positions[r]! * theta ** ((-2 * i) / headDim);
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        const x1 = x[base + i]!;
        const x2 = x[base + i + half]!;
        x[base + i] = x1 * cos - x2 * sin;
        x[base + i + half] = x2 * cos + x1 * sin;
      }
    }
  }
}

/**
 * Multi-head attention over [rows, heads · headDim] q, k, v: query i may see key j when j ≤ i and keyMask[j];
 * other scores get MASKED_SCORE added (as the graph does) before the softmax.
 */
export function attention(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  rows: number,
  heads: number,
  headDim: number,
  keyMask: readonly boolean[],
): Float64Array {
  const width = heads * headDim;
  const out = new Float64Array(rows * width);
  const scale = 1 / Math.sqrt(headDim);
  const scores = new Float64Array(rows);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[i * width + h * headDim + d]! * k[j * width + h * headDim + d]!;
        scores[j] = dot * scale + (j <= i && keyMask[j] ? 0 : MASKED_SCORE);
      }
      softmaxInPlace(scores);
      for (let j = 0; j < rows; j++) {
        for (let d = 0; d < headDim; d++) out[i * width + h * headDim + d]! += scores[j]! * v[j * width + h * headDim + d]!;
      }
    }
  }
  return out;
}

/** exp(x − max) / Σ exp(x − max). */
export function softmaxInPlace(x: Float64Array): void {
  let max = -Infinity;
  for (const value of x) max = Math.max(max, value);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] = Math.exp(x[i]! - max);
  for (let i = 0; i < x.length; i++) x[i]! /= sum;
}

/** silu(gate) ⊙ up, with silu(g) = g · sigmoid(g). */
export function swiglu(gate: Float64Array, up: Float64Array): Float64Array {
  return gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
}

/**
 * 1-D convolution over time of x [frames, inChannels] with weight [out, in, kernel] and bias [out]; zero padding
 * floor(kernel/2) at both ends. Returns [outFrames, outChannels], outFrames = floor((frames + 2·pad − kernel)/stride) + 1.
 */
export function conv1d(
  x: Float64Array,
  frames: number,
  inChannels: number,
  weight: ArrayLike<number>,
  bias: ArrayLike<number>,
  outChannels: number,
  kernel: number,
  stride: number,
): { data: Float64Array; frames: number } {
  const pad = Math.floor(kernel / 2);
  const outFrames = Math.floor((frames + 2 * pad - kernel) / stride) + 1;
  const y = new Float64Array(outFrames * outChannels);
  for (let t = 0; t < outFrames; t++) {
    for (let o = 0; o < outChannels; o++) {
      let sum = bias[o]!;
      for (let kk = 0; kk < kernel; kk++) {
        const src = t * stride + kk - pad;
        if (src < 0 || src >= frames) continue; // zero padding
        for (let c = 0; c < inChannels; c++) sum += weight[(o * inChannels + c) * kernel + kk]! * x[src * inChannels + c]!;
      }
      y[t * outChannels + o] = sum;
    }
  }
  return { data: y, frames: outFrames };
}

/** Exact GELU: 0.5 · x · (1 + erf(x / √2)). */
export function gelu(x: Float64Array): Float64Array {
  return x.map((value) => 0.5 * value * (1 + erf(value / Math.SQRT2)));
}

/**
 * The error function, by its everywhere-convergent series of positive terms (no cancellation):
 * erf(x) = 2/√π · e^(−x²) · Σₙ x · (2x²)ⁿ / (1·3·…·(2n+1)). |erf(x)| rounds to 1 in float64 once |x| ≥ 6.
 */
export function erf(x: number): number {
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

function addInPlace(x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i]! += y[i]!;
}
