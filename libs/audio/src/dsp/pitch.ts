// Fundamental-frequency tracking with YIN (de Cheveigné & Kawahara 2002): the squared-difference function,
// normalised by its cumulative mean, is searched for the first dip below a threshold; parabolic interpolation
// refines the lag. Runs on an 8 kHz copy of the signal: enough for pitches up to 1 kHz, and the O(window · lag)
// difference function then costs little.
import { resample } from './resample.js';

export interface PitchTrack {
  /** Estimated f0 per frame in Hz; 0 where the frame is unvoiced or silent. */
  f0: Float64Array;
  /** Mean power per frame (of the analysis window), for silence gating by the caller. */
  power: Float64Array;
}

const ANALYSIS_RATE = 8000;
const F_MIN = 50;
const F_MAX = 1000;
const HOP_S = 0.02;
/** YIN's absolute threshold on the normalised difference: below it a lag counts as a period. */
const THRESHOLD = 0.1;

/** Frames whose mean power is at or below `silencePower` are left unvoiced. */
export function trackPitch(x: Float32Array, sampleRate: number, silencePower: number): PitchTrack {
  // A cheap anti-aliasing filter suffices: only the band below 1 kHz matters here.
  const rate = Math.min(sampleRate, ANALYSIS_RATE);
  const cheap = { cutoff: 0.9, transition: 0.2, attenuationDb: 60 };
  const y = rate === sampleRate ? x : resample(x, sampleRate, rate, cheap);
  const maxLag = Math.ceil(rate / F_MIN);
  const minLag = Math.max(2, Math.floor(rate / Math.min(F_MAX, rate / 4)));
  const window = maxLag;
  const hop = Math.round(HOP_S * rate);
  const frames = y.length < window + maxLag + 1 ? 0 : Math.floor((y.length - window - maxLag - 1) / hop) + 1;
  const f0 = new Float64Array(frames);
  const power = new Float64Array(frames);
  const diff = new Float64Array(maxLag + 2);
  const norm = new Float64Array(maxLag + 2);
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    let energy = 0;
    for (let j = 0; j < window; j++) energy += y[start + j]! ** 2;
    power[t] = energy / window;
    if (power[t]! <= silencePower) continue;
    difference(y, start, window, diff, norm);
    const lag = findPeriod(diff, norm, minLag, maxLag);
    if (lag > 0) f0[t] = rate / lag;
  }
  return { f0, power };
}

/**
 * YIN's difference function d(τ) and its cumulative-mean-normalised form d'(τ), for τ = 1..d.length−1 of the
 * frame at `start`.
 */
function difference(y: Float32Array, start: number, window: number, d: Float64Array, norm: Float64Array): void {
  norm[0] = 1;
  let cumulative = 0;
  for (let tau = 1; tau < d.length; tau++) {
    let sum = 0;
    for (let j = start; j < start + window; j++) {
      const delta = y[j]! - y[j + tau]!;
      sum += delta * delta;
    }
    d[tau] = sum;
    cumulative += sum;
    norm[tau] = cumulative > 0 ? (sum * tau) / cumulative : 1;
  }
}

/**
 * The first dip of d' below the threshold in [minLag, maxLag]; 0 when there is none. The period is the minimum of
 * d in that dip, refined by a parabola: d is nearly quadratic about a period, where d' is skewed by its
 * normalisation.
 */
function findPeriod(d: Float64Array, norm: Float64Array, minLag: number, maxLag: number): number {
  for (let tau = minLag; tau <= maxLag; tau++) {
    if (norm[tau]! >= THRESHOLD) continue;
    while (tau + 1 <= maxLag && d[tau + 1]! < d[tau]!) tau++;
    const [a, b, c] = [d[tau - 1]!, d[tau]!, d[tau + 1]!];
    const curvature = a - 2 * b + c;
    return curvature > 0 ? tau + (0.5 * (a - c)) / curvature : tau;
  }
  return 0;
}
