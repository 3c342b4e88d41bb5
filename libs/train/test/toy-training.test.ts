// A short training run on a toy task: 12 tones, each with its own two-word caption. Contrastive training from
// random weights must drive the loss well below its start and make audio→text retrieval at least 90 % right; the
// yes/no head trained beside it must tell matching from mismatched pairs.
import { describe, expect, it } from 'vitest';

import { l2Normalize, packBatch } from '../src/batch.js';
import { AdamW } from '../src/optimizer.js';
import { audioSequence, rerankSequence, textSequence } from '../src/prompts.js';
import { contrastiveStep, yesNoStep } from '../src/steps.js';
import { setup, toneClip, WORDS } from './helpers.js';

describe('toy training', () => {
  it('learns to match 12 tones with their captions', async () => {
    const s = setup(Math.floor(Math.random() * 1e6), { hiddenSize: 32, numHeads: 4 });
    const n = 12;
    const clips = Array.from({ length: n }, (_, i) => s.logMel.compute(toneClip(150 * 1.3 ** i, 0.5)));
    const captions = Array.from({ length: n }, (_, i) => `${WORDS[i]} ${WORDS[(i + 5) % WORDS.length]}`);
    const audio = clips.map((f) => audioSequence(s.prompts, f));
    const text = captions.map((c) => textSequence(s.prompts, c));
    const match = clips.map((f, i) => rerankSequence(s.prompts, i % 2 ? 'a2t' : 't2a', captions[i]!, f));
    const mismatch = clips.map((f, i) => rerankSequence(s.prompts, i % 2 ? 't2a' : 'a2t', captions[(i + 3) % n]!, f));
    const steps = 250;
    const optimizer = new AdamW(s.model, { schedule: { lr: 3e-3, warmupSteps: 10, totalSteps: steps }, weightDecay: 0 });
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      losses.push(await contrastiveStep(s.model, audio, text, { padId: s.padId, tau: 0.1, lambda: 0, beta: 0 }));
      if (step % 5 === 0) {
        await yesNoStep(s.model, [...match, ...mismatch], [...match.map(() => true), ...mismatch.map(() => false)], { yes: s.yes, no: s.no }, { padId: s.padId });
      }
      optimizer.apply();
    }
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(last).toBeLessThan(0.25 * first);

    // Retrieval: each clip's nearest caption.
    const d = s.model.arch.hiddenSize;
    const pack = (seqs: typeof audio) => packBatch(seqs, { padId: s.padId, audioTokens: (f) => s.model.engine.audioTokens(f), nMels: s.model.nMels, selectIds: [s.yes, s.no] });
    const A = l2Normalize((await s.model.engine.forward(pack(audio))).hidden, n, d).y;
    const T = l2Normalize((await s.model.engine.forward(pack(text))).hidden, n, d).y;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestScore = -Infinity;
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += A[i * d + c]! * T[j * d + c]!;
        if (dot > bestScore) [best, bestScore] = [j, dot];
      }
      if (best === i) correct++;
    }
    expect(correct / n).toBeGreaterThanOrEqual(0.9);

    // The yes/no head prefers Yes on matching pairs.
    const yesNo = (await s.model.engine.forward(pack([...match, ...mismatch]))).logits;
    let right = 0;
    for (let i = 0; i < 2 * n; i++) if ((yesNo[2 * i]! > yesNo[2 * i + 1]!) === i < n) right++;
    expect(right / (2 * n)).toBeGreaterThanOrEqual(0.75);
    s.model.close();
  });
});
