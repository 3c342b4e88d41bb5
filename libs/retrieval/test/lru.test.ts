import { describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';

import { Lru } from '../src/lru.js';

describe('Lru', () => {
  it('keeps the most recently used entries, as a list ordered by last use does', () => {
    const rng = makeRng('lru');
    const capacity = 5;
    const lru = new Lru<number, string>(capacity);
    let recent: number[] = []; // the reference: keys by last use, newest last
    for (let step = 0; step < 2000; step++) {
      const key = Math.floor(rng() * 12);
      if (rng() < 0.5) {
        const expected = recent.includes(key) ? `v${key}` : undefined;
        expect(lru.get(key)).toBe(expected);
        if (expected) recent = [...recent.filter((k) => k !== key), key];
      } else {
        lru.set(key, `v${key}`);
        recent = [...recent.filter((k) => k !== key), key].slice(-capacity);
      }
      expect(lru.size).toBe(recent.length);
    }
  });

  it('holds nothing at capacity 0 and refuses a bad capacity', () => {
    const lru = new Lru<string, number>(0);
    lru.set('a', 1);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(0);
    expect(() => new Lru(-1)).toThrow(/non-negative integer, got -1/);
    expect(() => new Lru(1.5)).toThrow(/got 1.5/);
  });
});
