// Shared by the onnx-*.test.ts files: seeded draws, small random architectures, ORT runs and comparisons.
import * as ort from 'onnxruntime-node';

import { makeRng, type Rng } from '@aurola/args';

import type { DecoderArchitecture } from '../src/config.js';

/** An integer in [lo, hi]. */
export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** Standard normal draws. */
export function normals(r: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

/** Hand-picked odd shapes (head sizes 8, 12, 4; an even kernel; a 1-wide kernel) and a few drawn at random. */
export function testArchitectures(): DecoderArchitecture[] {
  const fixed: DecoderArchitecture[] = [
    {
      vocabSize: 37, hiddenSize: 24, numLayers: 2, numHeads: 3, intermediateSize: 40, rmsNormEps: 1e-5,
      ropeTheta: 10000, maxPositions: 32,
      audioConvs: [{ kernel: 3, stride: 1, channels: 12 }, { kernel: 3, stride: 2, channels: 20 }],
    },
    {
      vocabSize: 11, hiddenSize: 12, numLayers: 1, numHeads: 1, intermediateSize: 7, rmsNormEps: 1e-6,
      ropeTheta: 100, maxPositions: 16, audioConvs: [{ kernel: 5, stride: 3, channels: 9 }],
    },
    {
      vocabSize: 53, hiddenSize: 20, numLayers: 3, numHeads: 5, intermediateSize: 33, rmsNormEps: 1e-6,
      ropeTheta: 500000, maxPositions: 40,
      audioConvs: [{ kernel: 4, stride: 2, channels: 6 }, { kernel: 1, stride: 1, channels: 10 }, { kernel: 3, stride: 2, channels: 8 }],
    },
  ];
  return [...fixed, ...[101, 202, 303].map(randomArchitecture)];
}

function randomArchitecture(seed: number): DecoderArchitecture {
  const r = makeRng(seed);
  const numHeads = int(r, 1, 4);
  return {
    vocabSize: int(r, 5, 60),
    hiddenSize: numHeads * 2 * int(r, 1, 5),
    numLayers: int(r, 1, 3),
    numHeads,
    intermediateSize: int(r, 3, 50),
    rmsNormEps: 1e-6,
    ropeTheta: [100, 10000, 1e6][int(r, 0, 2)]!,
    maxPositions: int(r, 8, 24),
    audioConvs: Array.from({ length: int(r, 0, 3) }, () => ({ kernel: int(r, 1, 5), stride: int(r, 1, 3), channels: int(r, 2, 16) })),
  };
}

export const describeArch = (a: DecoderArchitecture): string =>
  `h${a.hiddenSize}/${a.numHeads}heads/v${a.vocabSize}/l${a.numLayers}/i${a.intermediateSize}/convs ${a.audioConvs.map((c) => `k${c.kernel}s${c.stride}c${c.channels}`).join(',') || 'none'}`;

export async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes);
}

export const floatTensor = (data: Float32Array, dims: number[]): ort.Tensor => new ort.Tensor('float32', data, dims);
export const int64Tensor = (values: ArrayLike<number>, dims: number[]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(Array.from(values), (v) => BigInt(v)), dims);

/** Runs the session and returns every output's float data and dims. */
export async function runFloat(
  s: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const results = await s.run(feeds);
  const out: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const [name, tensor] of Object.entries(results)) out[name] = { data: tensor.data as Float32Array, dims: [...tensor.dims] };
  return out;
}

/** Max |a − b| over the rows (of width `width`) that `keep(row)` selects. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, width: number, keep: (row: number) => boolean = () => true): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let row = 0; row * width < a.length; row++) {
    if (!keep(row)) continue;
    for (let i = row * width; i < (row + 1) * width; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  }
  return max;
}

export const allFinite = (a: ArrayLike<number>): boolean => Array.from(a).every(Number.isFinite);
