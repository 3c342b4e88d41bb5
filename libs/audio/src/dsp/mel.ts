// The Slaney mel scale and filterbank, as librosa.filters.mel(htk=False, norm='slaney') builds it (and as
// Whisper's mel_filters.npz was made): linear below 1 kHz, logarithmic above, triangles scaled to unit area.
import { checkNonNegative, checkPositiveInt, checkRate } from './validate.js';

const F_SP = 200 / 3; // Hz per mel in the linear part
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

export function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

export interface MelFilterbankOptions {
  sampleRate: number;
  nFft: number;
  nMels: number;
  /** Default 0. */
  fMin?: number;
  /** Default sampleRate / 2. */
  fMax?: number;
}

/** A filterbank: `weights` is nMels × bins row-major (bins = nFft/2 + 1), float32 as librosa returns it. */
export interface MelFilterbank {
  weights: Float32Array;
  nMels: number;
  bins: number;
  /** Non-zero span of each filter, for sparse application: row m is zero outside [start[m], end[m]). */
  start: Uint32Array;
  end: Uint32Array;
}

/** Checks the frequency range against the sample rate and returns [fMin, fMax]. */
export function checkMelRange(sampleRate: number, fMin: unknown, fMax: unknown, prefix = ''): [number, number] {
  const lo = fMin === undefined ? 0 : checkNonNegative(`${prefix}fMin`, fMin);
  const hi = fMax === undefined ? sampleRate / 2 : checkNonNegative(`${prefix}fMax`, fMax);
  if (hi > sampleRate / 2) {
    throw new RangeError(`${prefix}fMax (${hi}) must not exceed the Nyquist frequency ${sampleRate / 2} Hz`);
  }
  if (!(lo < hi)) throw new RangeError(`${prefix}fMin (${lo}) must be below ${prefix}fMax (${hi})`);
  return [lo, hi];
}

export function melFilterbank(opts: MelFilterbankOptions): MelFilterbank {
  const sampleRate = checkRate('sampleRate', opts.sampleRate);
  const nFft = checkPositiveInt('nFft', opts.nFft);
  const nMels = checkPositiveInt('nMels', opts.nMels);
  const [fMin, fMax] = checkMelRange(sampleRate, opts.fMin, opts.fMax);
  const bins = Math.floor(nFft / 2) + 1;
  // nMels + 2 band edges equally spaced in mel; filter m rises from edge m to m+1 and falls to m+2.
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  const weights = new Float32Array(nMels * bins);
  const start = new Uint32Array(nMels);
  const end = new Uint32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    const [left, centre, right] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const area = 2 / (right - left); // Slaney normalisation: each triangle integrates to 1 over Hz
    start[m] = bins;
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.max(0, Math.min((f - left) / (centre - left), (right - f) / (right - centre)));
      if (w <= 0) continue;
      weights[m * bins + k] = w * area;
      start[m] = Math.min(start[m]!, k);
      end[m] = k + 1;
    }
    if (end[m] === 0) start[m] = 0; // an empty filter (too many mels for nFft), as librosa allows
  }
  return { weights, nMels, bins, start, end };
}
