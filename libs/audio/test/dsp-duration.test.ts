import { describe, expect, it } from 'vitest';
import { downmix } from '../src/dsp/duration.js';
import { fitDuration, prepareAudio, resample } from '../src/dsp/index.js';
import { sine, whiteNoise } from './reference/signals.js';

const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i + 1);

describe('fitDuration', () => {
  it('cuts to maxS, keeping the start or the centre', () => {
    const x = ramp(10);
    expect(Array.from(fitDuration(x, 2, { maxS: 2 }))).toEqual([1, 2, 3, 4]);
    expect(Array.from(fitDuration(x, 2, { maxS: 2, mode: 'center' }))).toEqual([4, 5, 6, 7]);
  });

  it('leaves short input alone by default and returns a copy', () => {
    const x = ramp(3);
    const y = fitDuration(x, 2, { maxS: 2 });
    expect(Array.from(y)).toEqual([1, 2, 3]);
    expect(y).not.toBe(x);
  });

  it("pads with zeros to maxS (pad: 'zero') or to minS, at the end or around the centre", () => {
    const x = ramp(3);
    expect(Array.from(fitDuration(x, 2, { maxS: 3, pad: 'zero' }))).toEqual([1, 2, 3, 0, 0, 0]);
    expect(Array.from(fitDuration(x, 2, { maxS: 3, minS: 2 }))).toEqual([1, 2, 3, 0]);
    expect(Array.from(fitDuration(x, 2, { maxS: 3, pad: 'zero', mode: 'center' }))).toEqual([0, 1, 2, 3, 0, 0]);
    expect(Array.from(fitDuration(new Float32Array(0), 2, { maxS: 1, pad: 'zero' }))).toEqual([0, 0]);
  });

  it('cuts 40 s of 16 kHz audio to exactly 30 s', () => {
    expect(fitDuration(new Float32Array(16000 * 40), 16000, { maxS: 30 }).length).toBe(480000);
  });

  it('rejects contradictory or invalid options', () => {
    const x = ramp(4);
    expect(() => fitDuration(x, 2, {} as never)).toThrow(new TypeError('opts.maxS is required'));
    expect(() => fitDuration(x, 2, { maxS: 0 })).toThrow(RangeError);
    expect(() => fitDuration(x, 2, { maxS: 1, minS: 2 })).toThrow(/must not exceed opts.maxS/);
    expect(() => fitDuration(x, 2, { maxS: 2, minS: 1, pad: 'none' })).toThrow(/cannot go with opts.pad 'none'/);
    const mode = 'end' as never;
    expect(() => fitDuration(x, 2, { maxS: 2, mode })).toThrow(/opts.mode must be one of 'start', 'center'/);
    expect(() => fitDuration(x, 0, { maxS: 2 })).toThrow(/sampleRate must be a finite number > 0/);
    expect(() => fitDuration(null as never, 2, { maxS: 2 })).toThrow(TypeError);
  });
});

describe('downmix', () => {
  it('averages the channels', () => {
    expect(Array.from(downmix([Float32Array.of(1, 0, -1), Float32Array.of(0, 1, 1)]))).toEqual([0.5, 0.5, 0]);
  });

  it('rejects no channels, unequal lengths and non-arrays', () => {
    expect(() => downmix([])).toThrow(new RangeError('channels is empty (0 channels)'));
    expect(() => downmix([new Float32Array(3), new Float32Array(2)])).toThrow(
      /channels\[1\] has 2 samples but channels\[0\] has 3/,
    );
    expect(() => downmix([new Float32Array(3), [1, 2, 3] as never])).toThrow(/channels\[1\] must be a Float32Array/);
    expect(() => downmix(new Float32Array(3) as never)).toThrow(TypeError);
  });
});

describe('prepareAudio', () => {
  it('40 s of 44.1 kHz stereo → 30 s of 16 kHz mono, equal to resampling everything then cutting', () => {
    const left = whiteNoise(44100 * 40, 0.5, 1);
    const right = whiteNoise(44100 * 40, 0.5, 2);
    const y = prepareAudio([left, right], 44100);
    expect(y.length).toBe(480000);
    const full = resample(downmix([left, right]), 44100, 16000);
    expect(Array.from(y.subarray(0, 2000))).toEqual(Array.from(full.subarray(0, 2000)));
    expect(Array.from(y.subarray(478000))).toEqual(Array.from(full.subarray(478000, 480000)));
    const centre = prepareAudio([left, right], 44100, { maxS: 10, mode: 'center' });
    expect(Array.from(centre.subarray(0, 1000))).toEqual(Array.from(full.subarray(240000, 241000)));
  });

  it('passes 16 kHz mono through, pads short clips on request, and cancels opposite channels', () => {
    const x = sine(440, 16000, 1, 0.5);
    expect(Array.from(prepareAudio([x], 16000))).toEqual(Array.from(x));
    expect(prepareAudio([x], 16000, { maxS: 2, pad: 'zero' }).length).toBe(32000);
    const inverted = x.map((v) => -v);
    expect(prepareAudio([x, inverted], 48000).every((v) => v === 0)).toBe(true);
    expect(prepareAudio([x], 16000, { targetRate: 8000 }).length).toBe(8000);
  });

  it('rejects bad rates and options', () => {
    const x = new Float32Array(100);
    expect(() => prepareAudio([x], 0)).toThrow(RangeError);
    expect(() => prepareAudio([x], 44100.5)).toThrow(RangeError);
    expect(() => prepareAudio([x], 44100, { targetRate: -1 })).toThrow(/opts.targetRate/);
    expect(() => prepareAudio([x], 44100, { maxS: -1 })).toThrow(/opts.maxS/);
    expect(() => prepareAudio([], 44100)).toThrow(/channels is empty/);
  });
});
