import { describe, expect, it } from 'vitest';

import { EngineModel } from '@aurola/kernels';

import { MINI_ARCH, SMALL_ARCH } from '../src/presets.js';

/** Parameters of aurola's architecture, counted from its definition. */
function countParams(a: ReturnType<typeof MINI_ARCH>, nMels: number): number {
  const d = a.hiddenSize;
  const layer = 2 * d + 4 * d * d + 3 * d * a.intermediateSize;
  let audio = 0;
  let channels = nMels;
  for (const c of a.audioConvs) {
    audio += c.channels * channels * c.kernel + c.channels;
    channels = c.channels;
  }
  audio += channels * d + d;
  return a.vocabSize * d + a.numLayers * layer + d + audio;
}

describe('presets', () => {
  it('mini has 5–8 M parameters and small about four times that, as the engine builds them', () => {
    const vocab = 3000 + Math.floor(Math.random() * 2000);
    const mini = new EngineModel({ ...MINI_ARCH(vocab), nMels: 80 }, 1);
    const small = new EngineModel({ ...SMALL_ARCH(vocab), nMels: 80 }, 1);
    expect(mini.numParams).toBe(countParams(MINI_ARCH(vocab), 80));
    expect(small.numParams).toBe(countParams(SMALL_ARCH(vocab), 80));
    expect(mini.numParams).toBeGreaterThan(5e6);
    expect(mini.numParams).toBeLessThan(8e6);
    expect(small.numParams / mini.numParams).toBeGreaterThan(3);
    expect(small.numParams / mini.numParams).toBeLessThan(5);
    mini.close();
    small.close();
  });
});
