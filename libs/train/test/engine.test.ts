// The engine's forward against the float64 reference and against onnxruntime on the exported model (1e-4);
// gradient caching gives the same gradients as one big batch; a checkpoint resumes to the same next loss.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { OnnxMllmBackbone, referenceAudioEncoder, referenceDecoder, referenceEmbed } from '@aurola/backbone';

import { packBatch } from '../src/batch.js';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint.js';
import { TrainableModel } from '../src/model.js';
import { AdamW } from '../src/optimizer.js';
import { audioSequence, rerankSequence, textSequence } from '../src/prompts.js';
import { contrastiveStep, yesNoStep } from '../src/steps.js';
import { setup, toneClip, WORDS } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'aurola-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sentence = () => Array.from({ length: 1 + Math.floor(Math.random() * 6) }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(' ');
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('engine forward', () => {
  it('equals the float64 reference and onnxruntime on the exported model, to 1e-4', async () => {
    const s = setup(Math.floor(Math.random() * 1e6));
    const arch = s.files.config.decoder!;
    const d = arch.hiddenSize;
    const clip = toneClip(300 + Math.random() * 1000, 0.6 + Math.random());
    const features = s.logMel.compute(clip);
    const texts = [sentence(), sentence()];
    const sequences = [audioSequence(s.prompts, features), ...texts.map((t) => textSequence(s.prompts, t)), rerankSequence(s.prompts, 't2a', texts[0]!, features)];
    const batch = packBatch(sequences, { padId: s.padId, audioTokens: (f) => s.model.engine.audioTokens(f), nMels: s.model.nMels, selectIds: [s.yes, s.no] });
    const out = await s.model.engine.forward(batch);

    // Reference, one sequence at a time (no padding), audio spliced in.
    const audioRef = referenceAudioEncoder(arch, s.files.weights, features.data, 1, features.frames);
    for (let b = 0; b < batch.batch; b++) {
      const n = batch.mask.subarray(b * batch.length, (b + 1) * batch.length).reduce((x, y) => x + y, 0);
      const ids = Array.from(batch.ids.subarray(b * batch.length, b * batch.length + n));
      const embeds = referenceEmbed(arch, s.files.weights, ids, 1, n);
      if (sequences[b]!.audio) embeds.data.set(audioRef.data, sequences[b]!.audio!.at * d);
      const ref = referenceDecoder(arch, s.files.weights, { batch: 1, sequence: n, inputsEmbeds: embeds.data, attentionMask: new Array(n).fill(1), positionIds: ids.map((_, i) => i) });
      const r = batch.readAt[b]!;
      expect(maxDiff(out.hidden.subarray(b * d, (b + 1) * d), ref.lastHiddenState.data.subarray(r * d, (r + 1) * d))).toBeLessThan(1e-4);
      const logits = ref.logits.data.subarray(r * arch.vocabSize, (r + 1) * arch.vocabSize);
      expect(Math.abs(out.logits[2 * b]! - logits[s.yes]!)).toBeLessThan(1e-4);
      expect(Math.abs(out.logits[2 * b + 1]! - logits[s.no]!)).toBeLessThan(1e-4);
    }

    // onnxruntime on the exported directory: embeddings are the normalised hidden states.
    const dir = join(root, 'exported');
    await s.model.export(dir, s.files);
    const backbone = await OnnxMllmBackbone.load(dir, { threads: 1 });
    const normalised = (v: Float32Array) => {
      const n = Math.sqrt(v.reduce((x, y) => x + y * y, 0));
      return v.map((x) => x / n);
    };
    const audioEmb = await backbone.embedAudio([clip]);
    expect(maxDiff(audioEmb.data as Float32Array, normalised(out.hidden.slice(0, d)))).toBeLessThan(1e-4);
    const textEmb = await backbone.embedText(texts);
    expect(maxDiff(textEmb.data as Float32Array, [...normalised(out.hidden.slice(d, 2 * d)), ...normalised(out.hidden.slice(2 * d, 3 * d))])).toBeLessThan(1e-4);
    const [pYes] = await backbone.scorePairs([{ text: texts[0]!, audio: clip }], 't2a');
    expect(Math.abs(pYes! - 1 / (1 + Math.exp(out.logits[7]! - out.logits[6]!)))).toBeLessThan(1e-4);
    await backbone.close();
    s.model.close();
  });
});

describe('training steps', () => {
  const pairsOf = (s: ReturnType<typeof setup>, n: number) => {
    const clips = Array.from({ length: n }, (_, i) => s.logMel.compute(toneClip(200 + 150 * i, 0.4 + 0.1 * (i % 4))));
    return {
      audio: clips.map((f) => audioSequence(s.prompts, f)),
      text: Array.from({ length: n }, () => textSequence(s.prompts, sentence())),
      rerank: clips.map((f, i) => rerankSequence(s.prompts, i % 2 ? 'a2t' : 't2a', sentence(), f)),
    };
  };

  it('gives the same loss and gradients with gradient caching as in one batch', async () => {
    const seed = Math.floor(Math.random() * 1e6);
    const a = setup(seed);
    const b = setup(seed);
    const p = pairsOf(a, 6);
    const opts = { padId: a.padId, tau: 0.05, lambda: 0.2, beta: 0.1, groups: [0, 0, -1, 1, 1, -1] };
    const whole = await contrastiveStep(a.model, p.audio, p.text, { ...opts, microBatch: 64 });
    const cached = await contrastiveStep(b.model, p.audio, p.text, { ...opts, microBatch: 4 });
    expect(Math.abs(whole - cached)).toBeLessThan(1e-5);
    const ga = a.model.engine.grads();
    const gb = b.model.engine.grads();
    let scale = 0;
    for (const g of ga) scale = Math.max(scale, Math.abs(g));
    expect(scale).toBeGreaterThan(0);
    expect(maxDiff(ga, gb)).toBeLessThan(1e-5 * scale);
    a.model.close();
    b.model.close();
  });

  it('is deterministic: the same seed gives the same weights after training, on 1 or 2 threads', async () => {
    const seed = Math.floor(Math.random() * 1e6);
    const base = setup(seed);
    const p = pairsOf(base, 4); // one draw of the (random) data for all runs
    base.model.close();
    const trained = async (threads: number) => {
      const s = setup(seed);
      const model = TrainableModel.fromWeights(s.model.arch, s.files.weights, threads);
      s.model.close();
      const optimizer = new AdamW(model, { schedule: { lr: 1e-3, warmupSteps: 1, totalSteps: 10 } });
      for (let i = 0; i < 3; i++) {
        await contrastiveStep(model, p.audio, p.text, { padId: s.padId });
        optimizer.apply();
      }
      const params = model.engine.params().slice();
      model.close();
      return params;
    };
    const one = await trained(1);
    expect(await trained(1)).toEqual(one);
    expect(await trained(2)).toEqual(one);
  });

  it('resumes from a checkpoint to exactly the next loss of an uninterrupted run', async () => {
    const seed = Math.floor(Math.random() * 1e6);
    const schedule = { lr: 2e-3, warmupSteps: 2, totalSteps: 20 };
    const run = async (s: ReturnType<typeof setup>, optimizer: AdamW, p: ReturnType<typeof pairsOf>) => {
      const loss = await contrastiveStep(s.model, p.audio, p.text, { padId: s.padId });
      const yn = await yesNoStep(s.model, p.rerank, p.rerank.map((_, i) => i % 3 === 0), { yes: s.yes, no: s.no }, { padId: s.padId });
      optimizer.apply();
      return loss + yn;
    };
    const a = setup(seed);
    const p = pairsOf(a, 5);
    const optA = new AdamW(a.model, { schedule });
    for (let i = 0; i < 3; i++) await run(a, optA, p);
    const dir = join(root, 'ckpt');
    await saveCheckpoint(dir, a.model, optA, { note: 'test' });
    const next = await run(a, optA, p);

    const b = setup(`${seed}-other`); // different initial weights: everything must come from the checkpoint
    const fresh = TrainableModel.fromWeights(a.model.arch, b.files.weights, 2);
    const optB = new AdamW(fresh, { schedule });
    const state = await loadCheckpoint(dir, fresh, optB);
    expect(state.step).toBe(3);
    expect(state.extra).toEqual({ note: 'test' });
    expect(await run({ ...a, model: fresh }, optB, p)).toBe(next);
    expect(fresh.engine.params()).toEqual(a.model.engine.params());
    a.model.close();
    b.model.close();
    fresh.close();
  });
});
