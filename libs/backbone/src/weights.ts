// The parameters of aurola's decoder and audio encoder as plain float32 arrays, the layout the ONNX writer, the
// float64 reference and the training engine share. Matrices are stored [in, out] row-major, so y = x · W.

import { makeRng } from '@aurola/args';

import type { DecoderArchitecture } from './config.js';

export interface DecoderLayerWeights {
  attnNorm: Float32Array; // [hidden]
  wq: Float32Array; // [hidden, hidden]
  wk: Float32Array; // [hidden, hidden]
  wv: Float32Array; // [hidden, hidden]
  wo: Float32Array; // [hidden, hidden]
  mlpNorm: Float32Array; // [hidden]
  wGate: Float32Array; // [hidden, intermediate]
  wUp: Float32Array; // [hidden, intermediate]
  wDown: Float32Array; // [intermediate, hidden]
}

export interface AudioConvWeights {
  weight: Float32Array; // [out, in, kernel] (ONNX Conv and PyTorch Conv1d order)
  bias: Float32Array; // [out]
}

export interface AudioEncoderWeights {
  convs: AudioConvWeights[];
  proj: Float32Array; // [lastChannels, hidden]; lastChannels = nMels when there are no convs
  projBias: Float32Array; // [hidden]
}

export interface DecoderWeights {
  embed: Float32Array; // [vocab, hidden]; also the tied LM head
  layers: DecoderLayerWeights[];
  finalNorm: Float32Array; // [hidden]
  audio: AudioEncoderWeights;
  /** Mel bands: the audio encoder's input channels. */
  nMels: number;
}

type LayerShapes = Record<keyof DecoderLayerWeights, number[]>;

export interface AudioEncoderShapes {
  convs: { weight: number[]; bias: number[] }[];
  proj: number[];
  projBias: number[];
}

/** The shape of every tensor of one decoder layer. */
export function decoderLayerShapes(arch: DecoderArchitecture): LayerShapes {
  const h = arch.hiddenSize;
  const i = arch.intermediateSize;
  return {
    attnNorm: [h],
    wq: [h, h],
    wk: [h, h],
    wv: [h, h],
    wo: [h, h],
    mlpNorm: [h],
    wGate: [h, i],
    wUp: [h, i],
    wDown: [i, h],
  };
}

/** Conv weight and bias shapes, layer by layer, then the projection's. */
export function audioEncoderShapes(arch: DecoderArchitecture, nMels: number): AudioEncoderShapes {
  let channels = nMels;
  const convs = arch.audioConvs.map((c) => {
    const shapes = { weight: [c.channels, channels, c.kernel], bias: [c.channels] };
    channels = c.channels;
    return shapes;
  });
  return { convs, proj: [channels, arch.hiddenSize], projBias: [arch.hiddenSize] };
}

/** Throws a RangeError when the architecture is not one the writer can emit (sizes, heads, even head size). */
export function checkDecoderArchitecture(arch: DecoderArchitecture): void {
  const counts = ['vocabSize', 'hiddenSize', 'numHeads', 'intermediateSize', 'maxPositions'] as const;
  for (const key of counts) positiveInteger(`architecture.${key}`, arch[key]);
  if (!Number.isInteger(arch.numLayers) || arch.numLayers < 0) throw new RangeError(`architecture.numLayers must be a non-negative integer, got ${arch.numLayers}`);
  if (arch.hiddenSize % arch.numHeads !== 0) throw new RangeError(`architecture.hiddenSize ${arch.hiddenSize} is not a multiple of numHeads ${arch.numHeads}`);
  if ((arch.hiddenSize / arch.numHeads) % 2 !== 0) throw new RangeError(`architecture head size ${arch.hiddenSize / arch.numHeads} must be even (rotary halves)`);
  if (!(arch.rmsNormEps > 0)) throw new RangeError(`architecture.rmsNormEps must be positive, got ${arch.rmsNormEps}`);
  if (!(arch.ropeTheta > 0)) throw new RangeError(`architecture.ropeTheta must be positive, got ${arch.ropeTheta}`);
  arch.audioConvs.forEach((c, i) => {
    for (const key of ['kernel', 'stride', 'channels'] as const) positiveInteger(`architecture.audioConvs[${i}].${key}`, c[key]);
  });
}

/** Throws a RangeError naming the first tensor (e.g. `layers[1].wq`) whose length is wrong, with the expected length. */
export function checkDecoderWeights(arch: DecoderArchitecture, weights: DecoderWeights): void {
  checkDecoderArchitecture(arch);
  positiveInteger('nMels', weights.nMels);
  const h = arch.hiddenSize;
  expectLength('embed', weights.embed, [arch.vocabSize, h]);
  if (weights.layers.length !== arch.numLayers) throw new RangeError(`layers has ${weights.layers.length} entries; expected ${arch.numLayers}`);
  const layerShapes = decoderLayerShapes(arch);
  weights.layers.forEach((layer, l) => {
    for (const [key, shape] of Object.entries(layerShapes)) {
      expectLength(`layers[${l}].${key}`, layer[key as keyof DecoderLayerWeights], shape);
    }
  });
  expectLength('finalNorm', weights.finalNorm, [h]);
  const audio = audioEncoderShapes(arch, weights.nMels);
  if (weights.audio.convs.length !== audio.convs.length) throw new RangeError(`audio.convs has ${weights.audio.convs.length} entries; expected ${audio.convs.length}`);
  audio.convs.forEach((shapes, c) => {
    expectLength(`audio.convs[${c}].weight`, weights.audio.convs[c]!.weight, shapes.weight);
    expectLength(`audio.convs[${c}].bias`, weights.audio.convs[c]!.bias, shapes.bias);
  });
  expectLength('audio.proj', weights.audio.proj, audio.proj);
  expectLength('audio.projBias', weights.audio.projBias, audio.projBias);
}

/**
 * Seeded random weights: matrices and conv kernels N(0, 1/fan_in) (std 1/√fan_in, keeping activations O(1)),
 * the embedding N(0, 1/hidden) (tied head: logits O(1) at start), biases N(0, 1/fan_in), norms 1 + N(0, 0.1²)
 * (near 1, yet a missing norm weight shows in tests).
 */
export function randomDecoderWeights(arch: DecoderArchitecture, nMels: number, seed: number | string): DecoderWeights {
  checkDecoderArchitecture(arch);
  positiveInteger('nMels', nMels);
  const normal = gaussian(makeRng(seed));
  const matrix = (shape: number[], fanIn: number) => fill(shape, () => normal() / Math.sqrt(fanIn));
  const norm = (shape: number[]) => fill(shape, () => 1 + 0.1 * normal());
  const h = arch.hiddenSize;
  const shapes = decoderLayerShapes(arch);
  const embed = matrix([arch.vocabSize, h], h);
  const layers = Array.from({ length: arch.numLayers }, () => {
    const layer = {} as DecoderLayerWeights;
    for (const [key, shape] of Object.entries(shapes)) {
      layer[key as keyof DecoderLayerWeights] = shape.length === 1 ? norm(shape) : matrix(shape, shape[0]!);
    }
    return layer;
  });
  const finalNorm = norm([h]);
  const audioShapes = audioEncoderShapes(arch, nMels);
  const convs = audioShapes.convs.map((s) => {
    const fanIn = s.weight[1]! * s.weight[2]!;
    return { weight: matrix(s.weight, fanIn), bias: matrix(s.bias, fanIn) };
  });
  const fanIn = audioShapes.proj[0]!;
  const audio = { convs, proj: matrix(audioShapes.proj, fanIn), projBias: matrix(audioShapes.projBias, fanIn) };
  return { embed, layers, finalNorm, audio, nMels };
}

function expectLength(name: string, data: Float32Array | undefined, shape: readonly number[]): void {
  const expected = shape.reduce((a, b) => a * b, 1);
  if (!(data instanceof Float32Array)) throw new RangeError(`${name} is missing or not a Float32Array; expected ${expected} values [${shape.join(', ')}]`);
  if (data.length !== expected) throw new RangeError(`${name} has ${data.length} values; expected ${expected} [${shape.join(', ')}]`);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

function fill(shape: readonly number[], draw: () => number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = draw();
  return out;
}

/** Standard normal draws (Box–Muller). */
function gaussian(rng: () => number): () => number {
  return () => {
    const u = 1 - rng(); // (0, 1], so the log is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
}
