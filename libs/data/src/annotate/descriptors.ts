// Acoustic descriptors in words: how long, how loud, how high, how bright, tonal or noisy, struck or held, how
// many events, with or without silence. Each aspect has bands with documented thresholds (DESCRIPTOR_THRESHOLDS);
// a word is "confident" when the measurement lies clearly inside its band, at least a margin away from every
// threshold, so that captions can state it plainly and hedge or leave out the rest.
import { numberWord } from './english.js';

/** What the audio library measures about a clip (its describeAudio returns a superset). */
export interface AcousticDescriptors {
  durationS: number;
  /** RMS level in dBFS. */
  rmsDb: number;
  /** Peak sample level in dBFS. */
  peakDb: number;
  /** Integrated loudness (LUFS); null when the clip is too quiet to measure, and then rmsDb stands in. */
  loudnessLufs: number | null;
  spectralCentroidHz: number;
  /** Median fundamental over voiced frames (Hz), or null when nothing is voiced. */
  pitchHz: number | null;
  /** Fraction of the sounding frames that carry a pitch. */
  voicedRatio: number;
  onsetCount: number;
  /** Onsets per second. */
  onsetRate: number;
  /** Fraction of the clip that is silent. */
  silenceRatio: number;
  /** Spectral flatness (geometric over arithmetic mean of the power spectrum): ≈0 tonal, ≈0.56 white noise. */
  spectralFlatness: number;
  /**
   * Optional: coefficient of variation (standard deviation / mean) of the intervals between onsets. "Rhythmic"
   * needs it; without it several onsets are only "repeated".
   */
  onsetIntervalCv?: number | null;
}

export type DescriptorAspect =
  | 'duration'
  | 'loudness'
  | 'pitch'
  | 'brightness'
  | 'tonality'
  | 'envelope'
  | 'rhythm'
  | 'continuity';

export interface DescriptorWord {
  aspect: DescriptorAspect;
  /** Usable before a noun: "short", "very loud", "high-pitched", "single-hit". */
  adjective: string;
  /** Usable after the sound's name: "lasting about a second", "pitched around A5", "in a steady rhythm". */
  phrase: string;
  /** The measurement lies clearly inside the band (a margin away from its thresholds). */
  confident: boolean;
}

export interface DescriptorWords {
  /**
   * At most one word per aspect, in the order of DescriptorAspect. A missing aspect lies in its middle band
   * (neither short nor long, neither quiet nor loud, …) or does not apply (the pitch of a noise).
   */
  items: DescriptorWord[];
  durationS: number;
  onsetCount: number;
  /** The nearest equal-tempered note ("A4") when the sound is tonal, else null. */
  note: string | null;
}

/**
 * Band edges. A value below an edge belongs to the band below it: 0.29 s is "very short", 0.3 s "short". Levels
 * are LUFS (or RMS dBFS when loudness is unmeasurable); brightness is the spectral centroid.
 */
export const DESCRIPTOR_THRESHOLDS = {
  /** Seconds: very short < 0.3 ≤ short < 1.5 ≤ (middle) < 5 ≤ long < 15 ≤ very long. */
  durationS: { veryShort: 0.3, short: 1.5, long: 5, veryLong: 15 },
  /** dB: faint < −40 ≤ quiet < −28 ≤ (middle) < −18 ≤ loud < −10 ≤ very loud. */
  levelDb: { faint: -40, quiet: -28, loud: -18, veryLoud: -10 },
  /** Hz, for tonal sounds: low-pitched < 180 (≈F3) ≤ mid-pitched < 880 (A5) ≤ high-pitched. */
  pitchHz: { low: 180, high: 880 },
  /** Hz: dark < 500 ≤ muffled < 1000 ≤ (middle) < 3500 ≤ bright. */
  centroidHz: { dark: 500, muffled: 1000, bright: 3500 },
  /** Tonal: a pitch and voicedRatio ≥ 0.5. Noisy: voicedRatio < 0.2 and flatness ≥ 0.3. */
  tonality: { tonalVoiced: 0.5, noisyVoiced: 0.2, noisyFlatness: 0.3 },
  /** Sounding seconds per onset: percussive < 0.5, sustained ≥ 1.5. */
  envelopeS: { percussive: 0.5, sustained: 1.5 },
  /** Rhythmic: ≥ 4 onsets, interval CV ≤ 0.25, 0.5–12 onsets per second. */
  rhythm: { minOnsets: 4, maxIntervalCv: 0.25, minRate: 0.5, maxRate: 12 },
  /** Silence ratio: continuous ≤ 0.05, with silence ≥ 0.3. */
  silence: { continuous: 0.05, gaps: 0.3 },
} as const;

/** How far inside its band a value must lie to be confident, in each aspect's unit. */
const MARGINS = {
  octaves: 0.25, // durations, pitch, centroid: a ratio of ±19%
  envelopeOctaves: 0.5,
  db: 3,
  ratio: 0.1, // voiced ratio, flatness, silence ratio, interval CV
};

const T = DESCRIPTOR_THRESHOLDS;
const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

/** Turns measurements into words and phrases, with the confidence of each. */
export function describeInWords(d: AcousticDescriptors): DescriptorWords {
  const tonal = d.pitchHz !== null && d.voicedRatio >= T.tonality.tonalVoiced;
  const note = tonal ? noteName(d.pitchHz!) : null;
  const items = [
    duration(d),
    loudness(d),
    tonal ? pitch(d.pitchHz!, d.voicedRatio) : undefined,
    brightness(d),
    tonality(d, tonal),
    envelope(d),
    rhythm(d),
    continuity(d),
  ].filter((w): w is DescriptorWord => w !== undefined);
  return { items, durationS: d.durationS, onsetCount: d.onsetCount, note };
}

/** Distance in octaves between two positive quantities. */
const octaves = (a: number, b: number): number => Math.abs(Math.log2(Math.max(a, 1e-9) / b));
const linear = (a: number, b: number): number => Math.abs(a - b);
/** Whether `value` is at least `margin` from every edge, by the given distance. */
const clear = (value: number, edges: readonly number[], margin: number, distance = linear): boolean =>
  edges.every((e) => distance(value, e) >= margin);

function duration(d: AcousticDescriptors): DescriptorWord | undefined {
  const { veryShort, short, long, veryLong } = T.durationS;
  const s = d.durationS;
  const adjective =
    s < veryShort ? 'very short' : s < short ? 'short' : s >= veryLong ? 'very long' : s >= long ? 'long' : undefined;
  if (!adjective) return undefined;
  return {
    aspect: 'duration',
    adjective,
    phrase: `lasting ${durationInWords(s)}`,
    confident: clear(s, [veryShort, short, long, veryLong], MARGINS.octaves, octaves),
  };
}

function loudness(d: AcousticDescriptors): DescriptorWord | undefined {
  const { faint, quiet, loud, veryLoud } = T.levelDb;
  const level = d.loudnessLufs ?? d.rmsDb;
  const band: [string, string] | undefined =
    level < faint
      ? ['faint', 'at a barely audible level']
      : level < quiet
        ? ['quiet', 'at a low volume']
        : level >= veryLoud
          ? ['very loud', 'at a very high volume']
          : level >= loud
            ? ['loud', 'at a high volume']
            : undefined;
  if (!band) return undefined;
  const confident = clear(level, [faint, quiet, loud, veryLoud], MARGINS.db);
  return { aspect: 'loudness', adjective: band[0], phrase: band[1], confident };
}

function pitch(hz: number, voicedRatio: number): DescriptorWord {
  const { low, high } = T.pitchHz;
  const adjective = hz < low ? 'low-pitched' : hz >= high ? 'high-pitched' : 'mid-pitched';
  // The note is named only when the pitch is steady (mostly voiced) and close to a semitone.
  const midi = 69 + 12 * Math.log2(hz / 440);
  const onNote = Math.abs(midi - Math.round(midi)) <= 0.25 && voicedRatio >= T.tonality.tonalVoiced + 2 * MARGINS.ratio;
  return {
    aspect: 'pitch',
    adjective,
    phrase: onNote ? `pitched around ${noteName(hz)}` : `in ${register(midi)} register`,
    confident:
      clear(hz, [low, high], MARGINS.octaves, octaves) && voicedRatio >= T.tonality.tonalVoiced + MARGINS.ratio,
  };
}

function brightness(d: AcousticDescriptors): DescriptorWord | undefined {
  const { dark, muffled, bright } = T.centroidHz;
  const c = d.spectralCentroidHz;
  const band: [string, string] | undefined =
    c <= 0
      ? undefined // silence has no centroid
      : c < dark
        ? ['dark', 'with a dark, deep tone']
        : c < muffled
          ? ['muffled', 'sounding muffled']
          : c >= bright
            ? ['bright', 'with a bright, crisp tone']
            : undefined;
  if (!band) return undefined;
  const confident = clear(c, [dark, muffled, bright], MARGINS.octaves, octaves);
  return { aspect: 'brightness', adjective: band[0], phrase: band[1], confident };
}

function tonality(d: AcousticDescriptors, tonal: boolean): DescriptorWord | undefined {
  const { tonalVoiced, noisyVoiced, noisyFlatness } = T.tonality;
  if (tonal) {
    return {
      aspect: 'tonality',
      adjective: 'tonal',
      phrase: 'with a clear pitch',
      confident: d.voicedRatio >= tonalVoiced + MARGINS.ratio,
    };
  }
  if (d.voicedRatio < noisyVoiced && d.spectralFlatness >= noisyFlatness) {
    return {
      aspect: 'tonality',
      adjective: 'noisy',
      phrase: 'with a noisy, hissing texture',
      confident: d.voicedRatio <= noisyVoiced - MARGINS.ratio && d.spectralFlatness >= noisyFlatness + MARGINS.ratio,
    };
  }
  return undefined;
}

/** Struck or held: the sounding time per onset (a clip without onsets is held if it sounds long enough). */
function envelope(d: AcousticDescriptors): DescriptorWord | undefined {
  const { percussive, sustained } = T.envelopeS;
  const perOnset = (d.durationS * (1 - d.silenceRatio)) / Math.max(1, d.onsetCount);
  const confident = clear(perOnset, [percussive, sustained], MARGINS.envelopeOctaves, octaves);
  if (d.onsetCount >= 1 && perOnset < percussive) {
    return { aspect: 'envelope', adjective: 'percussive', phrase: 'with a sharp attack and a quick decay', confident };
  }
  if (perOnset >= sustained) return { aspect: 'envelope', adjective: 'sustained', phrase: 'held steadily', confident };
  return undefined;
}

function rhythm(d: AcousticDescriptors): DescriptorWord | undefined {
  const { minOnsets, maxIntervalCv, minRate, maxRate } = T.rhythm;
  const n = d.onsetCount;
  const cv = d.onsetIntervalCv;
  if (n >= minOnsets && cv != null && cv <= maxIntervalCv && d.onsetRate >= minRate && d.onsetRate <= maxRate) {
    return {
      aspect: 'rhythm',
      adjective: 'rhythmic',
      phrase: 'in a steady rhythm',
      confident: cv <= maxIntervalCv - MARGINS.ratio && n >= minOnsets + 2,
    };
  }
  if (n >= 2) {
    const phrase = n === 2 ? 'twice' : n === 3 ? 'three times' : 'repeatedly';
    return { aspect: 'rhythm', adjective: 'repeated', phrase, confident: n >= 3 };
  }
  // One onset is a single hit when the sound is short enough to be one; a long one is a held sound instead.
  const sounding = d.durationS * (1 - d.silenceRatio);
  if (n === 1 && sounding < T.envelopeS.sustained) {
    return {
      aspect: 'rhythm',
      adjective: 'single-hit',
      phrase: 'as a single hit',
      confident: clear(sounding, [T.envelopeS.sustained], MARGINS.envelopeOctaves, octaves),
    };
  }
  return undefined;
}

function continuity(d: AcousticDescriptors): DescriptorWord | undefined {
  const { continuous, gaps } = T.silence;
  const s = d.silenceRatio;
  if (s <= continuous) {
    return { aspect: 'continuity', adjective: 'continuous', phrase: 'without a break', confident: s <= continuous / 2 };
  }
  if (s >= gaps) {
    const several = d.onsetCount >= 2;
    return {
      aspect: 'continuity',
      adjective: several ? 'intermittent' : 'isolated',
      phrase: several ? 'with silences in between' : 'with stretches of silence',
      confident: s >= gaps + MARGINS.ratio,
    };
  }
  return undefined;
}

/** "A4" for 440 Hz; sharps, not flats; octave numbers as in scientific pitch notation (middle C = C4). */
export function noteName(hz: number): string {
  const midi = Math.round(69 + 12 * Math.log2(hz / 440));
  return `${NOTE_NAMES[((midi % 12) + 12) % 12]}${Math.floor(midi / 12) - 1}`;
}

/** "the bass", "a low", "a middle", "a high", "a very high" (register), from a fractional MIDI note. */
function register(midi: number): string {
  if (midi < 48) return 'the bass'; // below C3
  if (midi < 60) return 'a low'; // below middle C
  if (midi < 72) return 'a middle';
  if (midi < 84) return 'a high';
  return 'a very high';
}

/** "a fraction of a second", "half a second", "about a second", "about three seconds". */
export function durationInWords(s: number): string {
  if (s < 0.3) return 'a fraction of a second';
  if (s < 0.75) return 'half a second';
  if (s < 1.5) return 'about a second';
  return `about ${numberWord(Math.round(s))} seconds`;
}
