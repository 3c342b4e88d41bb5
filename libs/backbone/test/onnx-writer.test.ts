// The written embed_tokens, decoder and audio encoder graphs, run by onnxruntime, against the float64 reference
// on random weights and inputs; plus the masks, the tied head, audioTokenCount and weight checking.
import { afterAll, describe, expect, it } from 'vitest';

import { makeRng, type Rng } from '@aurola/args';

import type { DecoderArchitecture } from '../src/config.js';
import { audioTokenCount, writeAudioEncoderOnnx } from '../src/onnx/audio-encoder.js';
import { writeDecoderOnnx, writeEmbedTokensOnnx } from '../src/onnx/decoder.js';
import { referenceAudioEncoder, referenceDecoder, referenceEmbed } from '../src/reference.js';
import { checkDecoderWeights, randomDecoderWeights, type DecoderWeights } from '../src/weights.js';
import {
  allFinite,
  describeArch,
  floatTensor,
  int,
  int64Tensor,
  maxAbsDiff,
  normals,
  runFloat,
  session,
  testArchitectures,
} from './onnx-helpers.js';

const TOLERANCE = 1e-4;
const worst: Record<string, number> = {};
const record = (what: string, diff: number): number => {
  worst[what] = Math.max(worst[what] ?? 0, diff);
  return diff;
};
afterAll(() => console.log('max abs error vs float64 reference:', worst));

const N_MELS = [8, 5, 13, 4, 7, 6];
const archs = testArchitectures();

interface Batch {
  batch: number;
  sequence: number;
  embeds: Float32Array;
  mask: number[];
  positions: number[];
}

/** Random embeddings, right padding with one full row, positions from a random start (or 0). */
function rightPaddedBatch(r: Rng, arch: DecoderArchitecture, sequence: number): Batch {
  const batch = int(r, 1, 3);
  const full = int(r, 0, batch - 1);
  const mask: number[] = [];
  const positions: number[] = [];
  for (let b = 0; b < batch; b++) {
    const length = b === full ? sequence : int(r, 1, sequence);
    const start = r() < 0.5 ? 0 : int(r, 0, arch.maxPositions - sequence);
    for (let j = 0; j < sequence; j++) {
      mask.push(j < length ? 1 : 0);
      positions.push(start + j);
    }
  }
  return { batch, sequence, embeds: normals(r, batch * sequence * arch.hiddenSize), mask, positions };
}

async function runDecoder(s: Awaited<ReturnType<typeof session>>, arch: DecoderArchitecture, x: Batch) {
  const dims = [x.batch, x.sequence];
  return runFloat(s, {
    inputs_embeds: floatTensor(x.embeds, [...dims, arch.hiddenSize]),
    attention_mask: int64Tensor(x.mask, dims),
    position_ids: int64Tensor(x.positions, dims),
  });
}

function referenceFor(arch: DecoderArchitecture, w: DecoderWeights, x: Batch) {
  return referenceDecoder(arch, w, {
    batch: x.batch,
    sequence: x.sequence,
    inputsEmbeds: x.embeds,
    attentionMask: x.mask,
    positionIds: x.positions,
  });
}

describe.each(archs.map((arch, i) => ({ arch, nMels: N_MELS[i]!, seed: i + 1, name: describeArch(arch) })))(
  'written graphs vs the float64 reference: $name',
  ({ arch, nMels, seed }) => {
    const weights = randomDecoderWeights(arch, nMels, seed);

    it('embed_tokens gathers the embedding rows', async () => {
      const s = await session(writeEmbedTokensOnnx(arch, weights));
      const r = makeRng(seed * 7);
      const [batch, sequence] = [int(r, 1, 3), int(r, 1, 9)];
      const ids = Array.from({ length: batch * sequence }, () => int(r, 0, arch.vocabSize - 1));
      const out = await runFloat(s, { input_ids: int64Tensor(ids, [batch, sequence]) });
      const ref = referenceEmbed(arch, weights, ids, batch, sequence);
      expect(out.inputs_embeds!.dims).toEqual(ref.shape);
      expect(record('inputs_embeds', maxAbsDiff(out.inputs_embeds!.data, ref.data, arch.hiddenSize))).toBeLessThanOrEqual(TOLERANCE);
    });

    it('decoder matches on real positions (right padding, shifted positions) and stays finite on padding', async () => {
      const s = await session(writeDecoderOnnx(arch, weights));
      const r = makeRng(seed * 13);
      // Short sequences, and one as long as the rotary tables.
      for (const sequence of [1, int(r, 2, 9), arch.maxPositions]) {
        const x = rightPaddedBatch(r, arch, sequence);
        const out = await runDecoder(s, arch, x);
        const ref = referenceFor(arch, weights, x);
        const real = (row: number) => x.mask[row] === 1;
        expect(out.last_hidden_state!.dims).toEqual(ref.lastHiddenState.shape);
        expect(out.logits!.dims).toEqual(ref.logits.shape);
        const hidden = maxAbsDiff(out.last_hidden_state!.data, ref.lastHiddenState.data, arch.hiddenSize, real);
        const logits = maxAbsDiff(out.logits!.data, ref.logits.data, arch.vocabSize, real);
        expect(record('last_hidden_state', hidden)).toBeLessThanOrEqual(TOLERANCE);
        expect(record('logits', logits)).toBeLessThanOrEqual(TOLERANCE);
        expect(allFinite(out.last_hidden_state!.data) && allFinite(out.logits!.data)).toBe(true);
      }
    });

    it('decoder with random position ids and left padding (query rows that see no key) is finite and matches', async () => {
      const s = await session(writeDecoderOnnx(arch, weights));
      const r = makeRng(seed * 17);
      const [batch, sequence] = [3, Math.min(7, arch.maxPositions)];
      const mask = Array.from({ length: batch * sequence }, (_, i) => (i % sequence >= (i / sequence | 0) * 2 ? 1 : 0));
      const positions = Array.from({ length: batch * sequence }, () => int(r, 0, arch.maxPositions - 1));
      const x: Batch = { batch, sequence, embeds: normals(r, batch * sequence * arch.hiddenSize), mask, positions };
      const out = await runDecoder(s, arch, x);
      const ref = referenceFor(arch, weights, x);
      const real = (row: number) => mask[row] === 1;
      expect(allFinite(out.last_hidden_state!.data) && allFinite(out.logits!.data)).toBe(true);
      expect(record('last_hidden_state', maxAbsDiff(out.last_hidden_state!.data, ref.lastHiddenState.data, arch.hiddenSize, real))).toBeLessThanOrEqual(TOLERANCE);
      expect(record('logits', maxAbsDiff(out.logits!.data, ref.logits.data, arch.vocabSize, real))).toBeLessThanOrEqual(TOLERANCE);
    });

    it('audio encoder matches, and audioTokenCount gives its token count', async () => {
      const s = await session(writeAudioEncoderOnnx(arch, weights));
      const r = makeRng(seed * 19);
      for (const frames of [1, 2, int(r, 3, 12), int(r, 13, 60)]) {
        const batch = int(r, 1, 3);
        const features = normals(r, batch * frames * nMels);
        const out = (await runFloat(s, { input_features: floatTensor(features, [batch, frames, nMels]) })).audio_embeds!;
        const ref = referenceAudioEncoder(arch, weights, features, batch, frames);
        expect(out.dims).toEqual([batch, audioTokenCount(arch, frames), arch.hiddenSize]);
        expect(ref.shape).toEqual(out.dims);
        expect(record('audio_embeds', maxAbsDiff(out.data, ref.data, arch.hiddenSize))).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  },
);

describe('decoder masks and head', () => {
  const arch = archs[0]!;
  const weights = randomDecoderWeights(arch, 8, 42);
  const sequence = 6;
  const h = arch.hiddenSize;

  /** Max change, per position, of last_hidden_state between two runs of one row. */
  async function changeByPosition(mask: number[], before: Float32Array, after: Float32Array): Promise<number[]> {
    const s = await session(writeDecoderOnnx(arch, weights));
    const positions = Array.from({ length: sequence }, (_, j) => j);
    const a = await runDecoder(s, arch, { batch: 1, sequence, embeds: before, mask, positions });
    const b = await runDecoder(s, arch, { batch: 1, sequence, embeds: after, mask, positions });
    return Array.from({ length: sequence }, (_, j) =>
      maxAbsDiff(a.last_hidden_state!.data, b.last_hidden_state!.data, h, (row) => row === j),
    );
  }

  function withPositionReplaced(embeds: Float32Array, position: number, seed: number): Float32Array {
    const changed = embeds.slice();
    changed.set(normals(makeRng(seed), h), position * h);
    return changed;
  }

  it('is causal: changing token 3 leaves positions 0–2 alone and changes 3–5', async () => {
    const embeds = normals(makeRng(1), sequence * h);
    const change = await changeByPosition([1, 1, 1, 1, 1, 1], embeds, withPositionReplaced(embeds, 3, 2));
    expect(Math.max(...change.slice(0, 3))).toBeLessThanOrEqual(1e-6);
    for (const c of change.slice(3)) expect(c).toBeGreaterThan(1e-3);
  });

  it('masks padding: a padded key changes no real position, the same key unmasked does', async () => {
    const embeds = normals(makeRng(3), sequence * h);
    const changed = withPositionReplaced(embeds, 1, 4);
    const leftPadded = await changeByPosition([0, 0, 1, 1, 1, 1], embeds, changed);
    expect(Math.max(...leftPadded.slice(2))).toBeLessThanOrEqual(1e-6);
    const holey = await changeByPosition([1, 0, 1, 1, 1, 1], embeds, changed);
    expect(Math.max(holey[0]!, ...holey.slice(2))).toBeLessThanOrEqual(1e-6);
    const unmasked = await changeByPosition([1, 1, 1, 1, 1, 1], embeds, changed);
    for (const c of unmasked.slice(2)) expect(c).toBeGreaterThan(1e-3);
  });

  it('rotary is relative: shifting all position ids changes nothing, stretching them does', async () => {
    const s = await session(writeDecoderOnnx(arch, weights));
    const embeds = normals(makeRng(6), sequence * h);
    const run = async (positions: number[]) =>
      (await runDecoder(s, arch, { batch: 1, sequence, embeds, mask: Array(sequence).fill(1), positions })).logits!.data;
    const base = await run([0, 1, 2, 3, 4, 5]);
    expect(maxAbsDiff(base, await run([19, 20, 21, 22, 23, 24]), arch.vocabSize)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(base, await run([0, 2, 4, 6, 8, 10]), arch.vocabSize, (row) => row > 0)).toBeGreaterThan(1e-3);
  });

  it('ties the head: logits = last_hidden_state · embedᵀ', async () => {
    const s = await session(writeDecoderOnnx(arch, weights));
    const r = makeRng(5);
    const x = rightPaddedBatch(r, arch, 5);
    const out = await runDecoder(s, arch, x);
    const hidden = out.last_hidden_state!.data;
    const expected = new Float64Array(x.batch * x.sequence * arch.vocabSize);
    for (let row = 0; row < x.batch * x.sequence; row++) {
      for (let t = 0; t < arch.vocabSize; t++) {
        let sum = 0;
        for (let i = 0; i < h; i++) sum += hidden[row * h + i]! * weights.embed[t * h + i]!;
        expected[row * arch.vocabSize + t] = sum;
      }
    }
    expect(maxAbsDiff(out.logits!.data, expected, arch.vocabSize)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('audioTokenCount', () => {
  const arch = (convs: DecoderArchitecture['audioConvs']): DecoderArchitecture => ({ ...archs[0]!, audioConvs: convs });

  it('counts frames by hand for simple stacks', () => {
    // Kernel 3 stride 2 pad 1 over 10 frames: windows centred on frames 0, 2, 4, 6, 8.
    expect(audioTokenCount(arch([{ kernel: 3, stride: 1, channels: 4 }, { kernel: 3, stride: 2, channels: 4 }]), 10)).toBe(5);
    expect(audioTokenCount(arch([{ kernel: 3, stride: 2, channels: 4 }]), 11)).toBe(6);
    // Kernel 4 pads 2 each side: 10 + 4 − 4 = 10 → starts 0, 2, …, 10.
    expect(audioTokenCount(arch([{ kernel: 4, stride: 2, channels: 4 }]), 10)).toBe(6);
    expect(audioTokenCount(arch([]), 17)).toBe(17);
    expect(audioTokenCount(arch([{ kernel: 5, stride: 4, channels: 4 }, { kernel: 3, stride: 4, channels: 4 }]), 1)).toBe(1);
  });

  it('matches the written encoder for random frame counts', async () => {
    const a = arch([{ kernel: 3, stride: 2, channels: 5 }, { kernel: 2, stride: 3, channels: 7 }, { kernel: 5, stride: 1, channels: 3 }]);
    const s = await session(writeAudioEncoderOnnx(a, randomDecoderWeights(a, 4, 9)));
    const r = makeRng(11);
    for (let trial = 0; trial < 12; trial++) {
      const frames = int(r, 1, 200);
      const out = (await runFloat(s, { input_features: floatTensor(normals(r, frames * 4), [1, frames, 4]) })).audio_embeds!;
      expect(out.dims[1]).toBe(audioTokenCount(a, frames));
    }
  });

  it('rejects negative or fractional frame counts', () => {
    expect(() => audioTokenCount(archs[0]!, -1)).toThrow(RangeError);
    expect(() => audioTokenCount(archs[0]!, 2.5)).toThrow(RangeError);
  });
});

describe('checkDecoderWeights', () => {
  const arch = archs[0]!; // hidden 24, vocab 37, 2 layers, inter 40, convs 8→12 (k3), 12→20 (k3)
  const fresh = () => randomDecoderWeights(arch, 8, 3);

  it('accepts random weights', () => {
    expect(() => checkDecoderWeights(arch, fresh())).not.toThrow();
  });

  it.each([
    ['layers[1].wq', (w: DecoderWeights) => (w.layers[1]!.wq = new Float32Array(575)), /layers\[1\]\.wq has 575 values; expected 576/],
    ['layers[0].wDown', (w: DecoderWeights) => (w.layers[0]!.wDown = new Float32Array(24 * 24)), /layers\[0\]\.wDown .*expected 960/],
    ['embed', (w: DecoderWeights) => (w.embed = new Float32Array(36 * 24)), /embed has 864 values; expected 888/],
    ['finalNorm', (w: DecoderWeights) => (w.finalNorm = new Float32Array(23)), /finalNorm .*expected 24/],
    ['audio.convs[1].weight', (w: DecoderWeights) => (w.audio.convs[1]!.weight = new Float32Array(20 * 8 * 3)), /audio\.convs\[1\]\.weight .*expected 720/],
    ['audio.convs[0].bias', (w: DecoderWeights) => (w.audio.convs[0]!.bias = new Float32Array(8)), /audio\.convs\[0\]\.bias .*expected 12/],
    ['audio.proj', (w: DecoderWeights) => (w.audio.proj = new Float32Array(12 * 24)), /audio\.proj .*expected 480/],
    ['layers', (w: DecoderWeights) => w.layers.pop(), /layers has 1 entries; expected 2/],
    ['nMels', (w: DecoderWeights) => (w.nMels = 9), /audio\.convs\[0\]\.weight .*expected 324/],
  ])('names %s', (_name, spoil, message) => {
    const w = fresh();
    spoil(w);
    expect(() => checkDecoderWeights(arch, w)).toThrow(RangeError);
    expect(() => checkDecoderWeights(arch, w)).toThrow(message);
    expect(() => writeDecoderOnnx(arch, w)).toThrow(message);
  });

  it('rejects heads that do not divide the hidden size, or odd head sizes', () => {
    expect(() => randomDecoderWeights({ ...arch, numHeads: 5 }, 8, 1)).toThrow(/multiple of numHeads/);
    expect(() => randomDecoderWeights({ ...arch, hiddenSize: 9, numHeads: 3 }, 8, 1)).toThrow(/must be even/);
  });
});
