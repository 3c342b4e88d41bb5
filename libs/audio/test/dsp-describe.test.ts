import { describe, expect, it } from 'vitest';
import { describeAudio, integratedLoudness } from '../src/dsp/index.js';
import { kWeighting } from '../src/dsp/loudness.js';
import { sine, whiteNoise } from './reference/signals.js';

const SR = 16000;

/** `levels.length` sine bursts of 0.2 s, 0.6 s apart from 0.3 s, cut abruptly (no fades). */
function bursts(levels: number[], seconds = 3): Float32Array {
  const x = new Float32Array(seconds * SR);
  levels.forEach((a, b) => {
    const start = Math.round((0.3 + 0.6 * b) * SR);
    for (let i = 0; i < 0.2 * SR; i++) x[start + i] = a * Math.sin((2 * Math.PI * 330 * i) / SR);
  });
  return x;
}

function clickTrain(count: number, noise = 0): Float32Array {
  const x = noise > 0 ? whiteNoise(2 * SR, noise, 7) : new Float32Array(2 * SR);
  for (let i = 0; i < count; i++) x[Math.round((0.2 + 0.35 * i) * SR)]! += 0.9;
  return x;
}

describe('describeAudio: level and loudness', () => {
  it('RMS and peak of a sine of amplitude a are 20·log10(a/√2) and 20·log10(a) dBFS', () => {
    for (const a of [1, 0.5, 0.01]) {
      const d = describeAudio(sine(1000, SR, 1, a), SR);
      expect(d.rmsDb).toBeCloseTo(20 * Math.log10(a / Math.SQRT2), 2);
      expect(d.peakDb).toBeCloseTo(20 * Math.log10(a), 2);
      expect(d.durationS).toBe(1);
    }
  });

  it('BS.1770: a 1 kHz sine at −20 dBFS reads −23 LUFS, at 0 dBFS −3.01 LUFS (mono)', () => {
    for (const rate of [48000, 44100, 16000]) {
      expect(describeAudio(sine(1000, rate, 5, 0.1), rate).loudnessLufs).toBeCloseTo(-23, 1);
      expect(integratedLoudness(sine(1000, rate, 5, 1), rate)).toBeCloseTo(-3.01, 1);
    }
  });

  it("BS.1770: K-weighting at 48 kHz has the standard's coefficients", () => {
    const [shelf, highPass] = kWeighting(48000);
    const table = [
      [shelf.b, [1.53512485958697, -2.69169618940638, 1.19839281085285]],
      [shelf.a, [1, -1.69065929318241, 0.73248077421585]],
      [highPass.b, [1, -2, 1]],
      [highPass.a, [1, -1.99004745483398, 0.99007225036621]],
    ] as const;
    for (const [got, want] of table) got.forEach((c, i) => expect(c).toBeCloseTo(want[i]!, 10));
  });

  it('BS.1770 gating: a quiet tail 40 dB down is ignored; silence has no loudness', () => {
    const x = new Float32Array(10 * 48000);
    x.set(sine(1000, 48000, 5, 0.1));
    x.set(sine(1000, 48000, 5, 0.001), 5 * 48000);
    // Ungated, half the time at −23 and half at −63 would average to −26; the blocks that straddle the step
    // still pass the relative gate and pull the result a little under −23.
    expect(Math.abs(integratedLoudness(x, 48000)! + 23)).toBeLessThan(0.2);
    expect(integratedLoudness(new Float32Array(48000), 48000)).toBeNull();
    expect(integratedLoudness(sine(1000, 48000, 0.1, 0.1), 48000)).toBeCloseTo(-23, 0); // shorter than a block
  });

  it('loudness needs a rate that keeps the K-weighting shelf below Nyquist', () => {
    expect(() => integratedLoudness(new Float32Array(100), 2000)).toThrow(/at least 4000 Hz/);
    expect(() => integratedLoudness(new Float32Array(0), 16000)).toThrow(RangeError);
    const lowRate = describeAudio(sine(300, 2000, 1, 0.5), 2000);
    expect(lowRate.loudnessLufs).toBeNull();
    expect(Math.abs(lowRate.pitchHz! / 300 - 1)).toBeLessThan(0.01); // the rest still works
  });

  it('digital silence: −120 dB floors, no loudness, no pitch, all silent, no onsets', () => {
    expect(describeAudio(new Float32Array(SR), SR)).toEqual({
      durationS: 1,
      rmsDb: -120,
      peakDb: -120,
      loudnessLufs: null,
      spectralCentroidHz: 0,
      spectralRolloffHz: 0,
      spectralFlatness: 0,
      pitchHz: null,
      voicedRatio: 0,
      onsetCount: 0,
      onsetRate: 0,
      onsetIntervalCv: null,
      silenceRatio: 1,
      zeroCrossingRate: 0,
    });
  });
});

describe('describeAudio: spectrum, pitch and voicing', () => {
  it.each([16000, 44100])('a 220 Hz sine at %i Hz: pitch and centroid ≈ 220 Hz, voiced, tonal', (rate) => {
    const d = describeAudio(sine(220, rate, 2, 0.5), rate);
    expect(d.pitchHz).toBeCloseTo(220, 0);
    expect(Math.abs(d.spectralCentroidHz - 220)).toBeLessThan(10);
    expect(d.spectralRolloffHz).toBeLessThan(300);
    expect(d.voicedRatio).toBeGreaterThan(0.9);
    expect(d.spectralFlatness).toBeLessThan(0.01);
    expect(d.zeroCrossingRate).toBeCloseTo((2 * 220) / rate, 3);
    expect(d.silenceRatio).toBe(0);
    expect(d.onsetCount).toBe(1); // the sound starts with the clip
  });

  it.each([
    [110, 16000],
    [440, 16000],
    [880, 48000],
  ])('a %i Hz sine at %i Hz: pitch within 0.5%', (f, rate) => {
    expect(Math.abs(describeAudio(sine(f, rate, 1, 0.3), rate).pitchHz! / f - 1)).toBeLessThan(0.005);
  });

  it.each([16000, 44100])('white noise at %i Hz: no pitch, flat spectrum, centroid near sr/4', (rate) => {
    const d = describeAudio(whiteNoise(2 * rate, 0.5), rate);
    expect(d.pitchHz).toBeNull();
    expect(d.voicedRatio).toBeLessThan(0.1);
    expect(d.spectralFlatness).toBeGreaterThan(0.4);
    expect(Math.abs(d.spectralCentroidHz / (rate / 4) - 1)).toBeLessThan(0.05);
    expect(d.zeroCrossingRate).toBeCloseTo(0.5, 1);
  });

  it('half sine, half silence: silence ratio 0.5, voiced ratio over the sounding part', () => {
    const x = sine(440, SR, 2, 0.5);
    x.fill(0, SR);
    const d = describeAudio(x, SR);
    expect(d.silenceRatio).toBeCloseTo(0.5, 2);
    expect(d.voicedRatio).toBeGreaterThan(0.9);
    expect(d.pitchHz).toBeCloseTo(440, 0);
  });

  it('silence is relative in a quiet recording: pauses 40 dB under a −60 dBFS sound count', () => {
    const x = sine(440, SR, 2, 0.001);
    x.fill(0, SR);
    x.set(sine(440, SR, 1, 0.00001), SR);
    expect(describeAudio(x, SR).silenceRatio).toBeCloseTo(0.5, 2);
  });
});

describe('describeAudio: onsets', () => {
  it('a click train with 5 clicks has 5 onsets, 2.5 per second', () => {
    const d = describeAudio(clickTrain(5), SR);
    expect(d.onsetCount).toBe(5);
    expect(d.onsetRate).toBeCloseTo(2.5, 6);
  });

  it('onset regularity: a steady click train has interval CV ≈ 0, an irregular one does not, < 3 onsets → null', () => {
    expect(describeAudio(clickTrain(5), SR).onsetIntervalCv).toBeLessThan(0.05);
    const irregular = new Float32Array(2 * SR);
    const times = [0.1, 0.2, 0.7, 0.85, 1.6];
    for (const t of times) irregular[Math.round(t * SR)] = 0.9;
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const cv = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length) / mean;
    expect(describeAudio(irregular, SR).onsetIntervalCv).toBeCloseTo(cv, 1);
    expect(describeAudio(clickTrain(2), SR).onsetIntervalCv).toBeNull();
  });

  it('clicks over faint noise: 5 onsets, plus one where the noise starts when it is audible', () => {
    expect(describeAudio(clickTrain(5, 0.001), SR).onsetCount).toBe(5);
    expect(describeAudio(clickTrain(5, 0.05), SR).onsetCount).toBe(6);
  });

  it('abruptly cut tone bursts count once each (their ends are not onsets), loud or 20 dB quieter', () => {
    expect(describeAudio(bursts([0.5, 0.5, 0.5, 0.5]), SR).onsetCount).toBe(4);
    expect(describeAudio(bursts([0.5, 0.05, 0.5, 0.05]), SR).onsetCount).toBe(4);
  });

  it('steady noise has just the one onset at its start', () => {
    expect(describeAudio(whiteNoise(3 * SR, 0.3), SR).onsetCount).toBe(1);
  });
});

describe('describeAudio: edges and errors', () => {
  it('describes very short input without NaN', () => {
    for (const n of [1, 2, 100, 1000]) {
      const d = describeAudio(whiteNoise(n, 0.5), SR);
      for (const v of Object.values(d)) if (v !== null) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('rejects empty input, bad rates and non-Float32Array input', () => {
    expect(() => describeAudio(new Float32Array(0), SR)).toThrow(new RangeError('x is empty (0 samples)'));
    expect(() => describeAudio(new Float32Array(10), 0)).toThrow(/sampleRate must be a positive integer, got 0/);
    expect(() => describeAudio(new Float32Array(10), NaN)).toThrow(RangeError);
    const wrongType = new Float64Array(10) as never;
    expect(() => describeAudio(wrongType, SR)).toThrow(/x must be a Float32Array, got Float64Array\(10\)/);
  });

  it('30 s at 16 kHz and at 44.1 kHz (prints the time)', () => {
    for (const rate of [16000, 44100]) {
      const x = sine(220, rate, 30, 0.3);
      const noise = whiteNoise(x.length, 0.01);
      for (let i = 0; i < x.length; i++) x[i]! += noise[i]!;
      describeAudio(x.subarray(0, rate), rate);
      const t0 = performance.now();
      describeAudio(x, rate);
      console.log(`describeAudio 30 s at ${rate} Hz: ${(performance.now() - t0).toFixed(0)} ms`);
    }
  });
});
