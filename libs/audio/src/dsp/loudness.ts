// Integrated loudness after ITU-R BS.1770-4, for one channel: K-weighting (a high-shelf "head" filter and the
// RLB high-pass), mean square over 400 ms blocks every 100 ms, an absolute gate at −70 LUFS and a relative gate
// 10 LU below the loudness of the blocks that passed it. The filter coefficients are derived for any sample rate
// from the analogue prototypes (as libebur128 does); at 48 kHz they are the standard's table.
import { checkRate, checkSignal } from './validate.js';

export interface Biquad {
  b: [number, number, number];
  a: [number, number, number];
}

/** The two K-weighting stages for `sampleRate`. */
export function kWeighting(sampleRate: number): [Biquad, Biquad] {
  // Stage 1: high shelf, +4 dB above ~1.7 kHz (the acoustic effect of the head).
  let k = Math.tan((Math.PI * 1681.974450955533) / sampleRate);
  let q = 0.7071752369554196;
  const vh = 10 ** (3.999843853973347 / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b: [(vh + (vb * k) / q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / q + k * k) / a0],
    a: [1, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0],
  };
  // Stage 2: the RLB high-pass at ~38 Hz.
  k = Math.tan((Math.PI * 38.13547087602444) / sampleRate);
  q = 0.5003270373238773;
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = { b: [1, -2, 1], a: [1, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0] };
  return [shelf, highPass];
}

function filter(x: Float32Array | Float64Array, { b, a }: Biquad): Float64Array {
  const y = new Float64Array(x.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    const y0 = b[0] * x0 + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2;
    y[i] = y0;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
  }
  return y;
}

/** The K-weighting shelf sits at 1.68 kHz, so the rate must leave it well below Nyquist. */
export const MIN_LOUDNESS_RATE = 4000;
const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;

const lufs = (meanSquare: number): number => -0.691 + 10 * Math.log10(meanSquare);

/**
 * Integrated loudness of a mono signal in LUFS, or null when no block is louder than −70 LUFS (silence).
 * A signal shorter than one 400 ms block is measured as a single block.
 */
export function integratedLoudness(x: Float32Array, sampleRate: number): number | null {
  checkSignal('x', x);
  const rate = checkRate('sampleRate', sampleRate);
  if (rate < MIN_LOUDNESS_RATE) {
    throw new RangeError(`sampleRate must be at least ${MIN_LOUDNESS_RATE} Hz for K-weighting, got ${rate}`);
  }
  const [shelf, highPass] = kWeighting(rate);
  const y = filter(filter(x, shelf), highPass);
  const prefix = new Float64Array(y.length + 1);
  for (let i = 0; i < y.length; i++) prefix[i + 1] = prefix[i]! + y[i]! * y[i]!;
  const block = Math.min(y.length, Math.round(0.4 * rate));
  const step = Math.round(0.1 * rate);
  const blocks: number[] = [];
  for (let s = 0; s + block <= y.length; s += step) blocks.push((prefix[s + block]! - prefix[s]!) / block);
  const loud = blocks.filter((z) => lufs(z) > ABSOLUTE_GATE_LUFS);
  if (loud.length === 0) return null;
  const threshold = lufs(mean(loud)) + RELATIVE_GATE_LU;
  return lufs(mean(loud.filter((z) => lufs(z) > threshold)));
}

function mean(v: number[]): number {
  return v.reduce((s, z) => s + z, 0) / v.length;
}
