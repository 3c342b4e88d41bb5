// The audio encoder graph of the model-directory contract: log-mel frames → one embedding per audio token.
// Conv1d + exact GELU per arch.audioConvs layer (over time, zero padding floor(kernel/2) at both ends), then a
// linear map to hiddenSize. nMels (the first conv's input channels) comes from weights.nMels.

import type { DecoderArchitecture } from '../config.js';
import { audioEncoderShapes, checkDecoderWeights, type DecoderWeights } from '../weights.js';
import { GraphBuilder } from './graph.js';

/** Audio tokens for `frames` input frames: floor((n + 2·floor(k/2) − k)/s) + 1 per conv layer. */
export function audioTokenCount(arch: DecoderArchitecture, frames: number): number {
  if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`frames must be a non-negative integer, got ${frames}`);
  return arch.audioConvs.reduce((n, c) => Math.floor((n + 2 * Math.floor(c.kernel / 2) - c.kernel) / c.stride) + 1, frames);
}

/** audio_encoder.onnx: input_features float32 [batch, frames, nMels] → audio_embeds float32 [batch, tokens, hidden]. */
export function writeAudioEncoderOnnx(arch: DecoderArchitecture, weights: DecoderWeights): Uint8Array {
  checkDecoderWeights(arch, weights);
  const shapes = audioEncoderShapes(arch, weights.nMels);
  const g = new GraphBuilder('aurola_audio_encoder');
  const features = g.input('input_features', 'float', ['batch', 'frames', weights.nMels]);

  let x = g.transpose(features, [0, 2, 1]); // channels first, as Conv wants: [batch, channels, frames]
  arch.audioConvs.forEach((c, i) => {
    const conv = weights.audio.convs[i]!;
    const weight = g.initializer(`audio.convs.${i}.weight`, conv.weight, shapes.convs[i]!.weight);
    const bias = g.initializer(`audio.convs.${i}.bias`, conv.bias, shapes.convs[i]!.bias);
    x = gelu(g, g.conv1d(x, weight, bias, { kernel: c.kernel, stride: c.stride, pad: Math.floor(c.kernel / 2) }));
  });
  x = g.transpose(x, [0, 2, 1]);

  const proj = g.initializer('audio.proj.weight', weights.audio.proj, shapes.proj);
  const projBias = g.initializer('audio.proj.bias', weights.audio.projBias, shapes.projBias);
  g.output(g.add(g.matMul(x, proj), projBias), 'audio_embeds', 'float', ['batch', 'tokens', arch.hiddenSize]);
  return g.toBytes();
}

/** Exact GELU, 0.5 · x · (1 + erf(x/√2)); opset 17 has no Gelu op (it came in 20). */
function gelu(g: GraphBuilder, x: string): string {
  const erf = g.erf(g.mul(x, g.constFloat([Math.SQRT1_2], [])));
  return g.mul(g.mul(x, g.constFloat([0.5], [])), g.add(erf, g.constFloat([1], [])));
}
