// The rule captioner over a grid of clips (labels × measured profiles × seeds): determinism, variety, and the
// rules every caption keeps — it names the sound, quotes speech exactly, reads as English (capitals, full stops,
// a/an, single spaces) and stays within its length limits.
import { describe, expect, it } from 'vitest';

import {
  CAPTION_LIMITS,
  describeInWords,
  hypernymsOf,
  makeRng,
  RuleCaptioner,
  tagsFromLabels,
  type AcousticDescriptors,
  type CaptionInput,
  type Captions,
} from '../src/annotate/index.js';
import { wordCount } from '../src/annotate/english.js';
import { makeScene, Writer } from '../src/annotate/scene.js';
import {
  LONG_TEMPLATES,
  SHORT_TEMPLATES,
  SPEECH_LONG_TEMPLATES,
  SPEECH_SHORT_TEMPLATES,
  type Template,
} from '../src/annotate/templates.js';

import { PLAIN_DESCRIPTORS } from './helpers.js';

const base = PLAIN_DESCRIPTORS;

const profile = (d: Partial<AcousticDescriptors>): AcousticDescriptors => ({ ...base, ...d });

/** Measured profiles covering every word of every aspect at least once. */
const PROFILES: Record<string, AcousticDescriptors> = {
  // a short, loud, bright, noisy single hit followed by silence
  hit: profile({
    durationS: 1.2, loudnessLufs: -12, spectralCentroidHz: 6000, voicedRatio: 0.05, spectralFlatness: 0.45,
    onsetCount: 1, onsetRate: 0.8, silenceRatio: 0.5,
  }),
  // a long, held, low, muffled note
  note: profile({
    durationS: 6, pitchHz: 164.8, voicedRatio: 0.9, spectralCentroidHz: 900, spectralFlatness: 0.02, silenceRatio: 0.02,
    onsetCount: 1,
  }),
  // a very loud, regular beat
  beat: profile({
    durationS: 8, loudnessLufs: -8, onsetCount: 32, onsetRate: 4, onsetIntervalCv: 0.05, silenceRatio: 0,
    spectralCentroidHz: 2500,
  }),
  // three quiet, high, tonal calls with pauses
  calls: profile({
    durationS: 2.5, loudnessLufs: -33, onsetCount: 3, onsetRate: 1.2, pitchHz: 2400, voicedRatio: 0.8,
    spectralCentroidHz: 4200, silenceRatio: 0.45, spectralFlatness: 0.05,
  }),
  plain: base,
  // a very short, faint, dark blip
  blip: profile({
    durationS: 0.12, loudnessLufs: -50, rmsDb: -52, spectralCentroidHz: 300, onsetCount: 1, onsetRate: 8,
    silenceRatio: 0.1,
  }),
  // a very long, continuous, noisy wash
  wash: profile({
    durationS: 40, loudnessLufs: -16, spectralCentroidHz: 3000, voicedRatio: 0, spectralFlatness: 0.5, onsetCount: 60,
    onsetRate: 1.5, silenceRatio: 0.01,
  }),
  // everything just past a threshold: unconfident words
  near: profile({
    durationS: 1.49, loudnessLufs: -17.9, spectralCentroidHz: 3550, pitchHz: 445, voicedRatio: 0.52,
    onsetCount: 2, onsetRate: 1.3, silenceRatio: 0.31,
  }),
};

/** Label sets: instruments, loops, animals, people, textures, alerts, plurals, uncountables, nothing at all. */
const LABELS: string[][] = [
  ['drum_cymbal_open'], ['guit_em9'], ['loop_amen_full'], ['sounds/animals/dog_bark.wav'], ['misc_burp'],
  ['ambi_lunar_land'], ['Bird Tweet'], ['elec_blip2'], ['Applause'], ['dialog-warning.oga'], ['maracas'],
  ['drum_tom_hi_hard'], [], ['hihat-closed'], ['Rain'], ['church_bells'], ['Tubular Bells'], ['strings'],
  ['water drip'], ['door creak'], ['phone-incoming-call'], ['Choir Aahs'], ['Helicopter'], ['sn_dolf'],
  ['bd_zome', 'upright piano'], ['Acoustic Guitar (nylon)'], ['vinyl_hiss'], ['woman coughing'],
];

const SPEECH: { labels: string[]; transcript: string }[] = [
  { labels: ['voice prompt', 'woman'], transcript: 'Please hold while I try that extension.' },
  { labels: ['voice prompt'], transcript: 'Goodbye.' },
  { labels: ['man'], transcript: 'Are you still there?' },
  {
    labels: ['digits/1'],
    transcript:
      'The person at extension 1 2 3 4 is on the phone; please leave a message after the tone, and press pound.',
  },
];

const captioner = new RuleCaptioner();
const caption = (input: CaptionInput, seed: number | string): Captions => captioner.caption(input, makeRng(seed));
const inputFor = (labels: string[], profile: AcousticDescriptors, transcript?: string): CaptionInput => ({
  tags: tagsFromLabels(labels),
  words: describeInWords(profile),
  source: 'test',
  ...(transcript !== undefined ? { transcript } : {}),
});

/** Every (input, seed) pair of the grid, speech included. */
function* grid(seeds = 12): Generator<{ input: CaptionInput; seed: number; name: string }> {
  for (const [p, profile] of Object.entries(PROFILES)) {
    for (const labels of LABELS) {
      for (let seed = 0; seed < seeds; seed++) {
        yield { input: inputFor(labels, profile), seed, name: `${labels}/${p}/${seed}` };
      }
    }
    for (const { labels, transcript } of SPEECH) {
      for (let seed = 0; seed < seeds; seed++) {
        yield { input: inputFor(labels, profile, transcript), seed, name: `${labels}/${p}/${seed}` };
      }
    }
  }
}

// Vowel letters read as consonants and silent h, in words captions can contain; a/an is checked independently of
// the captioner's own rule.
const A_BEFORE_VOWEL = /^(one|once|uni|use|usu|eu)/;
const AN_BEFORE_CONSONANT = /^(hour|honest|f#|fm|mp3|8|11|18)/;

/** The problems of a caption as English: spaces, punctuation, articles. */
function englishProblems(text: string): string[] {
  const problems: string[] = [];
  if (/\s{2,}/.test(text)) problems.push('double space');
  if (text !== text.trim()) problems.push('outer space');
  if (/\s[,.;:!?]/.test(text)) problems.push('space before punctuation');
  if (/[,;:]\s*[,.;:]/.test(text) || /\.\./.test(text)) problems.push('doubled punctuation');
  if (/\b(a|an|the) (a|an|the)\b/i.test(text)) problems.push('doubled article');
  if (/\b(\w+) \1\b/i.test(text.replace(/"[^"]*"/g, 'Q'))) problems.push('doubled word');
  for (const [, article, next] of text.replace(/"[^"]*"/g, 'Q').matchAll(/\b(a|an) ([\w#'-]+)/gi)) {
    const word = next!.toLowerCase();
    const vowel = /^[aeiou]/.test(word);
    const expected = vowel ? (A_BEFORE_VOWEL.test(word) ? 'a' : 'an') : AN_BEFORE_CONSONANT.test(word) ? 'an' : 'a';
    if (article!.toLowerCase() !== expected) problems.push(`"${article} ${next}"`);
  }
  return problems;
}

/** Whether the text names one of the tags or one of their hypernyms. */
function namesTheSound(text: string, tags: string[]): boolean {
  const lower = text.toLowerCase();
  return tags.some((t) => lower.includes(t) || hypernymsOf(t).some((h) => lower.includes(h)));
}

/** Words that say something about a sound's timing, and about its character. */
const TIMING_WORDS = new RegExp(
  '\\b(seconds?|once|twice|times|single|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|' +
    'rhythm\\w*|repeat\\w*|again|pauses?|silen\\w+|break|pace|briefly|in time|throughout)\\b',
  'i',
);
const CHARACTER_WORDS = new RegExp(
  '\\b(loud\\w*|quiet\\w*|faint\\w*|volume|audible|bright|dark|deep|muffled|tonal|noisy|pitch\\w*|register|' +
    'tone|texture|attack|sharp\\w*|decays?|fades?|lingers|held|holds|evenly|sustained)\\b',
  'i',
);

/** Words of a long description, a quotation counting as one. */
const longWords = (text: string) => wordCount(text.replace(/"[^"]*"/g, 'Q'));
const sentences = (text: string) => (text.replace(/"[^"]*"/g, 'Q').match(/[.!?](\s|$)/g) ?? []).length;

/** A structural signature: the opening of the first sentence with content words masked. */
const FUNCTION_WORDS = new Set(
  ('the of with and then is are it its in on for at by as from to that this there here you we what some ' +
    'someone').split(' '),
);
function structure(text: string): string {
  const first = text.replace(/"[^"]*"/g, ' Q ').split(/(?<=[.;])\s/)[0]!.toLowerCase();
  const tokens = first.match(/[a-z'-]+|[,.;:—]/g)!.map((t) => (FUNCTION_WORDS.has(t) || /^\W$/.test(t) ? t : 'w'));
  return tokens.join(' ').replace(/\bw( w)+/g, 'w').split(' ').slice(0, 4).join(' ');
}

describe('RuleCaptioner', () => {
  const cymbal = inputFor(['drum_cymbal_open'], PROFILES.hit!);

  it('is deterministic for a seed and varies across seeds', () => {
    expect(caption(cymbal, 5)).toEqual(caption(cymbal, 5));
    expect(caption(cymbal, 'clip-17')).toEqual(caption(cymbal, 'clip-17'));
    const longs = new Set(Array.from({ length: 20 }, (_, s) => caption(cymbal, s).captionLong));
    expect(longs.size).toBeGreaterThan(15);
  });

  it('writes long descriptions in many structures and short captions in many forms', () => {
    const dog = inputFor(['sounds/animals/dog_bark.wav'], PROFILES.calls!);
    for (const input of [cymbal, dog, inputFor(['guit_em9'], PROFILES.note!)]) {
      const outs = Array.from({ length: 200 }, (_, s) => caption(input, s));
      expect(new Set(outs.map((o) => structure(o.captionLong))).size).toBeGreaterThanOrEqual(15);
      expect(new Set(outs.map((o) => o.captionLong)).size).toBeGreaterThanOrEqual(150);
      expect(new Set(outs.map((o) => o.captionShort)).size).toBeGreaterThanOrEqual(15);
    }
  });

  it('keeps every rule on every clip of the grid', () => {
    const { long, short } = CAPTION_LIMITS;
    let checked = 0;
    for (const { input, seed, name } of grid()) {
      const out = caption(input, seed);
      const where = `${name}: ${JSON.stringify(out)}`;
      // tags: non-empty, deduplicated, the input's first
      expect(out.tags.length, where).toBeGreaterThan(0);
      expect(new Set(out.tags).size, where).toBe(out.tags.length);
      expect(out.tags.slice(0, input.tags.length), where).toEqual(input.tags);
      // long description
      expect(out.captionLong, where).toMatch(/^[A-Z]/);
      expect(out.captionLong, where).toMatch(/\.$/);
      expect(longWords(out.captionLong), where).toBeGreaterThanOrEqual(long.min);
      expect(longWords(out.captionLong), where).toBeLessThanOrEqual(long.max);
      expect(sentences(out.captionLong), where).toBeLessThanOrEqual(long.sentences);
      // short caption
      expect(out.captionShort, where).toMatch(/^["a-z]/);
      expect(out.captionShort, where).not.toMatch(/\.$/);
      expect(wordCount(out.captionShort), where).toBeGreaterThanOrEqual(short.min);
      expect(wordCount(out.captionShort), where).toBeLessThanOrEqual(short.max);
      // the long description says when or how often, and what the sound is like
      expect(out.captionLong, where).toMatch(TIMING_WORDS);
      expect(out.captionLong, where).toMatch(CHARACTER_WORDS);
      for (const text of [out.captionLong, out.captionShort]) {
        expect(englishProblems(text), where).toEqual([]);
        expect(namesTheSound(text, out.tags), where).toBe(true);
      }
      checked++;
    }
    expect(checked).toBe(Object.keys(PROFILES).length * (LABELS.length + SPEECH.length) * 12);
  });

  it('quotes speech exactly in long descriptions and by its first words in short captions', () => {
    for (const { labels, transcript } of SPEECH) {
      const quoted = transcript.replace(/\.$/, '');
      for (let seed = 0; seed < 30; seed++) {
        const out = caption(inputFor(labels, PROFILES.plain!, transcript), seed);
        expect(out.captionLong).toContain(`"${quoted}"`);
        const shortQuote = /"([^"]*)"/.exec(out.captionShort)?.[1];
        expect(shortQuote, out.captionShort).toBeDefined();
        expect(quoted.startsWith(shortQuote!.replace(/…$/, ''))).toBe(true);
        expect(out.tags).toEqual(expect.arrayContaining(['speech', 'voice']));
      }
    }
    const woman = caption(inputFor(['voice prompt', 'woman'], PROFILES.plain!, 'Goodbye.'), 3);
    expect(`${woman.captionLong} ${woman.captionShort}`).not.toMatch(/\bman\b/);
  });

  it('uses human captions when there are any', () => {
    const human = [
      'A dog barks twice in a quiet backyard while birds chirp somewhere in the distance.',
      'A dog barking',
    ];
    const out = caption({ ...inputFor(['dog_bark'], PROFILES.calls!), humanCaptions: human }, 1);
    expect(out.captionLong).toBe(human[0]);
    expect(out.captionShort).toBe('a dog barking');
    // one short human caption: completed into a long description; the short caption is written
    const one = caption({ ...inputFor(['dog_bark'], PROFILES.calls!), humanCaptions: ['dog barking'] }, 1);
    expect(one.captionLong.startsWith('Dog barking. ')).toBe(true);
    expect(longWords(one.captionLong)).toBeGreaterThanOrEqual(CAPTION_LIMITS.long.min);
    expect(one.captionShort).not.toBe('dog barking');
  });

  it('adds confident descriptor words to the tags, and names an unlabelled clip "sound"', () => {
    expect(caption(cymbal, 0).tags).toEqual([
      'cymbal', 'open cymbal', 'drum', 'percussion', 'bright', 'noisy', 'single-hit',
    ]);
    const unlabelled = caption(inputFor([], PROFILES.hit!), 0);
    expect(unlabelled.tags[0]).toBe('sound');
  });
});

describe('templates', () => {
  const scenes = LABELS.flatMap((labels) =>
    Object.values(PROFILES).map((p) => makeScene(tagsFromLabels(labels), describeInWords(p), undefined)),
  );
  const speechScenes = SPEECH.flatMap(({ labels, transcript }) =>
    Object.values(PROFILES).map((p) => makeScene(tagsFromLabels(labels), describeInWords(p), transcript)),
  );

  it('are many', () => {
    expect(LONG_TEMPLATES.length).toBeGreaterThanOrEqual(20);
    expect(SHORT_TEMPLATES.length).toBeGreaterThanOrEqual(10);
    expect(SPEECH_LONG_TEMPLATES.length).toBeGreaterThanOrEqual(8);
    expect(SPEECH_SHORT_TEMPLATES.length).toBeGreaterThanOrEqual(5);
  });

  const each = (templates: readonly Template[], on: typeof scenes, check: (text: string) => void) =>
    templates.forEach((template, i) => {
      let applied = 0;
      for (const [k, scene] of on.entries()) {
        const text = template(new Writer(scene, makeRng(`${i}/${k}`)));
        if (text === undefined) continue;
        applied++;
        check(text);
        expect(englishProblems(text), text).toEqual([]);
      }
      expect(applied, `template ${i} never applies`).toBeGreaterThan(0);
    });

  it('each apply to some clip and write clean sentences', () => {
    const longCheck = (text: string) => {
      expect(text).toMatch(/^[A-Z]/);
      expect(text).toMatch(/\.$/);
    };
    each(LONG_TEMPLATES, scenes, longCheck);
    each(SPEECH_LONG_TEMPLATES, speechScenes, longCheck);
    const shortCheck = (text: string) => expect(text).toMatch(/^["a-z]/);
    each(SHORT_TEMPLATES, scenes, shortCheck);
    each(SPEECH_SHORT_TEMPLATES, speechScenes, shortCheck);
  });
});
