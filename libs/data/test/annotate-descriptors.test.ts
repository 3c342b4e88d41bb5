// Descriptor words on synthetic measurements: each threshold from both sides, the choice between LUFS and RMS,
// confidence near and far from thresholds, and note names.
import { describe, expect, it } from 'vitest';

import {
  describeInWords,
  noteName,
  type AcousticDescriptors,
  type DescriptorAspect,
} from '../src/annotate/index.js';

import { PLAIN_DESCRIPTORS } from './helpers.js';

const plain = PLAIN_DESCRIPTORS;

const word = (d: Partial<AcousticDescriptors>, aspect: DescriptorAspect) =>
  describeInWords({ ...plain, ...d }).items.find((w) => w.aspect === aspect);
const adjective = (d: Partial<AcousticDescriptors>, aspect: DescriptorAspect) => word(d, aspect)?.adjective;

describe('describeInWords', () => {
  it('says nothing about a clip in every middle band', () => {
    // 3 s of sound without onsets is held: sustained is the one thing to say
    expect(describeInWords(plain).items.map((w) => w.adjective)).toEqual(['sustained']);
    expect(describeInWords({ ...plain, durationS: 1.6, silenceRatio: 0.2 }).items).toEqual([]);
  });

  it('duration: very short < 0.3 s ≤ short < 1.5 s ≤ — < 5 s ≤ long < 15 s ≤ very long', () => {
    const at = (durationS: number) => adjective({ durationS }, 'duration');
    expect([0.05, 0.299, 0.3, 1.499, 1.5, 4.999, 5, 14.99, 15, 60].map(at)).toEqual([
      'very short', 'very short', 'short', 'short', undefined, undefined, 'long', 'long', 'very long', 'very long',
    ]);
    expect(word({ durationS: 0.1 }, 'duration')!.phrase).toBe('lasting a fraction of a second');
    expect(word({ durationS: 7.4 }, 'duration')!.phrase).toBe('lasting about seven seconds');
  });

  it('loudness: faint < −40 ≤ quiet < −28 ≤ — < −18 ≤ loud < −10 ≤ very loud (LUFS)', () => {
    const at = (loudnessLufs: number) => adjective({ loudnessLufs }, 'loudness');
    expect([-60, -40.01, -40, -28.01, -28, -18.01, -18, -10.01, -10, -3].map(at)).toEqual([
      'faint', 'faint', 'quiet', 'quiet', undefined, undefined, 'loud', 'loud', 'very loud', 'very loud',
    ]);
  });

  it('loudness falls back on RMS level when LUFS is unmeasurable', () => {
    expect(adjective({ loudnessLufs: null, rmsDb: -120 }, 'loudness')).toBe('faint');
    expect(adjective({ loudnessLufs: null, rmsDb: -12 }, 'loudness')).toBe('loud');
    // LUFS wins when both are there
    expect(adjective({ loudnessLufs: -12, rmsDb: -50 }, 'loudness')).toBe('loud');
  });

  it('pitch: only for tonal sounds; low < 180 Hz ≤ mid < 880 Hz ≤ high', () => {
    const at = (pitchHz: number) => adjective({ pitchHz, voicedRatio: 0.9 }, 'pitch');
    expect([60, 179.9, 180, 879, 880, 3000].map(at)).toEqual([
      'low-pitched', 'low-pitched', 'mid-pitched', 'mid-pitched', 'high-pitched', 'high-pitched',
    ]);
    // a pitch in a mostly unvoiced sound says nothing
    expect(adjective({ pitchHz: 1000, voicedRatio: 0.49 }, 'pitch')).toBeUndefined();
    expect(adjective({ pitchHz: 1000, voicedRatio: 0.5 }, 'pitch')).toBe('high-pitched');
    expect(adjective({ pitchHz: null, voicedRatio: 0.9 }, 'pitch')).toBeUndefined();
  });

  it('names the note of a steady pitch, else the register', () => {
    expect(word({ pitchHz: 440, voicedRatio: 0.9 }, 'pitch')!.phrase).toBe('pitched around A4');
    expect(describeInWords({ ...plain, pitchHz: 440, voicedRatio: 0.9 }).note).toBe('A4');
    // a quarter-tone off, or barely voiced: the register instead
    expect(word({ pitchHz: 452.9, voicedRatio: 0.9 }, 'pitch')!.phrase).toBe('in a middle register');
    expect(word({ pitchHz: 100, voicedRatio: 0.6 }, 'pitch')!.phrase).toBe('in the bass register');
    expect(word({ pitchHz: 900, voicedRatio: 0.6 }, 'pitch')!.phrase).toBe('in a high register');
    expect(word({ pitchHz: 1500, voicedRatio: 0.6 }, 'pitch')!.phrase).toBe('in a very high register');
    expect(describeInWords({ ...plain, pitchHz: null }).note).toBeNull();
  });

  it('brightness: dark < 500 Hz ≤ muffled < 1000 Hz ≤ — < 3500 Hz ≤ bright', () => {
    const at = (spectralCentroidHz: number) => adjective({ spectralCentroidHz }, 'brightness');
    expect([0, 100, 499, 500, 999, 1000, 3499, 3500, 9000].map(at)).toEqual([
      undefined, 'dark', 'dark', 'muffled', 'muffled', undefined, undefined, 'bright', 'bright',
    ]);
  });

  it('tonality: tonal with a pitch and voicing ≥ 0.5; noisy with voicing < 0.2 and flatness ≥ 0.3', () => {
    expect(adjective({ pitchHz: 300, voicedRatio: 0.5 }, 'tonality')).toBe('tonal');
    expect(adjective({ pitchHz: 300, voicedRatio: 0.49 }, 'tonality')).toBeUndefined();
    expect(adjective({ voicedRatio: 0.19, spectralFlatness: 0.3 }, 'tonality')).toBe('noisy');
    expect(adjective({ voicedRatio: 0.2, spectralFlatness: 0.5 }, 'tonality')).toBeUndefined();
    expect(adjective({ voicedRatio: 0.1, spectralFlatness: 0.29 }, 'tonality')).toBeUndefined();
  });

  it('envelope: sounding time per onset < 0.5 s is percussive, ≥ 1.5 s sustained', () => {
    // 2 s with no silence: 4 onsets → 0.5 s each; 5 → 0.4 s
    const at = (onsetCount: number, durationS = 2) => adjective({ durationS, silenceRatio: 0, onsetCount }, 'envelope');
    expect(at(5)).toBe('percussive');
    expect(at(4)).toBeUndefined();
    expect(at(2, 3)).toBe('sustained'); // 1.5 s each
    expect(at(2, 2.99)).toBeUndefined();
    expect(at(0, 1.5)).toBe('sustained'); // a held sound without onsets
    expect(at(0, 1.49)).toBeUndefined();
    // silence does not count as sounding: 2 s, half silent, one onset → 1 s
    expect(adjective({ durationS: 2, silenceRatio: 0.5, onsetCount: 1 }, 'envelope')).toBeUndefined();
  });

  it('rhythm: one short onset is a single hit, two or three repeated, regular four or more rhythmic', () => {
    const at = (d: Partial<AcousticDescriptors>) => word({ silenceRatio: 0, ...d }, 'rhythm');
    expect(at({ durationS: 1.4, onsetCount: 1 })?.adjective).toBe('single-hit');
    expect(at({ durationS: 1.5, onsetCount: 1 })).toBeUndefined(); // long enough to be held, not hit
    expect(at({ onsetCount: 2 })).toMatchObject({ adjective: 'repeated', phrase: 'twice' });
    expect(at({ onsetCount: 3 })).toMatchObject({ adjective: 'repeated', phrase: 'three times' });
    // regular intervals make four or more onsets rhythmic; irregular, or unknown regularity, only repeated
    const beat = { durationS: 4, onsetCount: 8, onsetRate: 2 };
    expect(at({ ...beat, onsetIntervalCv: 0.25 })?.adjective).toBe('rhythmic');
    expect(at({ ...beat, onsetIntervalCv: 0.26 })?.adjective).toBe('repeated');
    expect(at(beat)).toMatchObject({ adjective: 'repeated', phrase: 'repeatedly' });
    expect(at({ ...beat, onsetCount: 3, onsetIntervalCv: 0 })?.adjective).toBe('repeated');
    // a regular flutter faster than any beat is not a rhythm
    expect(at({ ...beat, onsetCount: 52, onsetRate: 13, onsetIntervalCv: 0.05 })?.adjective).toBe('repeated');
  });

  it('continuity: silence ≤ 0.05 is continuous, ≥ 0.3 intermittent (or isolated for one event)', () => {
    const at = (silenceRatio: number, onsetCount = 3) => adjective({ silenceRatio, onsetCount }, 'continuity');
    expect([0, 0.05, 0.051, 0.299, 0.3, 0.9].map((s) => at(s))).toEqual([
      'continuous', 'continuous', undefined, undefined, 'intermittent', 'intermittent',
    ]);
    expect(at(0.6, 1)).toBe('isolated');
  });

  it('is confident only a margin away from every threshold', () => {
    expect(word({ durationS: 1.45 }, 'duration')!.confident).toBe(false);
    expect(word({ durationS: 0.8 }, 'duration')!.confident).toBe(true);
    expect(word({ loudnessLufs: -17 }, 'loudness')!.confident).toBe(false);
    expect(word({ loudnessLufs: -14 }, 'loudness')!.confident).toBe(true);
    expect(word({ loudnessLufs: -11 }, 'loudness')!.confident).toBe(false); // near "very loud"
    expect(word({ spectralCentroidHz: 3600 }, 'brightness')!.confident).toBe(false);
    expect(word({ spectralCentroidHz: 6000 }, 'brightness')!.confident).toBe(true);
    expect(word({ pitchHz: 300, voicedRatio: 0.55 }, 'tonality')!.confident).toBe(false);
    expect(word({ pitchHz: 300, voicedRatio: 0.95 }, 'tonality')!.confident).toBe(true);
  });

  it('lists words in aspect order, at most one per aspect', () => {
    const d = describeInWords({
      durationS: 0.2,
      rmsDb: -6,
      peakDb: 0,
      loudnessLufs: -5,
      spectralCentroidHz: 7000,
      pitchHz: 1200,
      voicedRatio: 0.8,
      onsetCount: 1,
      onsetRate: 5,
      silenceRatio: 0.01,
      spectralFlatness: 0.05,
    });
    expect(d.items.map((w) => w.aspect)).toEqual([
      'duration', 'loudness', 'pitch', 'brightness', 'tonality', 'envelope', 'rhythm', 'continuity',
    ]);
    expect(d.items.map((w) => w.adjective)).toEqual([
      'very short', 'very loud', 'high-pitched', 'bright', 'tonal', 'percussive', 'single-hit', 'continuous',
    ]);
    expect(d).toMatchObject({ durationS: 0.2, onsetCount: 1 });
  });
});

describe('noteName', () => {
  it('names equal-tempered notes in scientific pitch notation', () => {
    expect(noteName(440)).toBe('A4');
    expect(noteName(261.63)).toBe('C4');
    expect(noteName(27.5)).toBe('A0');
    expect(noteName(466.16)).toBe('A#4');
    expect(noteName(4186)).toBe('C8');
    expect(noteName(30.87)).toBe('B0');
    expect(noteName(16.35)).toBe('C0');
  });
});
