import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { encodeWav, LogMelExtractor, parseLogMelConfig } from '@aurola/audio';

import { FeatureCache } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'aurola-features-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const spec = { sampleRate: 16000, nFft: 400, hopLength: 160, nMels: 20, maxDurationS: 2 };

describe('FeatureCache.ofAll', () => {
  it('gives each clip its own features in the order asked, the same as of(), and names a file it cannot read', async () => {
    const paths = [0.3, 0.5, 0.7].map((seconds, i) => {
      const samples = Float32Array.from({ length: Math.round(seconds * 16000) }, () => (Math.random() - 0.5) * 0.5);
      const path = join(root, `${i}.wav`);
      writeFileSync(path, encodeWav([samples], 16000));
      return path;
    });
    const cache = new FeatureCache(new LogMelExtractor(parseLogMelConfig(spec)), spec.maxDurationS);
    const order = [2, 0, 1, 0];
    const all = await cache.ofAll(order.map((i) => paths[i]!));
    // Clip lengths differ, so a clip's features in the wrong place would show in the frame count.
    const [f0, f1, f2, f3] = all.map((f) => f.frames) as [number, number, number, number];
    expect(f0 > f2 && f2 > f1 && f1 === f3).toBe(true);
    const fresh = new FeatureCache(new LogMelExtractor(parseLogMelConfig(spec)), spec.maxDurationS);
    for (const [k, i] of order.entries()) expect(Array.from(all[k]!.data)).toEqual(Array.from((await fresh.of(paths[i]!)).data));
    await expect(cache.ofAll([paths[0]!, join(root, 'missing.wav')])).rejects.toThrow(/missing\.wav/);
  });
});
