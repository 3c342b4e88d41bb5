// Acoustic descriptors for automated annotation: level and loudness, silence, brightness (spectral centroid and
// roll-off), noisiness (spectral flatness), pitch and voicing, and onsets. Thresholds are chosen for words
// ("faint", "high pitched", "noisy", "repeated"), not for measurement-grade analysis.
import { RealFft } from './fft.js';
import { integratedLoudness, MIN_LOUDNESS_RATE } from './loudness.js';
import { trackPitch } from './pitch.js';
import { checkRate, checkSignal } from './validate.js';

export interface AudioDescriptors {
  durationS: number;
  /** RMS level in dBFS (a full-scale sine reads −3.01); −120 for digital silence. */
  rmsDb: number;
  /** Peak sample level in dBFS; −120 for digital silence. */
  peakDb: number;
  /** BS.1770 integrated loudness (mono) in LUFS; null when nothing is louder than −70 LUFS or the rate is < 4 kHz. */
  loudnessLufs: number | null;
  /** Magnitude-weighted mean frequency over the whole clip (Hz); 0 for silence. */
  spectralCentroidHz: number;
  /** Frequency below which 85% of the spectral magnitude lies (Hz); 0 for silence. */
  spectralRolloffHz: number;
  /** Geometric / arithmetic mean of the power spectrum over non-silent frames: ≈0 tonal, ≈0.56 white noise. */
  spectralFlatness: number;
  /** Median f0 over voiced frames (Hz), or null when no frame is voiced. */
  pitchHz: number | null;
  /** Fraction of the non-silent pitch frames that are voiced (0 when all are silent). */
  voicedRatio: number;
  onsetCount: number;
  /** Onsets per second. */
  onsetRate: number;
  /**
   * Regularity of the gaps between onsets: their standard deviation over their mean (0 = a steady beat); null with
   * fewer than 3 onsets.
   */
  onsetIntervalCv: number | null;
  /** Fraction of the clip in 10 ms blocks at or below −50 dBFS (or 30 dB under the loudest block, if lower). */
  silenceRatio: number;
  /** Sign changes per sample pair (a sine of f Hz gives 2f / sampleRate). */
  zeroCrossingRate: number;
}

const DB_FLOOR = -120;
const SILENCE_DBFS = -50;
const SILENCE_BELOW_LOUDEST_DB = 30;
const ROLLOFF = 0.85;
/** An onset's flux must exceed its local mean by this fraction of the clip's largest flux. */
const ONSET_DELTA = 0.1;
const ONSET_PEAK_S = 0.03;
const ONSET_MEAN_S = 0.1;

const toDb = (amplitude: number): number => (amplitude > 0 ? Math.max(DB_FLOOR, 20 * Math.log10(amplitude)) : DB_FLOOR);

/** Describes a mono signal. Spectral measures use frames of about 50 ms (a power of two) with 75% overlap. */
export function describeAudio(x: Float32Array, sampleRate: number): AudioDescriptors {
  checkSignal('x', x);
  const rate = checkRate('sampleRate', sampleRate, true);
  const silence = silenceStats(x, rate);
  const spectral = spectralStats(x, rate, silence.threshold);
  const pitch = pitchStats(x, rate, silence.threshold);
  const durationS = x.length / rate;
  let peak = 0;
  let sumSquares = 0;
  let crossings = 0;
  for (let i = 0; i < x.length; i++) {
    peak = Math.max(peak, Math.abs(x[i]!));
    sumSquares += x[i]! ** 2;
    if (i > 0 && x[i]! >= 0 !== x[i - 1]! >= 0) crossings++;
  }
  return {
    durationS,
    rmsDb: toDb(Math.sqrt(sumSquares / x.length)),
    peakDb: toDb(peak),
    loudnessLufs: rate >= MIN_LOUDNESS_RATE ? integratedLoudness(x, rate) : null,
    spectralCentroidHz: spectral.centroidHz,
    spectralRolloffHz: spectral.rolloffHz,
    spectralFlatness: spectral.flatness,
    pitchHz: pitch.pitchHz,
    voicedRatio: pitch.voicedRatio,
    onsetCount: spectral.onsets.length,
    onsetRate: spectral.onsets.length / durationS,
    onsetIntervalCv: intervalCv(spectral.onsets),
    silenceRatio: silence.ratio,
    zeroCrossingRate: x.length > 1 ? crossings / (x.length - 1) : 0,
  };
}

/**
 * The silence threshold (a mean power: −50 dBFS, or 30 dB under the loudest 10 ms block if that is lower, so
 * that a quiet recording still has its pauses) and the fraction of samples in 10 ms blocks at or below it.
 */
function silenceStats(x: Float32Array, rate: number): { threshold: number; ratio: number } {
  const size = Math.max(1, Math.round(0.01 * rate));
  const powers = new Float64Array(Math.ceil(x.length / size));
  for (let b = 0; b < powers.length; b++) {
    const end = Math.min(x.length, (b + 1) * size);
    let s = 0;
    for (let i = b * size; i < end; i++) s += x[i]! ** 2;
    powers[b] = s / (end - b * size);
  }
  const loudest = powers.reduce((m, p) => Math.max(m, p), 0);
  const threshold = Math.min(10 ** (SILENCE_DBFS / 10), loudest * 10 ** (-SILENCE_BELOW_LOUDEST_DB / 10));
  let silent = 0;
  powers.forEach((p, b) => {
    if (p <= threshold) silent += Math.min(size, x.length - b * size);
  });
  return { threshold, ratio: silent / x.length };
}

type PitchStats = Pick<AudioDescriptors, 'pitchHz' | 'voicedRatio'>;

function pitchStats(x: Float32Array, rate: number, silencePower: number): PitchStats {
  const { f0, power } = trackPitch(x, rate, silencePower);
  const voiced = Array.from(f0.filter((f) => f > 0)).sort((a, b) => a - b);
  if (voiced.length === 0) return { pitchHz: null, voicedRatio: 0 };
  const sounding = power.filter((p) => p > silencePower).length;
  const mid = voiced.length >> 1;
  const median = voiced.length % 2 === 1 ? voiced[mid]! : (voiced[mid - 1]! + voiced[mid]!) / 2;
  return { pitchHz: median, voicedRatio: voiced.length / sounding };
}

interface SpectralStats {
  centroidHz: number;
  rolloffHz: number;
  flatness: number;
  /** Onset times in seconds. */
  onsets: number[];
}

/**
 * One pass over Hann-windowed frames: the summed magnitude spectrum, per-frame flatness, the spectral flux and
 * whether each frame's (windowed) energy rose.
 */
function spectralStats(x: Float32Array, rate: number, silencePower: number): SpectralStats {
  const nFft = 2 ** Math.max(6, Math.round(Math.log2(0.05 * rate)));
  const hop = nFft / 4;
  const fft = new RealFft(nFft);
  const window = new Float64Array(nFft);
  for (let j = 0; j < nFft; j++) window[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / nFft);
  // Magnitudes are scaled so that a full-scale sine's peak bin reads 1; energies are divided by Σw² so that
  // they compare with the (unwindowed) silence threshold.
  const scale = 2 / window.reduce((s, w) => s + w, 0);
  const windowPower = window.reduce((s, w) => s + w * w, 0);
  // Only whole frames (zeros past the end would read as the sound stopping abruptly), at least one.
  const frames = x.length < nFft ? 1 : Math.floor((x.length - nFft) / hop) + 1;
  const frame = new Float64Array(nFft);
  const power = new Float64Array(fft.bins);
  const magSum = new Float64Array(fft.bins);
  // The previous and the current frame; the clip starts from silence.
  let previous = new Float64Array(fft.bins);
  let current = new Float64Array(fft.bins);
  let previousEnergy = 0;
  const flux = new Float64Array(frames);
  const rising = new Uint8Array(frames);
  let flatnessSum = 0;
  let sounding = 0;
  for (let t = 0; t < frames; t++) {
    let energy = 0;
    for (let j = 0, i = t * hop; j < nFft; j++, i++) {
      frame[j] = (i < x.length ? x[i]! : 0) * window[j]!;
      energy += frame[j]! ** 2;
    }
    energy /= windowPower;
    fft.power(frame, power);
    let rise = 0;
    for (let k = 0; k < fft.bins; k++) {
      current[k] = Math.sqrt(power[k]!) * scale;
      magSum[k]! += current[k]!;
      rise += Math.max(0, current[k]! - previous[k]!);
    }
    flux[t] = rise;
    rising[t] = energy > previousEnergy ? 1 : 0;
    [previous, current, previousEnergy] = [current, previous, energy];
    if (energy > silencePower) {
      flatnessSum += flatness(power);
      sounding++;
    }
  }
  const [centroidHz, rolloffHz] = centroidAndRolloff(magSum, rate / nFft);
  return {
    centroidHz,
    rolloffHz,
    flatness: sounding > 0 ? flatnessSum / sounding : 0,
    onsets: pickOnsets(flux, rising, hop / rate),
  };
}

/** librosa's spectral_flatness: geometric over arithmetic mean of the power spectrum, floored at 1e-10. */
function flatness(power: Float64Array): number {
  let logSum = 0;
  let sum = 0;
  for (const p of power) {
    const v = Math.max(p, 1e-10);
    logSum += Math.log(v);
    sum += v;
  }
  return Math.exp(logSum / power.length) / (sum / power.length);
}

function centroidAndRolloff(mag: Float64Array, binHz: number): [number, number] {
  const total = mag.reduce((s, m) => s + m, 0);
  if (total === 0) return [0, 0];
  let weighted = 0;
  mag.forEach((m, k) => (weighted += m * k * binHz));
  let cumulative = 0;
  let k = 0;
  while (k < mag.length - 1 && (cumulative += mag[k]!) < ROLLOFF * total) k++;
  return [weighted / total, k * binHz];
}

/**
 * Onsets are peaks of the spectral flux (the summed rise of the magnitude spectrum): the largest value within
 * ±30 ms, standing out from the mean of the surrounding ±100 ms by more than 10% of the clip's largest flux, in a
 * frame whose energy rose. The last condition drops the broadband splatter of a sound that stops abruptly, which
 * raises many bins while the level falls.
 */
function pickOnsets(flux: Float64Array, rising: Uint8Array, hopS: number): number[] {
  const peakRadius = Math.max(1, Math.round(ONSET_PEAK_S / hopS));
  const meanRadius = Math.max(1, Math.round(ONSET_MEAN_S / hopS));
  const delta = ONSET_DELTA * flux.reduce((m, f) => Math.max(m, f), 0);
  const onsets: number[] = [];
  for (let t = 0; t < flux.length; t++) {
    const v = flux[t]!;
    const near = flux.subarray(Math.max(0, t - peakRadius), t + peakRadius + 1);
    if (v < Math.max(...near)) continue;
    const around = flux.subarray(Math.max(0, t - meanRadius), t + meanRadius + 1);
    const mean = around.reduce((s, f) => s + f, 0) / around.length;
    if (rising[t] && v > mean + delta) {
      onsets.push(t * hopS);
      t += peakRadius; // a plateau of equal maxima is one onset
    }
  }
  return onsets;
}

/** Coefficient of variation of the gaps between consecutive times; null with fewer than two gaps. */
function intervalCv(times: number[]): number | null {
  if (times.length < 3) return null;
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const variance = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length;
  return Math.sqrt(variance) / mean;
}
