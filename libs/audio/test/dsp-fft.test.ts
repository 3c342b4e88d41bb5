import { describe, expect, it } from 'vitest';
import { ComplexFft, RealFft } from '../src/dsp/fft.js';
import { xorshift32Noise } from './reference/signals.js';

function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((k * j) % n)) / n;
      outRe[k]! += re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      outIm[k]! += re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
  }
  return [outRe, outIm];
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('ComplexFft', () => {
  // Radix 4, 2 and 5 (specialised butterflies), 3 and primes 7, 97 (generic butterfly), and their mixtures.
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 30, 64, 97, 100, 200, 400, 1024])('matches the DFT for n = %i', (n) => {
    const re = xorshift32Noise(n, 11);
    const im = xorshift32Noise(n, 12);
    const [wantRe, wantIm] = naiveDft(re, im);
    const gotRe = new Float64Array(n);
    const gotIm = new Float64Array(n);
    new ComplexFft(n).transform(re, im, gotRe, gotIm);
    expect(maxDiff(gotRe, wantRe)).toBeLessThan(1e-10 * n);
    expect(maxDiff(gotIm, wantIm)).toBeLessThan(1e-10 * n);
  });

  it('rejects a length that is not a positive integer', () => {
    expect(() => new ComplexFft(0)).toThrow(RangeError);
    expect(() => new ComplexFft(2.5)).toThrow(RangeError);
  });
});

describe('RealFft', () => {
  it.each([2, 3, 9, 16, 400, 401, 1000])('gives bins 0..n/2 of the DFT for n = %i', (n) => {
    const x = xorshift32Noise(n, 5);
    const [wantRe, wantIm] = naiveDft(x, new Float64Array(n));
    const fft = new RealFft(n);
    expect(fft.bins).toBe(Math.floor(n / 2) + 1);
    const re = new Float64Array(fft.bins);
    const im = new Float64Array(fft.bins);
    fft.forward(x, re, im);
    expect(maxDiff(re, wantRe, fft.bins)).toBeLessThan(1e-10 * n);
    expect(maxDiff(im, wantIm, fft.bins)).toBeLessThan(1e-10 * n);
    const power = new Float64Array(fft.bins);
    fft.power(x, power);
    for (let k = 0; k < fft.bins; k++) expect(power[k]).toBeCloseTo(wantRe[k]! ** 2 + wantIm[k]! ** 2, 8);
  });

  it('reads missing samples as zero (a short frame is zero-padded)', () => {
    const fft = new RealFft(8);
    const short = new Float64Array(fft.bins);
    const padded = new Float64Array(fft.bins);
    fft.power([1, 2, 3], short);
    fft.power([1, 2, 3, 0, 0, 0, 0, 0], padded);
    expect(Array.from(short)).toEqual(Array.from(padded));
  });
});
