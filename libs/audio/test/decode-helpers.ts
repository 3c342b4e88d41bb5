// Shared by the decode*.test.ts files: fixture access, a byte-level WAV writer (so expected sample values are
// known without trusting the parser), and small signal measurements.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { AudioDecodeError, decodeAudio, type DecodeErrorReason } from '../src/decode/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A fresh copy of a fixture's bytes (tests mutate them). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

/** What every fixture holds (see fixtures/make-fixtures.sh): left 440 Hz at 0.5, right 1 kHz at 0.25. */
export const TONES = [
  { freq: 440, amp: 0.5 },
  { freq: 1000, amp: 0.25 },
] as const;

export function tone(freq: number, amp: number, sampleRate: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / sampleRate));
}

/** Power of `x` at one frequency (a single DFT bin, any frequency), normalised by length. */
export function powerAt(x: ArrayLike<number>, freq: number, sampleRate: number): number {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * freq) / sampleRate;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos(w * i);
    im -= x[i]! * Math.sin(w * i);
  }
  return (re * re + im * im) / x.length;
}

/** The strongest frequency on a 20 Hz grid from 100 Hz to 8 kHz. */
export function dominantFrequency(x: ArrayLike<number>, sampleRate: number): number {
  let best = 0;
  let bestPower = -1;
  for (let f = 100; f <= 8000; f += 20) {
    const p = powerAt(x, f, sampleRate);
    if (p > bestPower) [best, bestPower] = [f, p];
  }
  return best;
}

export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! ** 2;
  return Math.sqrt(s / x.length);
}

/** Normalised correlation of `x` with `ref` at lag 0. */
export function correlation(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < Math.min(x.length, ref.length); i++) {
    xy += x[i]! * ref[i]!;
    xx += x[i]! ** 2;
    yy += ref[i]! ** 2;
  }
  return xy / Math.sqrt(xx * yy);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}


/** Asserts that decoding rejects with an AudioDecodeError of this reason that names the file. */
export async function expectDecodeError(
  bytes: Uint8Array,
  reason: DecodeErrorReason,
  name = 'bad.bin',
): Promise<AudioDecodeError> {
  const error = await decodeAudio(bytes, { name }).then(
    (a) => new Error(`decoded ${a.format} ${a.channels.length}ch ${a.durationS}s instead of failing`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AudioDecodeError);
  const e = error as AudioDecodeError;
  expect({ reason: e.reason, detail: e.detail }).toMatchObject({ reason });
  expect(e.file).toBe(name);
  expect(e.message).toContain(name);
  expect(e.message).toContain(reason);
  return e;
}

// ---- byte-level WAV writer ----

export class Bytes {
  private readonly out: number[] = [];

  ascii(s: string): this {
    for (const ch of s) this.out.push(ch.charCodeAt(0) & 0xff);
    return this;
  }
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(Math.floor(v / 0x10000));
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  i24(v: number): this {
    return this.u8(v)
      .u8(v >> 8)
      .u8(v >> 16);
  }
  f32(v: number): this {
    return this.raw(new Uint8Array(new Float32Array([v]).buffer));
  }
  f64(v: number): this {
    return this.raw(new Uint8Array(new Float64Array([v]).buffer));
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i]!);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** A RIFF chunk: id, little-endian size, payload, and the pad byte after an odd-sized payload. */
export function chunk(id: string, payload: ArrayLike<number>, declaredSize = payload.length): Uint8Array {
  const b = new Bytes().ascii(id).u32(declaredSize).raw(payload);
  if (payload.length % 2 === 1) b.u8(0);
  return b.bytes();
}

export interface WavSpec {
  /** 1 = PCM, 3 = IEEE float, or anything else to test rejection. */
  tag: number;
  channels: number;
  sampleRate: number;
  bits: number;
  /** Bytes per stored sample; defaults to ceil(bits / 8). */
  container?: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with `tag` as the sub-format. */
  extensible?: boolean;
  /** Stored values per frame and channel: integers as written (u8 raw, signed otherwise) or floats. */
  frames: number[][];
  /** Chunks placed before fmt, between fmt and data, and after data. */
  before?: Uint8Array[];
  between?: Uint8Array[];
  after?: Uint8Array[];
  /** Replaces the data chunk's size field (e.g. 0xFFFFFFFF, or more than is written). */
  dataSize?: number;
  /** Write RF64 with a ds64 chunk holding the real data size. */
  rf64?: boolean;
}

export function buildWav(s: WavSpec): Uint8Array {
  const container = s.container ?? Math.ceil(s.bits / 8);
  const samples = new Bytes();
  for (const frame of s.frames) for (const v of frame) writeSample(samples, s.tag, container, v);
  const data = samples.bytes();
  const fmt = fmtPayload(s, container);
  const dataSize = s.dataSize ?? (s.rf64 ? 0xffffffff : data.length);
  const parts = [
    ...(s.rf64 ? [chunk('ds64', new Bytes().u64(0).u64(data.length).u64(s.frames.length).u32(0).bytes())] : []),
    ...(s.before ?? []),
    chunk('fmt ', fmt),
    ...(s.between ?? []),
    chunk('data', data, dataSize),
    ...(s.after ?? []),
  ];
  const body = new Bytes().ascii('WAVE');
  for (const p of parts) body.raw(p);
  return new Bytes()
    .ascii(s.rf64 ? 'RF64' : 'RIFF')
    .u32(s.rf64 ? 0xffffffff : body.length)
    .raw(body.bytes())
    .bytes();
}

function fmtPayload(s: WavSpec, container: number): Uint8Array {
  const blockAlign = container * s.channels;
  const b = new Bytes()
    .u16(s.extensible ? 0xfffe : s.tag)
    .u16(s.channels)
    .u32(s.sampleRate)
    .u32(s.sampleRate * blockAlign)
    .u16(blockAlign)
    .u16(s.extensible ? container * 8 : s.bits);
  if (!s.extensible) return b.bytes();
  // cbSize, valid bits, channel mask, then the sub-format GUID {tag}-0000-0010-8000-00AA00389B71.
  b.u16(22).u16(s.bits).u32(0);
  return b.u16(s.tag).raw([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).bytes();
}

function writeSample(b: Bytes, tag: number, container: number, v: number): void {
  if (tag === 3) {
    if (container === 8) b.f64(v);
    else b.f32(v);
    return;
  }
  if (container === 1) b.u8(v);
  else if (container === 2) b.u16(v & 0xffff);
  else if (container === 3) b.i24(v);
  else b.u32(v >>> 0);
}
