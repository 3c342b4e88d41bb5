// f32 <-> f16 / bf16 conversion against the bit-level reference (round-to-nearest-even, subnormals, ±Inf, NaN,
// overflow, halfway points).
import { describe, expect, it } from 'vitest';
import { fromBf16, fromF16, toBf16, toF16 } from '../src/index.js';
import { decodeBf16, decodeF16, encodeBf16, encodeF16, Rng, testSeed } from './reference.js';

const SEED = testSeed();
const rng = new Rng(SEED);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}
function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0]!;
}
/** The f32 neighbour of a positive finite x, one ulp up (+1) or down (-1). */
function ulpStep(x: number, dir: 1 | -1): number {
  return fromBits(bitsOf(x) + dir);
}

interface Format {
  name: 'f16' | 'bf16';
  encode: (x: number) => number;
  decode: (w: number) => number;
  to: (x: Float32Array) => Uint16Array;
  from: (w: Uint16Array) => Float32Array;
  maxFinite: number; // largest positive finite word
  expMask: number;
  manMask: number;
}

const FORMATS: Format[] = [
  { name: 'f16', encode: encodeF16, decode: decodeF16, to: toF16, from: fromF16, maxFinite: 0x7bff, expMask: 0x7c00, manMask: 0x3ff },
  { name: 'bf16', encode: encodeBf16, decode: decodeBf16, to: toBf16, from: fromBf16, maxFinite: 0x7f7f, expMask: 0x7f80, manMask: 0x7f },
];

/** f32 inputs that exercise the rounding: every value, every halfway point and its f32 neighbours, both signs. */
function roundingInputs(fmt: Format): Float32Array {
  const xs: number[] = [];
  for (let w = 0; w <= fmt.maxFinite; w++) {
    const lo = fmt.decode(w);
    const hi = w === fmt.maxFinite ? 2 * fmt.decode(w) - fmt.decode(w - 1) : fmt.decode(w + 1); // next would-be value
    const mid = (lo + hi) / 2;
    xs.push(lo, mid, ulpStep(mid, 1), ulpStep(mid, -1));
  }
  // Overflow, the largest f32, f32 subnormals, signed zeros and infinities.
  xs.push(65504, 65519.99, 65520, 65536, 1e9, 3.4028234663852886e38, 2 ** -149, 2 ** -126, 2 ** -130, 2 ** -134);
  xs.push(2 ** -24, 2 ** -25, ulpStep(2 ** -25, 1), 3 * 2 ** -26, 0, Infinity);
  const n = xs.length;
  for (let i = 0; i < n; i++) xs.push(-xs[i]!);
  xs.push(-0);
  // Random bit patterns (NaNs included).
  for (let i = 0; i < 100_000; i++) xs.push(fromBits(rng.u32()));
  return Float32Array.from(xs);
}

const NAN_BITS = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fbfffff, 0x7f802000, 0x7fffffff, 0x7f800100];

describe.each(FORMATS)(`$name conversion (seed ${SEED})`, (fmt) => {
  it(`decodes all 65536 ${fmt.name} words exactly`, () => {
    const words = new Uint16Array(65536).map((_, i) => i);
    const got = fmt.from(words);
    expect(got).toBeInstanceOf(Float32Array);
    expect(got.length).toBe(65536);
    for (let w = 0; w < 65536; w++) {
      const want = fmt.decode(w);
      const g = got[w]!;
      if (Number.isNaN(want)) {
        if (!Number.isNaN(g)) throw new Error(`${fmt.name} word 0x${w.toString(16)} decoded to ${g}, expected NaN`);
      } else if (!Object.is(g, want)) {
        throw new Error(`${fmt.name} word 0x${w.toString(16)} decoded to ${g}, expected ${want}`);
      }
    }
  });

  it(`rounds f32 to ${fmt.name} to nearest even: values, halfway points, subnormals, overflow, ±Inf`, () => {
    const xs = roundingInputs(fmt);
    const got = fmt.to(xs);
    expect(got).toBeInstanceOf(Uint16Array);
    expect(got.length).toBe(xs.length);
    let checked = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const g = got[i]!;
      if (Number.isNaN(x)) {
        const isNaNWord = (g & fmt.expMask) === fmt.expMask && (g & fmt.manMask) !== 0;
        if (!isNaNWord) {
          throw new Error(`${fmt.name}(NaN bits 0x${bitsOf(x).toString(16)}) = 0x${g.toString(16)}, not a NaN (seed ${SEED})`);
        }
        continue;
      }
      const want = fmt.encode(x);
      if (g !== want) {
        throw new Error(
          `${fmt.name}(${x}, f32 bits 0x${bitsOf(x).toString(16)}) = 0x${g.toString(16)} (${fmt.decode(g)}), ` +
            `expected 0x${want.toString(16)} (${fmt.decode(want)}) (seed ${SEED})`,
        );
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(100_000);
  });

  it(`keeps NaN a NaN, whatever its payload`, () => {
    const xs = new Float32Array(NAN_BITS.length);
    new Uint32Array(xs.buffer).set(NAN_BITS);
    const got = fmt.to(xs);
    for (let i = 0; i < got.length; i++) {
      const g = got[i]!;
      const isNaNWord = (g & fmt.expMask) === fmt.expMask && (g & fmt.manMask) !== 0;
      if (!isNaNWord) throw new Error(`${fmt.name}(NaN 0x${NAN_BITS[i]!.toString(16)}) = 0x${g.toString(16)}, not a NaN`);
    }
  });

  it('round-trips its own values exactly', () => {
    const words = new Uint16Array(65536).map((_, i) => i);
    const back = fmt.to(fmt.from(words));
    for (let w = 0; w < 65536; w++) {
      if (Number.isNaN(fmt.decode(w))) continue;
      if (back[w] !== w) throw new Error(`${fmt.name} 0x${w.toString(16)} -> f32 -> 0x${back[w]!.toString(16)}`);
    }
  });

  it('handles empty arrays and subarray views', () => {
    expect(fmt.to(new Float32Array(0))).toEqual(new Uint16Array(0));
    expect(fmt.from(new Uint16Array(0))).toEqual(new Float32Array(0));
    const base = Float32Array.from([7, 1.5, -2.25, 1 / 3, 9]);
    const view = base.subarray(1, 4);
    expect(Array.from(fmt.to(view))).toEqual([1.5, -2.25, 1 / 3].map((x) => fmt.encode(Math.fround(x))));
    const words = Uint16Array.from([0xffff, fmt.encode(1.5), fmt.encode(-3), 0xffff]);
    expect(Array.from(fmt.from(words.subarray(1, 3)))).toEqual([1.5, -3]);
  });

  it('rejects the wrong array types', () => {
    expect(() => fmt.to(new Uint16Array(3) as unknown as Float32Array)).toThrow(TypeError);
    expect(() => fmt.to([1, 2] as unknown as Float32Array)).toThrow(/Float32Array/);
    expect(() => fmt.from(new Float32Array(3) as unknown as Uint16Array)).toThrow(TypeError);
    expect(() => fmt.from(new Int16Array(3) as unknown as Uint16Array)).toThrow(/Uint16Array/);
  });
});

describe('reference encoder sanity (independent of the addon)', () => {
  it('matches known f16 and bf16 words', () => {
    expect(encodeF16(1)).toBe(0x3c00);
    expect(encodeF16(-2)).toBe(0xc000);
    expect(encodeF16(65504)).toBe(0x7bff);
    expect(encodeF16(65520)).toBe(0x7c00);
    expect(encodeF16(2 ** -24)).toBe(0x0001);
    expect(encodeF16(2 ** -25)).toBe(0x0000); // halfway to the smallest subnormal: even is zero
    expect(encodeF16(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulps: rounds to even (2)
    expect(encodeF16(1 + 2 ** -11)).toBe(0x3c00); // halfway 1 -> 1 + 2^-10: even is 1
    expect(encodeF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(encodeF16(2 ** -14 - 2 ** -25)).toBe(0x0400); // carries from subnormal into the smallest normal
    expect(encodeBf16(1)).toBe(0x3f80);
    expect(encodeBf16(-0)).toBe(0x8000);
    expect(encodeBf16(3.4028234663852886e38)).toBe(0x7f80);
    expect(encodeBf16(1 + 2 ** -8)).toBe(0x3f80);
    expect(encodeBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(encodeBf16(2 ** -133)).toBe(0x0001);
    expect(decodeF16(0x7bff)).toBe(65504);
    expect(decodeBf16(0x3f80)).toBe(1);
    expect(decodeBf16(0x0001)).toBe(2 ** -133);
  });
});
