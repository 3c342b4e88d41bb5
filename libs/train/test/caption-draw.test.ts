import { describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';

import { CAPTION_DRAWS, drawCaption, type CorpusClip } from '../src/index.js';

const clip: CorpusClip = {
  id: 'c',
  audio: '/audio/c.wav',
  captions: ['a long description of a dog barking twice', 'a dog barks', 'dog, bark'],
  group: 7,
  source: 's',
  firstTag: 'dog',
};

describe('drawCaption', () => {
  it('multi draws the three granularities about uniformly, the group only with the tags', () => {
    const rng = makeRng('multi');
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const { caption, group } = drawCaption(rng, clip, 'multi');
      counts.set(caption, (counts.get(caption) ?? 0) + 1);
      expect(group).toBe(caption === clip.captions[2] ? 7 : -1);
    }
    expect([...counts.keys()].sort()).toEqual([...clip.captions].sort());
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(120); // ≈ 4.5 standard deviations
  });

  it('a named granularity is always that caption, grouped only when it is the tags', () => {
    const named = { long: 0, short: 1, tags: 2 } as const;
    for (const [draw, index] of Object.entries(named) as [keyof typeof named, number][]) {
      const rng = makeRng(draw);
      for (let i = 0; i < 50; i++) expect(drawCaption(rng, clip, draw)).toEqual({ caption: clip.captions[index], group: draw === 'tags' ? 7 : -1 });
    }
  });

  it('takes the same draws from the generator whatever the setting, so every setting sees the same batches', () => {
    const after = CAPTION_DRAWS.map((draw) => {
      const rng = makeRng('same stream');
      for (let i = 0; i < 10; i++) drawCaption(rng, clip, draw);
      return rng();
    });
    expect(new Set(after).size).toBe(1);
  });
});
