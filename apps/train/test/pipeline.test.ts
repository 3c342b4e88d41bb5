// The miniature of the whole pipeline that CI runs: a small synthetic sound library → data build → stage 1 →
// stage 2 → re-ranker → evaluation → exported model directory, served by the ONNX runner. Recall must rise well
// above chance. Six kinds of sound (tones, noise bands, click trains, sweeps), each in its own folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { encodeWav } from '@aurola/audio';
import { OnnxMllmBackbone } from '@aurola/backbone';
import { defaultRunConfig, runTraining } from '@aurola/train';

import { runDataBuild } from '../src/data/build.js';

const SR = 16000;
const root = mkdtempSync(join(tmpdir(), 'aurola-pipeline-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KINDS: Record<string, (t: number, i: number) => number> = {
  bell: (t) => 0.4 * Math.sin(2 * Math.PI * 880 * t) * Math.exp(-3 * t),
  hum: (t) => 0.3 * Math.sin(2 * Math.PI * 110 * t),
  rain: () => 0.2 * (Math.random() - 0.5),
  drum: (t) => ((t * 4) % 1 < 0.05 ? 0.8 * (Math.random() - 0.5) : 0),
  whistle: (t) => 0.3 * Math.sin(2 * Math.PI * (2000 + 1000 * t) * t),
  engine: (t) => 0.3 * Math.sign(Math.sin(2 * Math.PI * 60 * t)) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t)),
};

describe('the whole pipeline in miniature', () => {
  it('builds a corpus, trains all stages, and retrieves well above chance', async () => {
    const library = join(root, 'library');
    for (const [kind, wave] of Object.entries(KINDS)) {
      mkdirSync(join(library, kind), { recursive: true });
      for (let n = 0; n < 14; n++) {
        const seconds = 0.6 + Math.random() * 1.2;
        const x = Float32Array.from({ length: Math.round(seconds * SR) }, (_, i) => wave(i / SR, i) * (0.7 + 0.3 * Math.random()));
        writeFileSync(join(library, kind, `${kind}_${n + 1}.wav`), encodeWav([x], SR));
      }
    }
    const corpus = join(root, 'corpus');
    await runDataBuild({
      outDir: corpus,
      sources: [],
      folders: [{ path: library, license: 'CC0-1.0' }],
      workers: 2,
      seed: 3,
      targets: { train: 120, validation: 24, test: 24 },
      heldOutShare: 0,
      tagClusters: 6,
      log: () => {},
    });

    const config = defaultRunConfig(join(corpus, 'manifest.jsonl'));
    config.model = { ...config.model, preset: 'tiny', maxWords: 400, nMels: 40, maxDurationS: 4 };
    config.threads = 2;
    config.text = { ...config.text, steps: 20, batchPairs: 16, lr: 2e-3, warmupSteps: 2 };
    config.retrieval = { ...config.retrieval, steps: 120, batchPairs: 24, lr: 2e-3, warmupSteps: 10, tau: 0.1 };
    config.rerank = { ...config.rerank, steps: 30, batchPairs: 8, lr: 1e-3, warmupSteps: 3 };
    config.eval = { rerankK: 5, alphaGrid: [0, 0.1, 0.3, 1], maxClips: 24, validationClips: 24 };
    const result = await runTraining(config, join(root, 'run'));

    // Chance R@1 is 1/24 for T2A; a learned model must be far above it.
    expect(result.test.t2a.r1).toBeGreaterThan(4 * result.test.t2a.chanceR1);
    expect(result.test.a2t.r5).toBeGreaterThan(3 * 5 * result.test.a2t.chanceR1);
    expect(result.rerank).toBeDefined();
    expect(result.rerank!.test.reranked.t2a.r1).toBeGreaterThan(3 * result.test.t2a.chanceR1);

    // The exported directory is a working model for the runtime, carrying the α chosen on validation.
    const backbone = await OnnxMllmBackbone.load(result.modelDir, { threads: 1 });
    expect(backbone.config.rerank).toEqual({ alphaT2A: result.rerank!.alpha.t2a, alphaA2T: result.rerank!.alpha.a2t });
    const e = await backbone.embedText(['a bell rings', 'a low hum']);
    expect(e.rows).toBe(2);
    await backbone.close();
  });
});
