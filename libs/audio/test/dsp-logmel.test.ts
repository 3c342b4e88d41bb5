import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  hzToMel,
  LogMelExtractor,
  logMelSpectrogram,
  melFilterbank,
  melToHz,
  parseLogMelConfig,
  type LogMelConfig,
} from '../src/dsp/index.js';
import { referenceSignal, sine } from './reference/signals.js';

interface ReferenceCase {
  name: string;
  config: LogMelConfig;
  frames: number;
  max: number;
  frameIndices: number[];
  values: number[][];
}

interface Reference {
  signal: { sampleRate: number; length: number; sum: number };
  filterbanks: Record<string, { start: number; values: number[] }[]>;
  cases: ReferenceCase[];
}

// Written by test/reference/make_logmel_reference.py (numpy only).
const reference = JSON.parse(
  readFileSync(new URL('./reference/logmel_reference.json', import.meta.url), 'utf8'),
) as Reference;

const WHISPER = { sampleRate: 16000, nFft: 400, hopLength: 160 } as const;

describe('mel scale (Slaney)', () => {
  it('is linear below 1 kHz (200/3 Hz per mel), logarithmic above, and invertible', () => {
    expect(hzToMel(200 / 3)).toBeCloseTo(1, 12);
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(6400)).toBeCloseTo(15 + 27, 12); // 27 mels per factor 6.4
    for (const hz of [0, 10, 500, 999.9, 1000, 1000.1, 4000, 8000, 22050]) {
      expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 8);
    }
  });
});

describe('melFilterbank', () => {
  it.each([80, 128])('matches the numpy (librosa formula) filterbank for %i mels', (nMels) => {
    const bank = melFilterbank({ ...WHISPER, nMels });
    const want = reference.filterbanks[String(nMels)]!;
    expect(bank.bins).toBe(201);
    expect(bank.weights.length).toBe(nMels * 201);
    want.forEach((row, m) => {
      expect(bank.start[m]).toBe(row.start);
      expect(bank.end[m]).toBe(row.start + row.values.length);
      for (let k = 0; k < bank.bins; k++) {
        const w = row.values[k - row.start] ?? 0;
        expect(Math.abs(bank.weights[m * bank.bins + k]! - w)).toBeLessThanOrEqual(1e-7 * Math.abs(w) + 1e-12);
      }
    });
  });

  it('has Slaney area normalisation: each triangle integrates to 1 over Hz', () => {
    // 1 Hz bins sample the triangles finely enough to integrate them.
    const bank = melFilterbank({ sampleRate: 16000, nFft: 16000, nMels: 80 });
    for (let m = 0; m < bank.nMels; m++) {
      let area = 0;
      for (let k = 0; k < bank.bins; k++) area += bank.weights[m * bank.bins + k]!;
      expect(area).toBeCloseTo(1, 2);
    }
  });

  it('has non-negative, single-peaked, overlapping triangles between fMin and fMax', () => {
    const bank = melFilterbank({ sampleRate: 16000, nFft: 4000, nMels: 40, fMin: 100, fMax: 7000 });
    const binHz = 4;
    for (let m = 0; m < bank.nMels; m++) {
      const row = bank.weights.subarray(m * bank.bins, (m + 1) * bank.bins);
      expect(row.every((w) => w >= 0)).toBe(true);
      expect(bank.start[m]! * binHz).toBeGreaterThanOrEqual(100);
      expect((bank.end[m]! - 1) * binHz).toBeLessThanOrEqual(7000);
      const peak = row.indexOf(Math.max(...row));
      for (let k = bank.start[m]! + 1; k <= peak; k++) expect(row[k]!).toBeGreaterThanOrEqual(row[k - 1]!);
      for (let k = peak + 1; k < bank.end[m]!; k++) expect(row[k]!).toBeLessThanOrEqual(row[k - 1]!);
      if (m > 0) expect(bank.start[m]!).toBeLessThan(bank.end[m - 1]!);
    }
  });

  it('rejects bad parameters', () => {
    expect(() => melFilterbank({ ...WHISPER, nMels: 0 })).toThrow(/nMels must be a positive integer/);
    expect(() => melFilterbank({ ...WHISPER, nMels: 80, fMax: 9000 })).toThrow(/Nyquist/);
    const inverted = { ...WHISPER, nMels: 80, fMin: 5000, fMax: 4000 };
    expect(() => melFilterbank(inverted)).toThrow(/fMin \(5000\) must be below/);
    expect(() => melFilterbank({ ...WHISPER, sampleRate: -1, nMels: 80 })).toThrow(RangeError);
  });
});

describe('log-mel features against the numpy reference', () => {
  const x = referenceSignal();

  it('rebuilds the reference signal exactly', () => {
    expect(x.length).toBe(reference.signal.length);
    let sum = 0;
    for (const v of x) sum += v;
    expect(sum).toBeCloseTo(reference.signal.sum, 9);
  });

  it.each(reference.cases.map((c) => [c.name, c] as const))('%s matches within 1e-4', (_name, c) => {
    const f = logMelSpectrogram(x, c.config);
    expect(f.frames).toBe(c.frames);
    expect(f.nMels).toBe(c.config.nMels);
    expect(f.data.length).toBe(f.frames * f.nMels);
    let worst = 0;
    c.frameIndices.forEach((t, i) => {
      for (let m = 0; m < f.nMels; m++) worst = Math.max(worst, Math.abs(f.data[t * f.nMels + m]! - c.values[i]![m]!));
    });
    expect(worst).toBeLessThan(1e-4);
    expect(Math.max(...f.data)).toBeCloseTo(c.max, 4);
  });
});

describe('log-mel features: framing and normalisation', () => {
  const config = { ...WHISPER, nMels: 80 };

  it('gives floor(L / hop) frames (STFT centre frames, the last dropped), 3000 for 30 s', () => {
    expect(logMelSpectrogram(new Float32Array(160), config).frames).toBe(1);
    expect(logMelSpectrogram(new Float32Array(24000), config).frames).toBe(150);
    expect(logMelSpectrogram(new Float32Array(24159), config).frames).toBe(150);
    expect(logMelSpectrogram(sine(440, 16000, 30, 0.5), config).frames).toBe(3000);
  });

  it('pads or cuts to padToFrames, and handles inputs shorter than the reflection pad', () => {
    expect(logMelSpectrogram(new Float32Array(100), { ...config, padToFrames: 3000 }).frames).toBe(3000);
    expect(logMelSpectrogram(new Float32Array(16000 * 40), { ...config, padToFrames: 3000 }).frames).toBe(3000);
    const tiny = logMelSpectrogram(Float32Array.of(0.5), { ...config, padToFrames: 2 });
    expect(tiny.data.every(Number.isFinite)).toBe(true);
  });

  it("keeps Whisper's dynamic range: values lie in [(max − 4) / 4, (max + 4) / 4]", () => {
    const f = logMelSpectrogram(referenceSignal(), config);
    const max = Math.max(...f.data);
    expect(Math.min(...f.data)).toBeCloseTo(max - 2, 6);
    const raw = logMelSpectrogram(referenceSignal(), { ...config, whisperNormalize: false });
    expect(Math.min(...raw.data)).toBeCloseTo(-10, 6); // log10(1e-10) over the digital silence
    expect((Math.max(...raw.data) + 4) / 4).toBeCloseTo(max, 5);
  });

  it('puts a tone in the mel band whose centre it sits at', () => {
    const bank = melFilterbank(config);
    const centreHz = melToHz(hzToMel(0) + ((hzToMel(8000) - hzToMel(0)) * 41) / 81); // centre of band 40
    const f = logMelSpectrogram(sine(centreHz, 16000, 1, 0.5), config);
    const row = f.data.subarray(50 * 80, 51 * 80);
    expect(row.indexOf(Math.max(...row))).toBe(40);
    expect(bank.nMels).toBe(80);
  });

  it('an extractor gives the same features on every call', () => {
    const ex = new LogMelExtractor({ ...config, nMels: 128 });
    const a = ex.compute(referenceSignal());
    const b = ex.compute(referenceSignal());
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(ex.config).toMatchObject({ fMin: 0, fMax: 8000, whisperNormalize: true });
  });

  it('rejects signals too short for one frame, and empty ones', () => {
    expect(() => logMelSpectrogram(new Float32Array(159), config)).toThrow(/one frame needs at least hopLength = 160/);
    expect(() => logMelSpectrogram(new Float32Array(0), config)).toThrow(new RangeError('x is empty (0 samples)'));
    expect(() => logMelSpectrogram([0.5] as never, config)).toThrow(TypeError);
  });

  it('30 s at 16 kHz, 128 mels (prints the time)', () => {
    const ex = new LogMelExtractor({ ...config, nMels: 128 });
    const x = sine(440, 16000, 30, 0.5);
    ex.compute(x.subarray(0, 16000));
    const t0 = performance.now();
    const f = ex.compute(x);
    console.log(`log-mel 30 s (3000 frames × 128 mels): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(f.frames).toBe(3000);
  });
});

describe('parseLogMelConfig', () => {
  const audio = { sampleRate: 16000, nFft: 400, hopLength: 160, nMels: 128, padToFrames: 3000 };

  it('reads the audio section of a whole config.json, or the section itself, and fills in defaults', () => {
    const want = { ...audio, fMin: 0, fMax: 8000, whisperNormalize: true };
    expect(parseLogMelConfig({ hiddenSize: 64, audio })).toEqual(want);
    expect(parseLogMelConfig(audio)).toEqual(want);
    expect(parseLogMelConfig(JSON.parse(JSON.stringify({ audio: { ...audio, extra: 'ignored' } })))).toEqual(want);
  });

  it.each([
    [null, TypeError, 'config must be an object, got null'],
    [[1], TypeError, 'config must be an object, got Array(1)'],
    [{ audio: { ...audio, nMels: undefined } }, TypeError, 'config.audio.nMels is required'],
    [{ audio: { ...audio, nMels: 0 } }, RangeError, 'config.audio.nMels must be a positive integer, got 0'],
    [{ audio: { ...audio, nMels: '80' } }, TypeError, 'config.audio.nMels must be a number, got "80"'],
    [{ ...audio, sampleRate: -16000 }, RangeError, 'config.sampleRate must be a positive integer, got -16000'],
    [{ ...audio, sampleRate: 1e12 }, RangeError, 'config.sampleRate must be at most'],
    [{ ...audio, hopLength: 500 }, RangeError, 'config.hopLength (500) must not exceed config.nFft (400)'],
    [{ ...audio, nFft: 1, hopLength: 1 }, RangeError, 'config.nFft must be at least 2'],
    [{ ...audio, fMax: 9000 }, RangeError, 'config.fMax (9000) must not exceed the Nyquist frequency 8000 Hz'],
    [{ ...audio, fMin: 8000 }, RangeError, 'config.fMin (8000) must be below config.fMax (8000)'],
    [{ ...audio, whisperNormalize: 'yes' }, TypeError, 'config.whisperNormalize must be a boolean, got "yes"'],
    [{ ...audio, padToFrames: 0.5 }, RangeError, 'config.padToFrames must be a positive integer, got 0.5'],
  ])('rejects %j', (json, type, message) => {
    expect(() => parseLogMelConfig(json)).toThrow(type);
    expect(() => parseLogMelConfig(json)).toThrow(message);
  });

  it('the extractor validates configs the same way', () => {
    expect(() => new LogMelExtractor({ ...audio, nMels: -1 })).toThrow(/config.nMels must be a positive integer/);
  });
});
