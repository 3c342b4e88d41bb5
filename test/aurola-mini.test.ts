// The committed default model, checked the way users meet it: a valid model directory within the size budget, and
// on the demo library (indexed by `aurola index add` as `npm start` does) it finds each clip from its captions and
// each clip's captions from the clip far above chance, through the real index.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { OnnxMllmBackbone } from '@aurola/backbone';
import { ClipIndex } from '@aurola/index';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modelDir = join(root, 'models', 'aurola-mini');
const work = mkdtempSync(join(tmpdir(), 'aurola-mini-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sizeOf = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? sizeOf(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);

describe('models/aurola-mini', () => {
  it('is a model directory of the contract, under 50 MB, carrying the re-ranking α chosen on validation', async () => {
    expect(sizeOf(modelDir)).toBeLessThan(50 * 1024 * 1024);
    const backbone = await OnnxMllmBackbone.load(modelDir, { threads: 2 });
    try {
      expect(backbone.name).toBe('aurola-mini');
      expect(backbone.config.rerank).toBeDefined();
      const e = await backbone.embedText(['a deep kick drum', 'a tabla stroke']);
      expect(e.rows).toBe(2);
    } finally {
      await backbone.close();
    }
  });

  it('retrieves the demo library far above chance in both directions', async () => {
    const indexDir = join(work, 'index');
    execFileSync(process.execPath, ['--conditions=aurola-source', '--import', 'tsx', join(root, 'apps/index/src/cli.ts'), 'add', join(root, 'demo/library'), '--index', indexDir, '--model', modelDir], { cwd: root, stdio: 'ignore' });
    const index = ClipIndex.open(indexDir);
    const backbone = await OnnxMllmBackbone.load(modelDir, { threads: 2 });
    try {
      const ids = index.ids();
      const n = ids.length;
      expect(n).toBeGreaterThan(100);
      const d = index.dim;
      // A2T: each clip's vector against every caption of the library; a hit when one of its own is in the top 10.
      const clipVectors = new Float32Array(n * d);
      ids.forEach((id, i) => clipVectors.set(index.vector(id)!, i * d));
      const captionHits = await index.searchCaptions({ data: clipVectors, rows: n }, { k: 10 });
      const a2t = captionHits.filter((hits, i) => hits.some((h) => h.clipId === ids[i])).length / n;
      // T2A: each clip's first caption, embedded, against every clip; a hit when the clip is in the top 10.
      const captions = ids.map((id) => index.get(id)!.captions[0]!);
      const text = await backbone.embedText(captions);
      const clipHits = await index.search({ data: text.data as Float32Array, rows: n }, { k: 10 });
      const t2a = clipHits.filter((hits, i) => hits.some((h) => h.id === ids[i])).length / n;
      const captionsInAll = ids.reduce((s, id) => s + index.get(id)!.captions.length, 0);
      const chanceA2T = (10 * (captionsInAll / n)) / captionsInAll;
      const chanceT2A = 10 / n;
      console.log(`aurola-mini on the demo library (${n} clips): A2T R@10 ${(100 * a2t).toFixed(1)} % (chance ${(100 * chanceA2T).toFixed(1)} %), T2A R@10 ${(100 * t2a).toFixed(1)} % (chance ${(100 * chanceT2A).toFixed(1)} %)`);
      expect(a2t).toBeGreaterThan(3 * chanceA2T);
      expect(t2a).toBeGreaterThan(3 * chanceT2A);
    } finally {
      index.close();
      await backbone.close();
    }
  });
});
