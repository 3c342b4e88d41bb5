import { describe, expect, it } from 'vitest';
import { resample, resampledLength, Resampler } from '../src/dsp/index.js';
import { dB, rms, sine, toneAmplitude, whiteNoise } from './reference/signals.js';

const TO = 16000;
/** Measurements skip the first and last 0.1 s, where the signal's own start and end are. */
const EDGE = 1600;

/** Amplitude gain in dB of a tone of `freq` Hz through from → to, measured at `freq` in the output. */
function gainDb(from: number, to: number, freq: number): number {
  const y = resample(sine(freq, from, 1, 0.5), from, to);
  return dB(toneAmplitude(y, freq, to, EDGE, y.length - EDGE) / 0.5);
}

/** Level in dB (re the input tone's RMS) of everything left in the output of a tone the filter should remove. */
function leakDb(from: number, to: number, freq: number): number {
  const y = resample(sine(freq, from, 1, 0.5), from, to);
  return dB(rms(y, EDGE, y.length - EDGE) / (0.5 / Math.SQRT2));
}

describe('resample: stop band and pass band', () => {
  it.each([44100, 48000, 22050])('%i Hz → 16 kHz: 7.9 kHz survives within 1 dB, 9 kHz is gone', (from) => {
    expect(Math.abs(gainDb(from, TO, 7900))).toBeLessThan(1);
    // 9 kHz would alias to 7 kHz: measure there and over the whole output.
    const y = resample(sine(9000, from, 1, 0.5), from, TO);
    expect(dB(toneAmplitude(y, 7000, TO, EDGE, y.length - EDGE) / 0.5)).toBeLessThan(-60);
    expect(leakDb(from, TO, 9000)).toBeLessThan(-60);
  });

  it.each([44100, 48000, 22050])('%i Hz → 16 kHz: at least 78 dB stop-band attenuation from 8.2 kHz up', (from) => {
    for (const f of [8200, 8500, 10000, 11000].filter((f) => f < from / 2)) {
      expect(leakDb(from, TO, f)).toBeLessThan(-78);
    }
  });

  it.each([
    [44100, 16000],
    [48000, 16000],
    [22050, 16000],
    [8000, 16000],
    [16000, 44100],
    [44101, 16000], // coprime: 16000 phases, so the table interpolates between 4096 of them
  ])('%i → %i Hz: DC and a 1 kHz tone keep their level (±0.01 dB)', (from, to) => {
    expect(Math.abs(gainDb(from, to, 1000))).toBeLessThan(0.01);
    const y = resample(new Float32Array(from).fill(0.5), from, to);
    let worst = 0;
    for (let i = EDGE; i < y.length - EDGE; i++) worst = Math.max(worst, Math.abs(y[i]! - 0.5));
    expect(worst).toBeLessThan(1e-5);
  });

  it('8 kHz → 16 kHz: keeps 3.9 kHz and leaves no image above the old Nyquist', () => {
    expect(Math.abs(gainDb(8000, TO, 3900))).toBeLessThan(0.5);
    // A 3 kHz tone at 8 kHz images at 5 kHz when upsampled.
    const y = resample(sine(3000, 8000, 1, 0.5), 8000, TO);
    expect(dB(toneAmplitude(y, 5000, TO, EDGE, y.length - EDGE) / 0.5)).toBeLessThan(-78);
  });

  it('44101 Hz → 16 kHz (interpolated phases): 9 kHz is still gone', () => {
    expect(leakDb(44101, TO, 9000)).toBeLessThan(-60);
  });
});

describe('resample: timing, lengths and edges', () => {
  it.each([
    [44100, 22050 + 17],
    [48000, 24001],
    [22050, 11025],
    [8000, 4003],
  ])('%i Hz: a click at input sample %i stays at its time (within a sample, no group delay)', (from, at) => {
    const x = new Float32Array(from);
    x[at] = 1;
    const y = resample(x, from, TO);
    const want = (at * TO) / from;
    let peak = 0;
    for (let i = 1; i < y.length; i++) if (y[i]! > y[peak]!) peak = i;
    expect(Math.abs(peak - want)).toBeLessThanOrEqual(0.5 + 1e-9);
    // The band-limited click is symmetric about its true time: a parabola through the peak finds it.
    const [a, b, c] = [y[peak - 1]!, y[peak]!, y[peak + 1]!];
    expect(Math.abs(peak + (0.5 * (a - c)) / (a - 2 * b + c) - want)).toBeLessThan(0.2);
  });

  it('returns round(length · to / from) samples', () => {
    for (const n of [0, 1, 2, 3, 100, 441, 1000, 44099]) {
      expect(resample(new Float32Array(n), 44100, TO).length).toBe(Math.round((n * TO) / 44100));
      expect(resample(new Float32Array(n), 8000, TO).length).toBe(2 * n);
    }
    expect(resampledLength(44100 * 30, 44100, TO)).toBe(480000);
  });

  it('handles impulses at the very ends and tiny inputs without NaN', () => {
    for (const n of [1, 2, 5, 50, 3000]) {
      const x = new Float32Array(n);
      x[0] = 1;
      x[n - 1] = -1;
      for (const [from, to] of [
        [44100, TO],
        [8000, TO],
        [48000, TO],
      ] as const) {
        const y = resample(x, from, to);
        expect(y.every(Number.isFinite)).toBe(true);
      }
    }
    const y = resample(Float32Array.of(1, 0, 0, 0, 0, 0, 0, 0), 8000, TO);
    expect(y[0]).toBeCloseTo(1, 2); // output 0 sits on input 0 (the low-pass at 0.998 · Nyquist shaves 0.2%)
  });

  it('equal rates return a copy', () => {
    const x = Float32Array.of(1, 2, 3);
    const y = resample(x, TO, TO);
    expect(Array.from(y)).toEqual([1, 2, 3]);
    expect(y).not.toBe(x);
  });

  it('offset/length compute exactly that part of the full output', () => {
    const x = whiteNoise(44100, 0.5, 9);
    const full = resample(x, 44100, TO);
    const part = resample(x, 44100, TO, { offset: 5000, length: 3000 });
    expect(Array.from(part)).toEqual(Array.from(full.subarray(5000, 8000)));
    expect(Array.from(resample(x, 44100, TO, { offset: 15990 }))).toEqual(Array.from(full.subarray(15990)));
  });
});

describe('Resampler (streaming)', () => {
  it.each([
    [44100, 16000],
    [48000, 16000],
    [22050, 16000],
    [8000, 16000],
    [16000, 16000],
  ])('%i → %i Hz: chunked output equals resample() exactly', (from, to) => {
    const x = whiteNoise(from + 1234, 0.5, 3);
    const want = resample(x, from, to);
    const r = new Resampler(from, to);
    const parts: Float32Array[] = [];
    let seed = 1;
    for (let i = 0; i < x.length; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const n = seed % 3000; // includes empty chunks
      parts.push(r.push(x.subarray(i, i + n)));
      i += n;
    }
    parts.push(r.flush());
    const got = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      got.set(p, o);
      o += p.length;
    }
    expect(got.length).toBe(want.length);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('emits output before the end of the stream, and refuses use after flush', () => {
    const r = new Resampler(44100, TO);
    expect(r.push(new Float32Array(44100)).length).toBeGreaterThan(15000);
    r.flush();
    expect(() => r.push(new Float32Array(1))).toThrow(/after flush/);
    expect(() => r.flush()).toThrow(/twice/);
  });
});

describe('resample: bad arguments', () => {
  const x = new Float32Array(100);
  it.each([0, -44100, NaN, Infinity, 44100.5, 1e12])('rejects the sample rate %s with a RangeError', (rate) => {
    expect(() => resample(x, rate, TO)).toThrow(RangeError);
    expect(() => resample(x, 44100, rate)).toThrow(RangeError);
    expect(() => new Resampler(rate, TO)).toThrow(RangeError);
  });

  it('names the argument in TypeErrors', () => {
    const text = '44100' as unknown as number;
    expect(() => resample(x, text, TO)).toThrow(new TypeError('fromRate must be a number, got "44100"'));
    expect(() => resample([1, 2] as unknown as Float32Array, 44100, TO)).toThrow(/x must be a Float32Array/);
    expect(() => new Resampler(44100, TO).push(new Float64Array(4) as unknown as Float32Array)).toThrow(TypeError);
  });

  it('rejects impossible filter options and ranges', () => {
    expect(() => resample(x, 44100, TO, { cutoff: 1.2 })).toThrow(/opts.cutoff must be at most 1/);
    expect(() => resample(x, 44100, TO, { transition: 0 })).toThrow(RangeError);
    expect(() => resample(x, 44100, TO, { attenuationDb: -3 })).toThrow(RangeError);
    expect(() => resample(x, 44100, TO, { offset: -1 })).toThrow(RangeError);
    expect(() => resample(x, 44100, TO, { offset: 30, length: 20 })).toThrow(/exceeds the 36 output samples/);
  });
});

describe('resample: speed', () => {
  it('30 s of 44.1 kHz audio (prints the time)', () => {
    const x = whiteNoise(44100 * 30, 0.5);
    resample(x.subarray(0, 44100), 44100, TO); // warm up the JIT and the filter cache
    const t0 = performance.now();
    const y = resample(x, 44100, TO);
    const ms = performance.now() - t0;
    const realTime = ((30 * 1000) / ms).toFixed(0);
    console.log(`resample 30 s 44.1 kHz → 16 kHz: ${ms.toFixed(0)} ms (${realTime}× real time)`);
    expect(y.length).toBe(480000);
  });
});
