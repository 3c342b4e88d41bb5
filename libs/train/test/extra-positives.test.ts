import { describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';

import { extraPositiveShare } from '../src/index.js';

// The definition itself, pair by pair: i has an extra positive when some j ≠ i shares its non-negative group.
function bruteForceShare(groups: readonly number[]): number {
  let count = 0;
  groups.forEach((g, i) => {
    if (g >= 0 && groups.some((h, j) => j !== i && h === g)) count++;
  });
  return groups.length === 0 ? 0 : count / groups.length;
}

describe('extraPositiveShare', () => {
  it('matches a pair-by-pair count on random batches', () => {
    const rng = makeRng('extra-positives');
    for (let trial = 0; trial < 200; trial++) {
      const B = 1 + Math.floor(rng() * 80);
      const groupCount = 1 + Math.floor(rng() * 40);
      const groups = Array.from({ length: B }, () => (rng() < 0.4 ? -1 : Math.floor(rng() * groupCount)));
      expect(extraPositiveShare(groups)).toBeCloseTo(bruteForceShare(groups), 12);
    }
  });

  it('counts no-group samples as never positive, even when several share −1', () => {
    expect(extraPositiveShare([-1, -1, -1])).toBe(0);
    expect(extraPositiveShare([3, -1, 3, 5])).toBe(0.5);
    expect(extraPositiveShare([])).toBe(0);
  });
});
