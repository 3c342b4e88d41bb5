import { describe, expect, it } from 'vitest';

import { learningRate } from '../src/schedule.js';

describe('learningRate', () => {
  it('warms up linearly, then follows a half cosine down to minLr', () => {
    const lr = 1e-3 * (1 + Math.random());
    const s = { lr, warmupSteps: 10, totalSteps: 110, minLr: 1e-5 };
    expect(learningRate(s, 1)).toBeCloseTo(lr / 10, 12);
    expect(learningRate(s, 10)).toBeCloseTo(lr, 12);
    expect(learningRate(s, 60)).toBeCloseTo(1e-5 + (lr - 1e-5) / 2, 12); // half way through the decay
    expect(learningRate(s, 110)).toBeCloseTo(1e-5, 12);
    expect(learningRate(s, 500)).toBeCloseTo(1e-5, 12);
    for (let t = 11; t < 110; t++) expect(learningRate(s, t + 1)).toBeLessThan(learningRate(s, t));
  });

  it('rejects a bad schedule or step by name', () => {
    expect(() => learningRate({ lr: 0, warmupSteps: 1, totalSteps: 2 }, 1)).toThrow(/schedule.lr/);
    expect(() => learningRate({ lr: 1, warmupSteps: 1, totalSteps: 2 }, 0)).toThrow(/step/);
  });
});
