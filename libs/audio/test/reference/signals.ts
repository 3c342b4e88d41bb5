// Test signals and measurements shared by the dsp tests. referenceSignal() must stay in step with
// reference_signal() in make_logmel_reference.py.

/** xorshift32 noise in [−1, 1), bit-identical to the Python generator. */
export function xorshift32Noise(n: number, seed = 0x12345678): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** 1.5 s at 16 kHz: a 100 Hz → 6 kHz chirp over noise, 0.25 s of digital silence, then a 440 Hz tone over noise. */
export function referenceSignal(): Float32Array {
  const sr = 16000;
  const n = 1.5 * sr;
  const noise = xorshift32Noise(n);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sr;
    const chirp = 0.4 * Math.sin(2 * Math.PI * (100 * t + ((6000 - 100) / 2) * t ** 2));
    const tone = 0.1 * Math.sin(2 * Math.PI * 440 * t);
    x[i] = t >= 1.0 && t < 1.25 ? 0 : (t < 1.0 ? chirp : tone) + 0.02 * noise[i]!;
  }
  return x;
}

export function sine(freq: number, sampleRate: number, seconds: number, amplitude = 1, phase = 0): Float32Array {
  const x = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return x;
}

export function whiteNoise(n: number, amplitude = 1, seed = 1): Float32Array {
  return Float32Array.from(xorshift32Noise(n, seed), (v) => amplitude * v);
}

/**
 * Amplitude of the component at `freq` in y[from..to), by correlation with a Hann-windowed complex exponential
 * (the window keeps leakage from other components and the segment's ends far below −100 dB).
 */
export function toneAmplitude(y: Float32Array, freq: number, sampleRate: number, from = 0, to = y.length): number {
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = from; i < to; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i - from)) / (to - from));
    const phase = (2 * Math.PI * freq * i) / sampleRate;
    re += w * y[i]! * Math.cos(phase);
    im += w * y[i]! * Math.sin(phase);
    wsum += w;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

export function rms(y: Float32Array, from = 0, to = y.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += y[i]! ** 2;
  return Math.sqrt(s / (to - from));
}

export const dB = (ratio: number): number => 20 * Math.log10(ratio);
