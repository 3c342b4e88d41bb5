// The embed_tokens and decoder graphs of the model-directory contract (config.ts), written from DecoderWeights.
// The decoder is a pre-norm Llama/Qwen-style transformer: RMSNorm, multi-head attention with rotary positions,
// SwiGLU MLP, final RMSNorm and an LM head tied to the embedding. Batch and sequence are dynamic.
// reference.ts computes the same thing in float64; keep the two in step.

import type { DecoderArchitecture } from '../config.js';
import { MASKED_SCORE } from '../reference.js';
import { checkDecoderWeights, type DecoderLayerWeights, type DecoderWeights } from '../weights.js';
import { GraphBuilder } from './graph.js';

const B = 'batch';
const L = 'sequence';

/** embed_tokens.onnx: input_ids int64 [batch, sequence] → inputs_embeds float32 [batch, sequence, hidden]. */
export function writeEmbedTokensOnnx(arch: DecoderArchitecture, weights: DecoderWeights): Uint8Array {
  checkDecoderWeights(arch, weights);
  const g = new GraphBuilder('aurola_embed_tokens');
  const ids = g.input('input_ids', 'int64', [B, L]);
  const table = g.initializer('embed_tokens.weight', weights.embed, [arch.vocabSize, arch.hiddenSize]);
  g.output(g.gather(table, ids, 0), 'inputs_embeds', 'float', [B, L, arch.hiddenSize]);
  return g.toBytes();
}

/**
 * decoder.onnx: inputs_embeds float32 [batch, sequence, hidden], attention_mask int64 [batch, sequence]
 * (1 real, 0 padding), position_ids int64 [batch, sequence] → last_hidden_state float32 [batch, sequence, hidden]
 * and logits float32 [batch, sequence, vocab].
 */
export function writeDecoderOnnx(arch: DecoderArchitecture, weights: DecoderWeights): Uint8Array {
  checkDecoderWeights(arch, weights);
  const h = arch.hiddenSize;
  const g = new GraphBuilder('aurola_decoder');
  let x = g.input('inputs_embeds', 'float', [B, L, h]);
  const mask = g.input('attention_mask', 'int64', [B, L]);
  const positions = g.input('position_ids', 'int64', [B, L]);

  const bias = attentionBias(g, mask);
  const rotary = rotaryTables(g, arch, positions);
  weights.layers.forEach((layer, i) => {
    x = decoderBlock(g, arch, layer, `layers.${i}`, x, bias, rotary);
  });
  const last = rmsNorm(g, arch, x, g.initializer('final_norm.weight', weights.finalNorm, [h]));
  g.output(last, 'last_hidden_state', 'float', [B, L, h]);

  // Tied head: the embedding is stored once; ORT folds the constant Transpose when it loads the model.
  const embed = g.initializer('embed_tokens.weight', weights.embed, [arch.vocabSize, h]);
  g.output(g.matMul(last, g.transpose(embed, [1, 0])), 'logits', 'float', [B, L, arch.vocabSize]);
  return g.toBytes();
}

interface Rotary {
  /** [batch, 1, sequence, headDim], broadcasting over heads. */
  cos: string;
  sin: string;
}

/** x + Attn(RMSNorm(x)), then + MLP(RMSNorm(·)). */
function decoderBlock(
  g: GraphBuilder,
  arch: DecoderArchitecture,
  w: DecoderLayerWeights,
  prefix: string,
  x: string,
  bias: string,
  rotary: Rotary,
): string {
  const h = arch.hiddenSize;
  const i = arch.intermediateSize;
  const weight = (name: keyof DecoderLayerWeights, dims: number[]) => g.initializer(`${prefix}.${name}`, w[name], dims);
  const attnIn = rmsNorm(g, arch, x, weight('attnNorm', [h]));
  const attn = attention(g, arch, attnIn, bias, rotary, {
    wq: weight('wq', [h, h]),
    wk: weight('wk', [h, h]),
    wv: weight('wv', [h, h]),
    wo: weight('wo', [h, h]),
  });
  const mid = g.add(x, attn);
  const mlpIn = rmsNorm(g, arch, mid, weight('mlpNorm', [h]));
  const mlp = swiGlu(g, mlpIn, weight('wGate', [h, i]), weight('wUp', [h, i]), weight('wDown', [i, h]));
  return g.add(mid, mlp);
}

/** x / sqrt(mean(x², last axis) + eps) ⊙ w. */
function rmsNorm(g: GraphBuilder, arch: DecoderArchitecture, x: string, w: string): string {
  const meanSquare = g.reduceMean(g.mul(x, x), [-1]);
  const rms = g.sqrt(g.add(meanSquare, g.constFloat([arch.rmsNormEps], [])));
  return g.mul(g.div(x, rms), w);
}

/** (silu(x·Wgate) ⊙ x·Wup)·Wdown. */
function swiGlu(g: GraphBuilder, x: string, wGate: string, wUp: string, wDown: string): string {
  const gate = g.matMul(x, wGate);
  const silu = g.mul(gate, g.sigmoid(gate));
  return g.matMul(g.mul(silu, g.matMul(x, wUp)), wDown);
}

/** Multi-head self-attention with rotary q and k and an additive mask bias [batch, 1, sequence, sequence]. */
function attention(
  g: GraphBuilder,
  arch: DecoderArchitecture,
  x: string,
  bias: string,
  rotary: Rotary,
  w: { wq: string; wk: string; wv: string; wo: string },
): string {
  const heads = arch.numHeads;
  const headDim = arch.hiddenSize / heads;
  const q = applyRotary(g, splitHeads(g, g.matMul(x, w.wq), heads, headDim), rotary, headDim);
  const k = applyRotary(g, splitHeads(g, g.matMul(x, w.wk), heads, headDim), rotary, headDim);
  const v = splitHeads(g, g.matMul(x, w.wv), heads, headDim);
  const scores = g.mul(g.matMul(q, g.transpose(k, [0, 1, 3, 2])), g.constFloat([1 / Math.sqrt(headDim)], []));
  const probs = g.softmax(g.add(scores, bias), -1);
  return g.matMul(mergeHeads(g, g.matMul(probs, v), arch.hiddenSize), w.wo);
}

/** [batch, sequence, heads·headDim] → [batch, heads, sequence, headDim]. */
function splitHeads(g: GraphBuilder, x: string, heads: number, headDim: number): string {
  return g.transpose(g.reshape(x, [0, 0, heads, headDim]), [0, 2, 1, 3]);
}

/** [batch, heads, sequence, headDim] → [batch, sequence, heads·headDim]. */
function mergeHeads(g: GraphBuilder, x: string, hidden: number): string {
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [0, 0, hidden]);
}

/** x·cos + rotate_half(x)·sin, rotate_half([x1, x2]) = [−x2, x1] over the last axis. */
function applyRotary(g: GraphBuilder, x: string, rotary: Rotary, headDim: number): string {
  const half = headDim / 2;
  const x1 = g.slice(x, [0], [half], [-1]);
  const x2 = g.slice(x, [half], [headDim], [-1]);
  const rotated = g.concat([g.neg(x2), x1], -1);
  return g.add(g.mul(x, rotary.cos), g.mul(rotated, rotary.sin));
}

/** cos/sin tables [maxPositions, headDim] (computed in float64, stored float32), gathered by position_ids. */
function rotaryTables(g: GraphBuilder, arch: DecoderArchitecture, positions: string): Rotary {
  const headDim = arch.hiddenSize / arch.numHeads;
  const half = headDim / 2;
  const cos = new Float32Array(arch.maxPositions * headDim);
  const sin = new Float32Array(arch.maxPositions * headDim);
  for (let p = 0; p < arch.maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * arch.ropeTheta ** ((-2 * i) / headDim);
      // Duplicated halves: element i and i + half turn by the same angle.
      cos[p * headDim + i] = cos[p * headDim + i + half] = Math.cos(angle);
      sin[p * headDim + i] = sin[p * headDim + i + half] = Math.sin(angle);
    }
  }
  const table = (name: string, data: Float32Array) =>
    g.unsqueeze(g.gather(g.initializer(name, data, [arch.maxPositions, headDim]), positions, 0), [1]);
  return { cos: table('rope.cos', cos), sin: table('rope.sin', sin) };
}

/**
 * [batch, 1, sequence, sequence]: 0 where query i may see key j (j ≤ i and attention_mask[b, j] ≠ 0), else
 * MASKED_SCORE. Finite rather than −inf so that a query row with no visible key gives finite (unused) outputs.
 */
function attentionBias(g: GraphBuilder, mask: string): string {
  const length = g.gather(g.shape(mask), g.constInt64([1], []), 0);
  const index = g.range(g.constInt64([0], []), length, g.constInt64([1], []));
  const future = g.less(g.unsqueeze(index, [1]), g.unsqueeze(index, [0])); // [L, L]: query i < key j
  const padding = g.unsqueeze(g.equal(mask, g.constInt64([0], [])), [1, 2]); // [B, 1, 1, L]
  return g.where(g.or(future, padding), g.constFloat([MASKED_SCORE], []), g.constFloat([0], []));
}
