import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';
import { OnnxMllmBackbone, randomModel, writeModelDirectory } from '@aurola/backbone';

import { evaluateBackbone, evaluateEmbeddings, type EvalClip } from '../src/index.js';

const WORDS = ['dog', 'barks', 'rain', 'falls', 'car', 'passes', 'bell', 'rings', 'loud', 'soft'];

let backbone: OnnxMllmBackbone;
let clips: EvalClip[];

beforeAll(async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'aurola-eval-')), 'model');
  await writeModelDirectory(dir, randomModel({ seed: 7, words: WORDS }));
  backbone = await OnnxMllmBackbone.load(dir, { threads: 1 });
  const rng = makeRng('eval-clips');
  clips = Array.from({ length: 7 }, (_, i) => ({
    audio: new Float32Array(4000 + 800 * i).map(() => (rng() - 0.5) * 0.4),
    captions: Array.from({ length: 1 + (i % 3) }, () => Array.from({ length: 2 + Math.floor(rng() * 3) }, () => WORDS[Math.floor(rng() * WORDS.length)]).join(' ')),
  }));
});

afterAll(async () => backbone?.close());

describe('evaluateBackbone', () => {
  it('ranks as evaluateEmbeddings does on the backbone embeddings of every clip and caption', async () => {
    const result = await evaluateBackbone(backbone, clips, { batch: 3 });
    const captions = clips.flatMap((c) => c.captions);
    const audio = await backbone.embedAudio(clips.map((c) => c.audio));
    const text = await backbone.embedText(captions);
    const expected = evaluateEmbeddings(audio, text, clips.flatMap((c, i) => c.captions.map(() => i)));
    expect(result.clips).toBe(clips.length);
    expect(result.captions).toBe(captions.length);
    for (const dir of ['t2a', 'a2t'] as const) {
      expect(result.plain[dir].r1).toBeCloseTo(expected[dir].r1, 10);
      expect(result.plain[dir].r5).toBeCloseTo(expected[dir].r5, 10);
      expect(result.plain[dir].mAP10).toBeCloseTo(expected[dir].mAP10, 6);
    }
    expect(result.reranked).toBeUndefined();
  });

  it('re-ranks the top K by p(Yes): α 0 changes nothing; a huge α, and the judge-alone figures, order the top K by p(Yes) alone', async () => {
    const k = 3;
    const none = await evaluateBackbone(backbone, clips, { rerankK: k, alpha: { t2a: 0, a2t: 0 } });
    expect(none.reranked!.t2a).toEqual(none.plain.t2a);
    expect(none.reranked!.a2t).toEqual(none.plain.a2t);

    const progress: [number, number][] = [];
    // batch 1: the pairs are judged 8 at a time, so the reference below also checks that chunking changes nothing.
    const judged = await evaluateBackbone(backbone, clips, { rerankK: k, alpha: { t2a: 1e6, a2t: 1e6 }, batch: 1, onJudgeProgress: (done, total) => progress.push([done, total]) });
    const pairs = k * (clips.length + clips.reduce((n, c) => n + c.captions.length, 0));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toEqual([pairs, pairs]);
    progress.forEach(([done], i) => expect(done).toBeGreaterThan(i > 0 ? progress[i - 1]![0] : 0));
    // Reference for T2A R@1: per caption, its top K clips by similarity, then the one with the highest p(Yes),
    // each scored by its own scorePairs call.
    const captions = clips.flatMap((c) => c.captions);
    const owner = clips.flatMap((c, i) => c.captions.map(() => i));
    const audio = await backbone.embedAudio(clips.map((c) => c.audio));
    const text = await backbone.embedText(captions);
    const d = backbone.dim;
    let hits = 0;
    for (let q = 0; q < captions.length; q++) {
      const sims = clips.map((_, j) => {
        let s = 0;
        for (let x = 0; x < d; x++) s += (text.data[q * d + x] as number) * (audio.data[j * d + x] as number);
        return { j, s };
      });
      const top = sims.sort((a, b) => b.s - a.s || a.j - b.j).slice(0, k);
      const pYes = await backbone.scorePairs(top.map(({ j }) => ({ text: captions[q]!, audio: clips[j]!.audio })), 't2a');
      const best = top.map((t, i) => ({ j: t.j, p: pYes[i]! })).sort((a, b) => b.p - a.p)[0]!.j;
      if (best === owner[q]) hits++;
    }
    expect(judged.reranked!.t2a.r1).toBeCloseTo(hits / captions.length, 10);
    // Every re-ranked evaluation reports the judge alone too, whatever its own α.
    expect(none.reranked!.judgeAlone.t2a.r1).toBeCloseTo(hits / captions.length, 10);
    expect(none.reranked!.judgeAlone.a2t).toEqual(judged.reranked!.a2t);
    expect(judged.reranked!.k).toBe(k);
  });

  it('refuses fewer than two clips and clips without captions', async () => {
    await expect(evaluateBackbone(backbone, clips.slice(0, 1))).rejects.toThrow(/at least 2 clips/);
    await expect(evaluateBackbone(backbone, [clips[0]!, { audio: clips[1]!.audio, captions: [] }])).rejects.toThrow(/clip 1 has no caption/);
  });
});
