// The grammar captions rely on: a/an, plurals and singulars, number words, and the seeded generator.
import { describe, expect, it } from 'vitest';

import {
  counted,
  indefiniteArticle,
  isMass,
  isPlural,
  listJoin,
  pluralize,
  singularCandidates,
  withArticle,
  wordCount,
} from '../src/annotate/english.js';
import { makeRng, pick, shuffle } from '../src/annotate/rng.js';

describe('articles', () => {
  it.each([
    ['open cymbal', 'an'],
    ['bell', 'a'],
    ['hi-hat', 'a'],
    ['electronic blip', 'an'],
    ['upright piano', 'an'],
    ['unusual hum', 'an'],
    ['unit', 'a'],
    ['ukulele', 'a'],
    ['European siren', 'a'],
    ['one-shot', 'a'],
    ['hour', 'an'],
    ['honest voice', 'an'],
    ['FM synth', 'an'],
    ['MP3', 'an'],
    ['DJ scratch', 'a'],
    ['UFO', 'a'],
    ['F#4 note', 'an'],
    ['A4 note', 'an'],
    ['C4 note', 'a'],
    ['808 kick', 'an'],
    ['11-second drone', 'an'],
    ['18000 Hz tone', 'an'],
    ['180 Hz hum', 'a'],
    ['1 kHz tone', 'a'],
  ])('%s takes "%s"', (phrase, article) => {
    expect(indefiniteArticle(phrase)).toBe(article);
    expect(withArticle(phrase)).toBe(`${article} ${phrase}`);
  });
});

describe('number', () => {
  it('pluralizes the last word of a phrase', () => {
    expect(pluralize('open cymbal')).toBe('open cymbals');
    expect(pluralize('hi-hat')).toBe('hi-hats');
    expect(pluralize('glass')).toBe('glasses');
    expect(pluralize('synth bass')).toBe('synth basses');
    expect(pluralize('crash')).toBe('crashes');
    expect(pluralize('buzz')).toBe('buzzes');
    expect(pluralize('melody')).toBe('melodies');
    expect(pluralize('key')).toBe('keys');
    expect(pluralize('woman')).toBe('women');
    expect(pluralize('maracas')).toBe('maracas');
    expect(pluralize('guitar harmonics')).toBe('guitar harmonics');
    expect(pluralize('rain')).toBe('rain');
  });

  it('proposes singulars, most likely first', () => {
    expect(singularCandidates('bells')[0]).toBe('bell');
    expect(singularCandidates('melodies')[0]).toBe('melody');
    expect(singularCandidates('echoes')).toContain('echo');
    expect(singularCandidates('crashes')[0]).toBe('crash');
    expect(singularCandidates('chimes')).toContain('chime');
    expect(singularCandidates('glasses')[0]).toBe('glass');
    expect(singularCandidates('women')).toEqual(['woman']);
    expect(singularCandidates('bass')).toEqual(['bass']);
    expect(singularCandidates('hiss')).toEqual(['hiss']);
    expect(singularCandidates('chorus')).toEqual(['chorus']);
    expect(singularCandidates('maracas')).toEqual(['maracas']);
  });

  it('knows plural and uncountable names', () => {
    expect(isPlural('maracas')).toBe(true);
    expect(isPlural('guitar harmonics')).toBe(true);
    expect(isPlural('bass')).toBe(false);
    expect(isPlural('sheep')).toBe(false);
    expect(isMass('rain')).toBe(true);
    expect(isMass('white noise')).toBe(true);
    expect(isMass('bell')).toBe(false);
  });

  it('counts and lists', () => {
    expect(counted(1, 'hit')).toBe('one hit');
    expect(counted(3, 'hit')).toBe('three hits');
    expect(counted(25, 'beep')).toBe('25 beeps');
    expect(listJoin(['bright'])).toBe('bright');
    expect(listJoin(['bright', 'noisy'])).toBe('bright and noisy');
    expect(listJoin(['a', 'b', 'c'])).toBe('a, b and c');
    expect(wordCount('  A dog — barks, twice.  ')).toBe(4);
  });
});

describe('makeRng', () => {
  it('is deterministic per seed, and numbers and their strings are the same seed', () => {
    const draw = (seed: number | string) => Array.from({ length: 5 }, makeRng(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).toEqual(draw('42'));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw('clip-a')).not.toEqual(draw('clip-b'));
  });

  it('draws uniformly from [0, 1)', () => {
    const rng = makeRng('uniform');
    const bins = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng();
      if (x < 0 || x >= 1) outside++;
      else bins[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });

  it('picks and shuffles without losing items', () => {
    const rng = makeRng(7);
    expect(['x', 'y', 'z']).toContain(pick(rng, ['x', 'y', 'z']));
    expect(() => pick(rng, [])).toThrow(RangeError);
    expect(shuffle(rng, [1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
