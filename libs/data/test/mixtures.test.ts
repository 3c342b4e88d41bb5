// Mixtures: plans (determinism, the rules of each kind, weights, even use of the base clips, one split), rendering
// (offsets, levels, loudness, never clipping) and the composed records (captions that name every part in limits,
// counts and levels said right, many phrasings, tags, licences and recordings as unions, splits kept sound).
// Base clips are drawn at random here; every expectation is computed from the inputs, not copied from outputs.
import { integratedLoudness } from '@aurola/audio';
import { describe, expect, it } from 'vitest';

import { makeRng, pick, type Rng } from '../src/annotate/rng.js';
import type { ClipRecord, Split } from '../src/manifest.js';
import {
  MIXTURE_CAPTION_LIMITS,
  MIXTURE_KINDS,
  MIXTURE_PHRASING_COUNTS,
  mixtureRecord,
  planMixtures,
  renderMixture,
  type MixtureKind,
  type MixturePlan,
} from '../src/mixtures/index.js';
import { assignSplits, checkSplitInvariant } from '../src/splits/index.js';

// ---------------------------------------------------------------------------------------------------------------
// Random base clips

interface Category {
  tags: string[];
  /** Short captions: some name the first tag, some do not; some long enough that two of them exceed 10 words. */
  shorts: string[];
  /** Long captions as sentence lists; the first sentence is what a mixture may quote. */
  longs: string[][];
}

// Only the claps' captions count, and none says "again", "once more" or "dB", so that counts and levels in
// mixture captions are the mixtures'.
const CATEGORIES: Category[] = [
  {
    tags: ['dog bark', 'dog', 'animal'],
    shorts: ['a dog bark', 'a dog barking loudly in a yard outside', 'a hound barks at something'],
    longs: [
      ['A dog barks in a yard, sounding agitated.', 'Its voice is rough.'],
      ['Somewhere outside, a large dog is barking at a passer-by.'],
    ],
  },
  {
    tags: ['church bell', 'bell', 'percussion'],
    shorts: ['a church bell rings', 'bells ring out from a distant tower'],
    longs: [['A church bell rings slowly, and the tone hangs in the air.', 'The hall echoes.']],
  },
  {
    tags: ['rain', 'water', 'weather'],
    shorts: ['rain', 'steady rain falling on a tin roof at night', 'a shower of rain'],
    longs: [
      ['Rain falls steadily on a roof.', 'The sound is soft and even.'],
      ['Heavy rain pours down outside a window.'],
    ],
  },
  {
    tags: ['car horn', 'car', 'vehicle'],
    shorts: ['a car horn honks', 'an impatient driver sounds the horn of a car'],
    longs: [['A car horn honks in a busy street.', 'Traffic passes by.']],
  },
  {
    tags: ['applause', 'crowd'],
    shorts: ['applause', 'a crowd claps and cheers at the end of a show'],
    longs: [['An audience applauds warmly after a performance.', 'Some people whistle.']],
  },
  {
    tags: ['snare drum', 'drum', 'percussion'],
    shorts: ['a snare drum roll', 'someone plays a crisp roll on a snare drum'],
    longs: [['Someone plays a crisp roll on a snare drum.', 'The hits are bright.']],
  },
  {
    tags: ['speech', 'voice'],
    shorts: ['a man says "Good Morning, Anna"', 'speech: "Where Is The Station?"'],
    longs: [
      ['A man says "Good Morning, Anna. How Are You?" in a calm voice.', 'The room is quiet.'],
      ['"Where Is The Station?" asks a woman politely.', 'Her voice is clear.'],
      ['A woman reads "Stop. Look. Listen." aloud.'],
    ],
  },
  {
    tags: ['wind', 'weather'],
    shorts: ['wind howls', 'a strong wind howling through bare trees on a hill'],
    longs: [['Wind howls around a house on a hill.', 'Gusts rise and fall.']],
  },
  {
    tags: ['door slam', 'door'],
    shorts: ['a door slams shut', 'a heavy wooden door slams shut somewhere upstairs'],
    longs: [['A heavy door slams shut, and the frame rattles.']],
  },
  {
    // Captions that count: a repeat of them must not leave the clash ("two claps … three times") in its captions.
    tags: ['hand clap', 'clap'],
    shorts: ['two quick hand claps', 'someone claps once'],
    longs: [['Someone claps two times in a row.', 'The claps are sharp.']],
  },
  {
    tags: ['cat meow', 'cat', 'animal'],
    shorts: ['a cat meows', 'a small cat meowing for its food in the kitchen'],
    longs: [['A small cat meows for food in a kitchen.', 'It sounds hungry.']],
  },
];
const LICENCES = ['CC0-1.0', 'CC-BY-4.0', 'MIT OR Apache-2.0', 'GPL-2.0-or-later'];

interface Base extends ClipRecord {
  /** The first sentence of the long caption (known by construction). */
  firstSentence: string;
}

/** `n` random base clips: durations 0.5–4 s, about a third cut from shared longer recordings. */
function randomBase(n: number, seed: number | string, split: Split = 'train', prefix = 'c'): Base[] {
  const rng = makeRng(`base-${seed}`);
  const longRecordings = Math.max(1, Math.floor(n / 6));
  return Array.from({ length: n }, (_, i) => {
    const cat = pick(rng, CATEGORIES);
    const long = pick(rng, cat.longs);
    const shared = rng() < 0.35;
    const rec: Base = {
      id: `${prefix}${i}`,
      audio: `${prefix}${i}.wav`,
      durationS: Math.round((0.5 + rng() * 3.5) * 16000) / 16000,
      source: 'test',
      license: pick(rng, LICENCES),
      captionLong: long.join(' '),
      captionShort: pick(rng, cat.shorts),
      tags: cat.tags,
      tagClusters: [Math.floor(rng() * 20), Math.floor(rng() * 20)],
      split,
      firstSentence: long[0]!,
      ...(shared ? { recordings: [`${prefix}-long-${Math.floor(rng() * longRecordings)}`] } : {}),
    };
    return rec;
  });
}

const byId = <T extends ClipRecord>(records: readonly T[]): Map<string, T> => new Map(records.map((r) => [r.id, r]));
const recordingsOf = (r: ClipRecord): string[] => r.recordings ?? [r.id];
const words = (s: string): number => s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];
const partClips = (plan: MixturePlan): string[] => distinct(plan.parts.map((p) => p.clip));
const ONLY = (kind: MixtureKind): Record<MixtureKind, number> =>
  Object.fromEntries(MIXTURE_KINDS.map((k) => [k, k === kind ? 1 : 0])) as Record<MixtureKind, number>;

// ---------------------------------------------------------------------------------------------------------------
// Plans

describe('planMixtures', () => {
  const base = randomBase(80, 1);
  const clips = byId(base);

  it('is deterministic by seed, and independent of the order of the base clips', () => {
    const a = planMixtures(base, { count: 60, seed: 7 });
    expect(planMixtures(base, { count: 60, seed: 7 })).toEqual(a);
    expect(planMixtures([...base].reverse(), { count: 60, seed: 7 })).toEqual(a);
    expect(planMixtures(base, { count: 60, seed: 8 })).not.toEqual(a);
    expect(planMixtures(base, { count: 60, seed: '7' })).toEqual(a);
  });

  it('keeps every rule of every kind, over seeds and maximum durations', () => {
    for (const [seed, maxDurationS] of [[1, 10], [2, 10], [3, 6], [4, 8.5], [5, 5]] as const) {
      const plans = planMixtures(base, { count: 120, seed, maxDurationS, idPrefix: 'mx' });
      expect(plans).toHaveLength(120);
      expect(plans.map((p) => p.id)).toEqual(plans.map((_, i) => `mx/train/${String(i).padStart(6, '0')}`));
      for (const plan of plans) {
        expect(plan.split).toBe('train');
        const parts = plan.parts.map((p) => ({ ...p, rec: clips.get(p.clip)! }));
        for (const p of parts) expect(p.rec, `${plan.id}: ${p.clip}`).toBeDefined();
        const ends = parts.map((p) => p.offsetS + p.rec.durationS);
        expect(plan.durationS).toBeLessThanOrEqual(maxDurationS + 1e-9);
        expect(plan.durationS).toBeGreaterThanOrEqual(Math.max(...ends) - 1e-9);
        expect(plan.durationS).toBeLessThanOrEqual(Math.max(...ends) + 1e-6);
        for (const p of parts) {
          expect(p.offsetS).toBeGreaterThanOrEqual(0);
          expect(p.offsetS + p.rec.durationS).toBeLessThanOrEqual(plan.durationS + 1e-9);
        }
        // Distinct clips: different first tags, no recording in common.
        const recs = partClips(plan).map((id) => clips.get(id)!);
        expect(distinct(recs.map((r) => r.tags[0])).length, plan.id).toBe(recs.length);
        const recordings = recs.flatMap(recordingsOf);
        expect(distinct(recordings).length, plan.id).toBe(recordings.length);

        const gapsAfter = (): number[] =>
          parts.slice(1).map((p, i) => p.offsetS - (parts[i]!.offsetS + parts[i]!.rec.durationS));
        switch (plan.kind) {
          case 'sequence':
            expect([2, 3]).toContain(parts.length);
            expect(recs).toHaveLength(parts.length);
            expect(parts[0]!.offsetS).toBe(0);
            for (const gap of gapsAfter()) {
              expect(gap).toBeGreaterThanOrEqual(0.2 - 1e-9);
              expect(gap).toBeLessThanOrEqual(1.0 + 1e-9);
            }
            expect(parts.every((p) => p.gainDb === 0)).toBe(true);
            break;
          case 'repeat':
            expect([2, 3]).toContain(parts.length);
            expect(recs).toHaveLength(1);
            expect(parts[0]!.offsetS).toBe(0);
            for (const gap of gapsAfter()) {
              expect(gap).toBeGreaterThanOrEqual(0.2 - 1e-9);
              expect(gap).toBeLessThanOrEqual(0.8 + 1e-9);
            }
            break;
          case 'overlap': {
            expect(parts).toHaveLength(2);
            const [a, b] = parts as [(typeof parts)[0], (typeof parts)[0]];
            expect(a.offsetS).toBe(0);
            expect(a.rec.durationS).toBeGreaterThanOrEqual(b.rec.durationS);
            // B starts after A has begun and before it ends.
            expect(b.offsetS).toBeGreaterThan(0);
            expect(b.offsetS).toBeLessThan(a.rec.durationS);
            break;
          }
          case 'levels': {
            expect(parts).toHaveLength(2);
            const [loud, faint] = parts as [(typeof parts)[0], (typeof parts)[0]];
            expect(loud.gainDb).toBe(0);
            expect(faint.gainDb).toBeGreaterThanOrEqual(-24);
            expect(faint.gainDb).toBeLessThanOrEqual(-12);
            // The two overlap in time.
            const start = Math.max(loud.offsetS, faint.offsetS);
            const end = Math.min(loud.offsetS + loud.rec.durationS, faint.offsetS + faint.rec.durationS);
            expect(end).toBeGreaterThan(start);
            expect(Math.min(loud.offsetS, faint.offsetS)).toBe(0);
            break;
          }
        }
      }
    }
  });

  it('honours the weights of the kinds', () => {
    const kindsOf = (plans: MixturePlan[]) => plans.map((p) => p.kind);
    const noRepeat = kindsOf(planMixtures(base, { count: 200, seed: 3, kinds: { repeat: 0, levels: 0 } }));
    expect(distinct(noRepeat).sort()).toEqual(['overlap', 'sequence']);
    for (const kind of MIXTURE_KINDS) {
      expect(distinct(kindsOf(planMixtures(base, { count: 50, seed: kind, kinds: ONLY(kind) })))).toEqual([kind]);
    }
    // Weights 3:1:1:1 — about half sequences; each of the others about a sixth.
    const weighted = kindsOf(planMixtures(base, { count: 1200, seed: 4, kinds: { sequence: 3 } }));
    const share = (k: MixtureKind) => weighted.filter((x) => x === k).length / weighted.length;
    expect(share('sequence')).toBeGreaterThan(0.44);
    expect(share('sequence')).toBeLessThan(0.56);
    for (const k of ['overlap', 'repeat', 'levels'] as const) {
      expect(share(k)).toBeGreaterThan(0.12);
      expect(share(k)).toBeLessThan(0.22);
    }
    // Equal by default.
    const equal = kindsOf(planMixtures(base, { count: 800, seed: 5 }));
    for (const k of MIXTURE_KINDS) {
      const n = equal.filter((x) => x === k).length;
      expect(n).toBeGreaterThan(150);
      expect(n).toBeLessThan(250);
    }
  });

  it('uses the base clips evenly, also when their durations range widely', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const wide = makeRng(`wide-${seed}`);
      const clipsOfSplit = randomBase(60, `even-${seed}`).map((c) =>
        // Half the corpora: 0.3–9.7 s, where short clips fit many more places than long ones.
        seed > 3 ? { ...c, durationS: 0.3 + 9.4 * wide() } : c,
      );
      const uses = new Map(clipsOfSplit.map((c) => [c.id, 0]));
      for (const plan of planMixtures(clipsOfSplit, { count: 300, seed })) {
        for (const id of partClips(plan)) uses.set(id, uses.get(id)! + 1);
      }
      const counts = [...uses.values()];
      const [min, max] = [Math.min(...counts), Math.max(...counts)];
      expect(min, `seed ${seed}`).toBeGreaterThan(0);
      expect(max, `seed ${seed}: ${counts.join(' ')}`).toBeLessThanOrEqual(2 * min + 2);
    }
  });

  it('skips a kind the clips cannot make, and fails when they can make none', () => {
    // One category only: no two clips differ in their first tag, so only repeats are possible.
    const dogs = randomBase(30, 'dogs').map((c) => ({ ...c, tags: ['dog bark', 'dog'] }));
    const plans = planMixtures(dogs, { count: 40, seed: 1 });
    expect(plans).toHaveLength(40);
    expect(distinct(plans.map((p) => p.kind))).toEqual(['repeat']);
    // Too long to repeat, and all of one kind: nothing can be made.
    const long = dogs.map((c) => ({ ...c, durationS: 6 }));
    expect(() => planMixtures(long, { count: 5, seed: 1 })).toThrow(RangeError);
    // Long clips still make sequences when there is room for them.
    const longMixed = randomBase(30, 'long').map((c) => ({ ...c, durationS: 6 }));
    expect(distinct(planMixtures(longMixed, { count: 30, seed: 1, maxDurationS: 13 }).map((p) => p.kind)).sort())
      .toEqual(['levels', 'overlap', 'repeat', 'sequence']);
  });

  it('throws a RangeError for clips of several splits, and for bad options', () => {
    const mixed = [...randomBase(10, 'm1', 'train'), ...randomBase(10, 'm2', 'test', 't')];
    expect(() => planMixtures(mixed, { count: 5, seed: 1 })).toThrow(RangeError);
    expect(() => planMixtures(base, { count: -1, seed: 1 })).toThrow(RangeError);
    expect(() => planMixtures(base, { count: 5, seed: 1, kinds: { sequence: 0, overlap: 0, repeat: 0, levels: 0 } }))
      .toThrow(RangeError);
    expect(() => planMixtures(base, { count: 5, seed: 1, maxDurationS: 0 })).toThrow(RangeError);
    const test = randomBase(20, 't', 'test');
    expect(planMixtures(test, { count: 3, seed: 1 }).map((p) => [p.id, p.split])).toEqual([
      ['mix/test/000000', 'test'],
      ['mix/test/000001', 'test'],
      ['mix/test/000002', 'test'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Rendering

const SR = 16000;
const samples = (durationS: number): number => Math.round(durationS * SR);
const impulse = (durationS: number, amplitude = 1): Float32Array => {
  const x = new Float32Array(samples(durationS));
  x[0] = amplitude;
  return x;
};
const tone = (durationS: number, hz: number, amplitude: number): Float32Array =>
  Float32Array.from({ length: samples(durationS) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / SR));
const square = (durationS: number, hz: number): Float32Array =>
  Float32Array.from({ length: samples(durationS) }, (_, i) => (Math.floor((2 * hz * i) / SR) % 2 === 0 ? 1 : -1));
const peakOf = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const audioOf = (base: readonly ClipRecord[], make: (r: ClipRecord, rng: Rng) => Float32Array, seed = 1) => {
  const rng = makeRng(`audio-${seed}`);
  return new Map(base.map((r) => [r.id, make(r, rng)]));
};

describe('renderMixture', () => {
  const base = randomBase(40, 'render');
  const plans = planMixtures(base, { count: 40, seed: 11 });

  it('places every part at its offset, in a mixture of the planned length', () => {
    const audio = audioOf(base, (r) => impulse(r.durationS));
    for (const plan of plans) {
      const out = renderMixture(plan, audio, SR);
      expect(out.length).toBe(Math.round(plan.durationS * SR));
      const onsets = [...out.keys()].filter((i) => out[i] !== 0);
      const expected = distinct(plan.parts.map((p) => Math.round(p.offsetS * SR))).sort((a, b) => a - b);
      expect(onsets, plan.id).toEqual(expected);
    }
  });

  it('sets the faint part of "levels" below the loud one by the planned gain', () => {
    const levels = planMixtures(base, { count: 12, seed: 12, kinds: ONLY('levels') });
    const audio = audioOf(base, (r) => impulse(r.durationS));
    const rng = makeRng('levels');
    for (const plan of levels) {
      const [loud, faint] = plan.parts as [MixturePlan['parts'][0], MixturePlan['parts'][0]];
      // Tones of different pitch and random level per part, so that the mixture can be split into its parts again.
      const dur = (id: string) => base.find((r) => r.id === id)!.durationS;
      const a = tone(dur(loud.clip), pick(rng, [200, 440, 700]), 0.05 + 0.9 * rng());
      const b = tone(dur(faint.clip), pick(rng, [1000, 1500, 2500]), 0.05 + 0.9 * rng());
      const render = (x: Float32Array, y: Float32Array) =>
        renderMixture(plan, new Map([...audio, [loud.clip, x], [faint.clip, y]]), SR);
      const full = render(a, b);
      // Each part alone: the other's audio replaced by silence.
      const onlyLoud = render(a, new Float32Array(b.length));
      const onlyFaint = render(new Float32Array(a.length), b);
      // Least squares: full ≈ α·onlyLoud + β·onlyFaint.
      let [ll, ff, lf, yl, yf] = [0, 0, 0, 0, 0];
      for (let i = 0; i < full.length; i++) {
        const [l, f, y] = [onlyLoud[i]!, onlyFaint[i]!, full[i]!];
        ll += l * l;
        ff += f * f;
        lf += l * f;
        yl += y * l;
        yf += y * f;
      }
      const det = ll * ff - lf * lf;
      const alpha = (yl * ff - yf * lf) / det;
      const beta = (yf * ll - yl * lf) / det;
      const loudnessOf = (x: Float32Array, scale: number, offsetS: number, n: number) => {
        const start = Math.round(offsetS * SR);
        return integratedLoudness(x.slice(start, start + n).map((v) => v * scale), SR)!;
      };
      const lLoud = loudnessOf(onlyLoud, alpha, loud.offsetS, a.length);
      const lFaint = loudnessOf(onlyFaint, beta, faint.offsetS, b.length);
      expect(lFaint - lLoud, plan.id).toBeCloseTo(faint.gainDb - loud.gainDb, 0);
      expect(Math.abs(lFaint - lLoud - (faint.gainDb - loud.gainDb))).toBeLessThan(1);
    }
  });

  it('never clips, scaling the whole mixture down (not clipping samples) when its peak is too high', () => {
    const squares = audioOf(base, (r, rng) => square(r.durationS, pick(rng, [50, 100, 200, 400])));
    for (const plan of plans) expect(peakOf(renderMixture(plan, squares, SR)), plan.id).toBeLessThanOrEqual(0.99);
    // Lone clicks normalised for loudness would be far above full scale: the mixture is scaled to the limit, and
    // the faint click of 'levels' keeps its ratio to the loud one.
    const clicks = audioOf(base, (r) => impulse(r.durationS, 0.5));
    for (const plan of planMixtures(base, { count: 10, seed: 13, kinds: ONLY('levels') })) {
      const out = renderMixture(plan, clicks, SR);
      const [loud, faint] = plan.parts.map((p) => Math.abs(out[Math.round(p.offsetS * SR)]!));
      if (Math.round(plan.parts[0]!.offsetS * SR) === Math.round(plan.parts[1]!.offsetS * SR)) continue;
      expect(peakOf(out)).toBeLessThanOrEqual(0.99);
      expect(loud).toBeGreaterThan(0.98);
      expect(faint! / loud!).toBeCloseTo(10 ** ((plan.parts[1]!.gainDb - plan.parts[0]!.gainDb) / 20), 3);
    }
  });

  it('normalises the mixture to −23 LUFS when no peak limit was needed', () => {
    const rngAmp = makeRng('amp');
    const audio = audioOf(base, (r, rng) => tone(r.durationS, pick(rng, [200, 500, 1000, 3000]), 0.01 + rngAmp()));
    let checked = 0;
    for (const plan of plans) {
      const out = renderMixture(plan, audio, SR);
      if (peakOf(out) >= 0.98) continue;
      checked++;
      expect(integratedLoudness(out, SR)!, plan.id).toBeCloseTo(-23, 1);
    }
    expect(checked).toBeGreaterThan(plans.length / 2);
  });

  it('falls back to RMS for parts below the loudness gate and keeps digital silence silent', () => {
    const plan = planMixtures(base, { count: 1, seed: 14, kinds: ONLY('repeat') })[0]!;
    const silent = new Map(base.map((r) => [r.id, new Float32Array(samples(r.durationS))]));
    const out = renderMixture(plan, silent, SR);
    expect(out.every((v) => v === 0)).toBe(true);
    // In a sequence, a tone too quiet for the −70 LUFS gate (−90 dBFS RMS) is brought to −23 dBFS RMS, as loud as
    // a 1 kHz tone normalised to −23 LUFS (within a dB): it is not left 67 dB below its neighbour.
    for (const sequence of planMixtures(base, { count: 8, seed: 15, kinds: ONLY('sequence') })) {
      const [first, second] = sequence.parts as [MixturePlan['parts'][0], MixturePlan['parts'][0]];
      const dur = (id: string) => base.find((r) => r.id === id)!.durationS;
      const audio = new Map([
        [first.clip, tone(dur(first.clip), 1000, 0.5)],
        [second.clip, tone(dur(second.clip), 1000, 10 ** (-90 / 20) * Math.SQRT2)],
      ]);
      for (const p of sequence.parts.slice(2)) audio.set(p.clip, tone(dur(p.clip), 1000, 0.5));
      const out = renderMixture(sequence, audio, SR);
      const rmsDb = (p: MixturePlan['parts'][0]) => {
        const start = Math.round(p.offsetS * SR);
        const x = out.subarray(start, start + samples(dur(p.clip)));
        return 10 * Math.log10(x.reduce((s, v) => s + v * v, 0) / x.length);
      };
      expect(Math.abs(rmsDb(first) - rmsDb(second)), sequence.id).toBeLessThan(1);
    }
  });

  it('names the clip whose audio is missing', () => {
    const plan = plans.find((p) => p.kind === 'sequence')!;
    const audio = audioOf(base, (r) => impulse(r.durationS));
    audio.delete(plan.parts[1]!.clip);
    expect(() => renderMixture(plan, audio, SR)).toThrow(plan.parts[1]!.clip);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Records and captions

/** Sentences outside quotations. */
const sentences = (text: string): number => (text.replace(/"[^"]*"/g, 'Q').match(/[.!?](\s|$)/g) ?? []).length;
const lower = (s: string): string => s.toLowerCase();

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Where `phrase` first occurs in `text` as whole words, ignoring case, or -1. */
const find = (text: string, phrase: string): number =>
  new RegExp(`(?<![\\p{L}\\p{N}])${escape(phrase)}(?![\\p{L}\\p{N}])`, 'iu').exec(text)?.index ?? -1;
/** Where the text first names a part (by its short caption, first tag or first long sentence), or -1. */
function mention(text: string, part: Base): number {
  const body = part.firstSentence.replace(/[.!?]$/, '');
  const at = [part.captionShort, part.tags[0]!, body].map((m) => find(text, m)).filter((i) => i >= 0);
  return at.length ? Math.min(...at) : -1;
}

describe('mixtureRecord', () => {
  const base = randomBase(120, 'records');
  const clips = byId(base);
  const plans = [1, 2, 3].flatMap((seed) => planMixtures(base, { count: 150, seed, idPrefix: `m${seed}` }));
  const records = plans.map((plan) => ({
    plan,
    rec: mixtureRecord(plan, clips, makeRng(`cap-${plan.id}`), `mixtures/${plan.id}.wav`),
  }));

  it('fills the fields from the plan and the parts', () => {
    for (const { plan, rec } of records) {
      const parts = partClips(plan).map((id) => clips.get(id)!);
      expect(rec.id).toBe(plan.id);
      expect(rec.audio).toBe(`mixtures/${plan.id}.wav`);
      expect(rec.durationS).toBe(plan.durationS);
      expect(rec.source).toBe('mixture');
      expect(rec.split).toBe(plan.split);
      const tags: string[] = [];
      for (const p of parts) for (const t of p.tags) if (!tags.includes(t)) tags.push(t);
      expect(rec.tags).toEqual(tags);
      const clusters = [...new Set(parts.flatMap((p) => p.tagClusters))].sort((a, b) => a - b);
      expect(rec.tagClusters).toEqual(clusters);
      expect(rec.recordings).toEqual([...new Set(parts.flatMap(recordingsOf))].sort());
      const licences: string[] = [];
      for (const p of parts) if (!licences.includes(p.license)) licences.push(p.license);
      licences.sort();
      const expected =
        licences.length === 1 ? licences[0] : licences.map((l) => (/ OR /.test(l) ? `(${l})` : l)).join(' AND ');
      expect(rec.license).toBe(expected);
    }
  });

  it('writes short captions in limits that name every part', () => {
    const { min, max } = MIXTURE_CAPTION_LIMITS.short;
    for (const { plan, rec } of records) {
      const s = rec.captionShort;
      expect(words(s), s).toBeGreaterThanOrEqual(min);
      expect(words(s), s).toBeLessThanOrEqual(max);
      expect(s, s).toMatch(/^\p{Ll}/u);
      expect(s, s).not.toMatch(/\.$/);
      expect(s).toBe(s.trim().replace(/\s+/g, ' '));
      for (const id of partClips(plan)) {
        const part = clips.get(id)!;
        expect(find(s, part.captionShort) >= 0 || find(s, part.tags[0]!) >= 0, `${s} / ${id}`).toBe(true);
      }
    }
  });

  it('puts the tag, not a part caption with its own comma, into a short caption', () => {
    const commaBase = base.map((r, i) => (i % 2 ? { ...r, captionShort: `${r.tags[0]}, dark and tonal` } : r));
    const commaClips = byId(commaBase);
    for (const plan of planMixtures(commaBase, { count: 60, seed: 'comma' })) {
      const s = mixtureRecord(plan, commaClips, makeRng(plan.id), 'x.wav').captionShort;
      expect(s, s).not.toContain('dark and tonal');
    }
  });

  it('writes long captions in limits that name every part and keep quotations intact', () => {
    const { min, max, sentences: most } = MIXTURE_CAPTION_LIMITS.long;
    expect(max).toBeGreaterThanOrEqual(45);
    for (const { plan, rec } of records) {
      const l = rec.captionLong;
      expect(words(l), l).toBeGreaterThanOrEqual(min);
      expect(words(l), l).toBeLessThanOrEqual(max);
      expect(sentences(l), l).toBeGreaterThanOrEqual(1);
      expect(sentences(l), l).toBeLessThanOrEqual(most);
      expect(l, l).toMatch(/^\p{Lu}/u);
      expect(l, l).toMatch(/\.$/);
      expect(l).toBe(l.trim().replace(/\s+/g, ' '));
      const parts = partClips(plan).map((id) => clips.get(id)!);
      for (const part of parts) expect(mention(l, part), `${l} / ${part.id}`).toBeGreaterThanOrEqual(0);
      // Quotations come from a part's captions, letter for letter.
      for (const q of l.match(/"[^"]*"/g) ?? []) {
        expect(parts.some((p) => p.captionLong.includes(q) || p.captionShort.includes(q)), `${l}: ${q}`).toBe(true);
      }
      // A first sentence used mid-caption starts with a small letter (these all start with an ordinary word).
      for (const part of parts) {
        const body = part.firstSentence.replace(/[.!?]$/, '');
        const at = lower(l).indexOf(lower(body));
        if (at > 0 && /^[A-Z]/.test(body)) expect(l[at], l).toBe(body[0]!.toLowerCase());
      }
    }
  });

  it('says the count of a repeat and the level of a faint part right', () => {
    let repeats = 0;
    let withDb = 0;
    for (const { plan, rec } of records) {
      // "The whole clip lasts about two seconds" is a duration, not a count.
      for (const text of [rec.captionShort, rec.captionLong.replace(/\babout \w+ seconds\b/g, '')]) {
        if (plan.kind === 'repeat') {
          if (plan.parts.length === 2) {
            expect(text, text).toMatch(/\b(twice|two)\b|\bagain\b|\bonce more\b/);
            expect(text, text).not.toMatch(/\b(three|third|thrice)\b/);
          } else {
            expect(text, text).toMatch(/\b(three|third)\b/);
            expect(text, text).not.toMatch(/\b(twice|two)\b/);
          }
          repeats++;
        }
        if (plan.kind === 'levels') {
          expect(text, text).toMatch(/faint|quiet|barely|drowned|background|softly|lower/);
          const db = /(\d+) dB/.exec(text);
          if (db) {
            withDb++;
            expect(Number(db[1])).toBe(Math.round(plan.parts[0]!.gainDb - plan.parts[1]!.gainDb));
          }
        }
      }
    }
    expect(repeats).toBeGreaterThan(20);
    expect(withDb).toBeGreaterThan(0);
    expect(records.some(({ plan }) => plan.kind === 'repeat' && plan.parts.length === 3)).toBe(true);
  });

  it('tells a sequence in time order, except where it says "after"', () => {
    for (const { plan, rec } of records) {
      if (plan.kind !== 'sequence') continue;
      const parts = plan.parts.map((p) => clips.get(p.clip)!);
      const order = (text: string) => parts.map((p) => mention(text, p));
      const inOrder = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);
      expect(inOrder(order(rec.captionLong)), rec.captionLong).toBe(true);
      if (!/\bafter\b/.test(rec.captionShort)) expect(inOrder(order(rec.captionShort)), rec.captionShort).toBe(true);
    }
  });

  it('has many phrasings per kind, and uses them', () => {
    for (const kind of MIXTURE_KINDS) {
      expect(MIXTURE_PHRASING_COUNTS[kind].short).toBeGreaterThanOrEqual(6);
      expect(MIXTURE_PHRASING_COUNTS[kind].long).toBeGreaterThanOrEqual(6);
      const plan = plans.find((p) => p.kind === kind)!;
      const shorts = new Set<string>();
      const longs = new Set<string>();
      for (let seed = 0; seed < 200; seed++) {
        const rec = mixtureRecord(plan, clips, makeRng(seed), 'x.wav');
        shorts.add(rec.captionShort);
        longs.add(rec.captionLong);
      }
      expect(shorts.size, `${kind}: ${[...shorts].join(' | ')}`).toBeGreaterThanOrEqual(5);
      expect(longs.size, kind).toBeGreaterThanOrEqual(5);
    }
    // The same rng seed gives the same record.
    const plan = plans[0]!;
    expect(mixtureRecord(plan, clips, makeRng(5), 'x.wav')).toEqual(mixtureRecord(plan, clips, makeRng(5), 'x.wav'));
  });

  it('falls back to tags when the parts\' short captions are too long together', () => {
    const wordy = base.map((c) => ({ ...c, captionShort: `${c.captionShort} heard from quite far away indeed` }));
    const wordyClips = byId(wordy);
    let allTags = 0;
    for (const plan of plans.filter((p) => p.kind !== 'repeat').slice(0, 100)) {
      const s = mixtureRecord(plan, wordyClips, makeRng(plan.id), 'x.wav').captionShort;
      expect(words(s), s).toBeLessThanOrEqual(10);
      expect(words(s), s).toBeGreaterThanOrEqual(3);
      const parts = partClips(plan).map((id) => wordyClips.get(id)!);
      for (const p of parts) expect(find(s, p.captionShort) >= 0 || find(s, p.tags[0]!) >= 0, s).toBe(true);
      if (parts.every((p) => find(s, p.tags[0]!) >= 0 && !s.includes(p.captionShort))) allTags++;
    }
    expect(allTags).toBeGreaterThan(50);
  });

  it('names the clip whose record is missing', () => {
    const plan = plans[0]!;
    const missing = new Map(clips);
    missing.delete(plan.parts[0]!.clip);
    expect(() => mixtureRecord(plan, missing, makeRng(1), 'x.wav')).toThrow(plan.parts[0]!.clip);
  });

  it('keeps the splits sound: mixtures drawn per split after the split of the base clips', () => {
    for (const seed of [1, 2, 3]) {
      const all: ClipRecord[] = randomBase(200, `split-${seed}`);
      assignSplits(all, { seed, fractions: { train: 0.7, validation: 0.15, test: 0.15 } });
      const mixtures: ClipRecord[] = [];
      for (const split of ['train', 'validation', 'test'] as const) {
        const ofSplit = all.filter((r) => r.split === split);
        const records = byId(ofSplit);
        for (const plan of planMixtures(ofSplit, { count: 60, seed })) {
          const rec = mixtureRecord(plan, records, makeRng(plan.id), `${plan.id}.wav`);
          expect(rec.split).toBe(split);
          mixtures.push(rec);
        }
      }
      expect(new Set(mixtures.map((m) => m.id)).size).toBe(mixtures.length);
      expect(checkSplitInvariant([...all, ...mixtures])).toEqual([]);
    }
  });
});
