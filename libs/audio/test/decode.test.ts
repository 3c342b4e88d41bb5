import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeAudio,
  decodeFile,
  detectAudioFormat,
  releaseDecoders,
  toMono,
  type AudioFormat,
  type DecodedAudio,
} from '../src/decode/index.js';
import {
  buildWav,
  Bytes,
  chunk,
  correlation,
  dominantFrequency,
  fixture,
  FIXTURES,
  maxAbsDiff,
  powerAt,
  rms,
  tone,
  TONES,
} from './decode-helpers.js';

afterAll(() => releaseDecoders());

const LOSSLESS_FRAMES = 3528; // 0.08 s at 44.1 kHz
const decodeFixture = (name: string) => decodeAudio(fixture(name), { name });

function expectStereoToneLayout(
  a: DecodedAudio,
  format: AudioFormat,
  sampleRate = 44100,
  frames = LOSSLESS_FRAMES,
): void {
  expect(a.format).toBe(format);
  expect(a.sampleRate).toBe(sampleRate);
  expect(a.channels).toHaveLength(2);
  for (const c of a.channels) expect(c.length).toBe(frames);
  expect(a.durationS).toBeCloseTo(frames / sampleRate, 9);
}

describe('format detection', () => {
  const expected: [string, AudioFormat][] = [
    ['tone-s16.wav', 'wav'],
    ['tone-s24-ext.wav', 'wav'],
    ['tone-s16-rf64.wav', 'wav'],
    ['tone-16.flac', 'flac'],
    ['tone-16.oga', 'flac'],
    ['tone.ogg', 'ogg-vorbis'],
    ['tone.opus', 'opus'],
    ['tone.mp3', 'mp3'],
    ['tone-mono.mp3', 'mp3'],
  ];
  it.each(expected)('%s is %s', async (name, format) => {
    expect(detectAudioFormat(fixture(name))).toBe(format);
    expect((await decodeFixture(name)).format).toBe(format);
  });

  it('ignores the file extension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurola-decode-'));
    try {
      copyFileSync(FIXTURES + 'tone-s16.wav', join(dir, 'actually-wav.mp3'));
      copyFileSync(FIXTURES + 'tone.ogg', join(dir, 'actually-ogg.flac'));
      expect((await decodeFile(join(dir, 'actually-wav.mp3'))).format).toBe('wav');
      expect((await decodeFile(join(dir, 'actually-ogg.flac'))).format).toBe('ogg-vorbis');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns undefined for bytes it cannot decode', () => {
    expect(detectAudioFormat(new TextEncoder().encode('hello, world'))).toBeUndefined();
    expect(detectAudioFormat(new Uint8Array(0))).toBeUndefined();
  });
});

describe('WAV fixtures (every sample format)', () => {
  // sox's synth is not a textbook sine to the last bit (deviations up to ~2 % of full scale near the start),
  // so fixtures are checked against the formula by shape and level; exact values come from the byte-built WAVs.
  function expectTone(samples: Float32Array, freq: number, amp: number, sampleRate: number): void {
    expect(correlation(samples, tone(freq, amp, sampleRate, samples.length))).toBeGreaterThan(0.999);
    expect(rms(samples) / (amp / Math.SQRT2)).toBeCloseTo(1, 2);
  }

  it('s16 holds the expected tones', async () => {
    const a = await decodeFixture('tone-s16.wav');
    expectStereoToneLayout(a, 'wav');
    TONES.forEach(({ freq, amp }, c) => expectTone(a.channels[c]!, freq, amp, 44100));
  });

  // Each sample format against the s16 decode, within the coarser format's quantisation step.
  const cases: [string, number][] = [
    ['tone-u8.wav', 1 / 128],
    ['tone-s24.wav', 1 / 32768],
    ['tone-s32.wav', 1 / 32768],
    ['tone-f32.wav', 1 / 32768],
    ['tone-s24-ext.wav', 1 / 32768],
    ['tone-f32-ext.wav', 1 / 32768],
    ['tone-s16-rf64.wav', 0],
  ];
  it.each(cases)('%s matches the s16 decode (tolerance %d)', async (name, tolerance) => {
    const [a, ref] = await Promise.all([decodeFixture(name), decodeFixture('tone-s16.wav')]);
    expectStereoToneLayout(a, 'wav');
    for (let c = 0; c < 2; c++) expect(maxAbsDiff(a.channels[c]!, ref.channels[c]!)).toBeLessThanOrEqual(tolerance);
  });

  it('plain and WAVE_FORMAT_EXTENSIBLE headers give identical samples', async () => {
    for (const [plain, ext] of [
      ['tone-s24.wav', 'tone-s24-ext.wav'],
      ['tone-f32.wav', 'tone-f32-ext.wav'],
    ] as const) {
      const [a, b] = await Promise.all([decodeFixture(plain), decodeFixture(ext)]);
      expect(a.channels).toEqual(b.channels);
    }
  });

  it('reads 64-bit float, mono 8 kHz', async () => {
    const a = await decodeFixture('tone-f64-8k-mono.wav');
    expect([a.format, a.sampleRate, a.channels.length, a.channels[0]!.length]).toEqual(['wav', 8000, 1, 2000]);
    expectTone(a.channels[0]!, 440, 0.5, 8000);
  });

  it('reads other sample rates: 48 kHz stereo and 8 kHz mono', async () => {
    const a48 = await decodeFixture('tone-48k-s16.wav');
    expectStereoToneLayout(a48, 'wav', 48000, 3840);
    TONES.forEach(({ freq, amp }, c) => expectTone(a48.channels[c]!, freq, amp, 48000));
    const a8 = await decodeFixture('tone-8k-mono-s16.wav');
    expect([a8.sampleRate, a8.channels.length, a8.durationS]).toEqual([8000, 1, 0.5]);
    expectTone(a8.channels[0]!, 440, 0.5, 8000);
  });
});

describe('WAV written byte by byte (expected values independent of the parser)', () => {
  const base = { channels: 2, sampleRate: 22050 };
  // [label, spec fields, stored frames, expected floats per frame]
  const formats: [string, { tag: number; bits: number; container?: number }, number[][], number[][]][] = [
    [
      'u8',
      { tag: 1, bits: 8 },
      [
        [0, 255],
        [128, 192],
      ],
      [
        [-1, 127 / 128],
        [0, 0.5],
      ],
    ],
    [
      's16',
      { tag: 1, bits: 16 },
      [
        [-32768, 32767],
        [16384, -1],
      ],
      [
        [-1, 32767 / 32768],
        [0.5, -1 / 32768],
      ],
    ],
    [
      's24',
      { tag: 1, bits: 24 },
      [
        [-8388608, 8388607],
        [0x123456, -2],
      ],
      [
        [-1, 8388607 / 8388608],
        [0x123456 / 8388608, -2 / 8388608],
      ],
    ],
    [
      's32',
      { tag: 1, bits: 32 },
      [
        [-(2 ** 31), 2 ** 31 - 1],
        [2 ** 30, -3],
      ],
      [
        [-1, 1],
        [0.5, -3 / 2 ** 31],
      ],
    ],
    [
      '24 valid bits in a 32-bit container',
      { tag: 1, bits: 24, container: 4 },
      [[0x40000000, -0x40000000]],
      [[0.5, -0.5]],
    ],
    [
      'f32',
      { tag: 3, bits: 32 },
      [
        [0.25, -0.75],
        [1.5, -1],
      ],
      [
        [0.25, -0.75],
        [1, -1],
      ],
    ],
    [
      'f64',
      { tag: 3, bits: 64 },
      [
        [0.1, -0.2],
        [-3, 1e-9],
      ],
      [
        [0.1, -0.2],
        [-1, 1e-9],
      ],
    ],
  ];
  for (const extensible of [false, true]) {
    it.each(formats)(`%s${extensible ? ' (extensible)' : ''}`, async (_label, fmt, frames, expected) => {
      const a = await decodeAudio(buildWav({ ...base, ...fmt, extensible, frames }));
      expect(a.sampleRate).toBe(22050);
      expect(a.channels).toHaveLength(2);
      for (let c = 0; c < 2; c++) {
        const want = Float32Array.from(expected.map((f) => f[c]!));
        expect(Array.from(a.channels[c]!)).toEqual(Array.from(want)); // exact, after rounding to float32
      }
    });
  }

  it('skips unknown chunks, honours odd-size padding, and keeps channel order', async () => {
    const frames = Array.from({ length: 5 }, (_, i) => [i, 10 + i, 20 + i, 30 + i, 40 + i, 50 + i]);
    const a = await decodeAudio(
      buildWav({
        tag: 1,
        bits: 16,
        channels: 6,
        sampleRate: 48000,
        frames,
        before: [chunk('JUNK', [1, 2, 3]), chunk('bext', new Uint8Array(601))], // odd sizes: pad bytes follow
        between: [
          chunk('LIST', new Bytes().ascii('INFOISFT').u32(5).ascii('sox\0\0').bytes()),
          chunk('fact', [0, 0, 0, 5]),
        ],
        after: [chunk('id3 ', [9, 9, 9])],
      }),
    );
    expect(a.channels).toHaveLength(6);
    a.channels.forEach((c, ch) =>
      expect(Array.from(c, (x) => x * 32768)).toEqual([0, 1, 2, 3, 4].map((i) => 10 * ch + i)),
    );
  });

  it('reads a mono 8-bit data chunk of odd size followed by a pad byte and another chunk', async () => {
    const a = await decodeAudio(
      buildWav({
        tag: 1,
        bits: 8,
        channels: 1,
        sampleRate: 8000,
        frames: [[128], [0], [255]],
        after: [chunk('LIST', [0, 0])],
      }),
    );
    expect(Array.from(a.channels[0]!)).toEqual([0, -1, 127 / 128]);
  });

  it('reads RF64 with the data size in ds64', async () => {
    const a = await decodeAudio(
      buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 16000, frames: [[1], [2], [3]], rf64: true }),
    );
    expect(Array.from(a.channels[0]!, (x) => x * 32768)).toEqual([1, 2, 3]);
  });

  it('reads a streamed WAV whose data size was never filled in (0xFFFFFFFF) up to the end', async () => {
    const a = await decodeAudio(
      buildWav({
        tag: 1,
        bits: 16,
        channels: 2,
        sampleRate: 16000,
        frames: [
          [1, 2],
          [3, 4],
        ],
        dataSize: 0xffffffff,
      }),
    );
    expect(a.channels[1]!.length).toBe(2);
  });
});

describe('FLAC', () => {
  it('16-bit FLAC decodes sample-for-sample to the WAV it was made from', async () => {
    const [flac, wav] = await Promise.all([decodeFixture('tone-16.flac'), decodeFixture('tone-s16.wav')]);
    expectStereoToneLayout(flac, 'flac');
    expect(flac.channels).toEqual(wav.channels);
  });

  it('24-bit FLAC decodes sample-for-sample to its 24-bit WAV, and matches s16 within rounding', async () => {
    const [flac, wav24, wav16] = await Promise.all([
      decodeFixture('tone-24.flac'),
      decodeFixture('tone-s24.wav'),
      decodeFixture('tone-s16.wav'),
    ]);
    expectStereoToneLayout(flac, 'flac');
    expect(flac.channels).toEqual(wav24.channels);
    for (let c = 0; c < 2; c++)
      expect(maxAbsDiff(flac.channels[c]!, wav16.channels[c]!)).toBeLessThanOrEqual(1 / 32768);
  });

  it('Ogg FLAC decodes sample-for-sample to its WAV', async () => {
    const [flac, wav] = await Promise.all([decodeFixture('tone-16.oga'), decodeFixture('tone-s16.wav')]);
    expectStereoToneLayout(flac, 'flac');
    expect(flac.channels).toEqual(wav.channels);
  });

  it('FLAC behind an ID3v2 tag', async () => {
    const tag = new Bytes().ascii('ID3').u8(3).u8(0).u8(0).raw([0, 0, 0, 20]).raw(new Uint8Array(20)).bytes();
    const [plain, tagged] = await Promise.all([
      decodeFixture('tone-16.flac'),
      decodeAudio(new Uint8Array([...tag, ...fixture('tone-16.flac')])),
    ]);
    expect(tagged.channels).toEqual(plain.channels);
  });

  it('48 kHz FLAC', async () => {
    const [flac, wav] = await Promise.all([decodeFixture('tone-48k-16.flac'), decodeFixture('tone-48k-s16.wav')]);
    expectStereoToneLayout(flac, 'flac', 48000, 3840);
    expect(flac.channels).toEqual(wav.channels);
  });
});

describe('lossy formats: rate, layout, duration, dominant frequency, level, alignment', () => {
  // Fixtures are 0.5 s; decoders trim encoder delay and padding, but allow a codec frame either way.
  const cases: [string, AudioFormat, number, number][] = [
    ['tone.mp3', 'mp3', 44100, 2],
    ['tone-mono.mp3', 'mp3', 44100, 1],
    ['tone.ogg', 'ogg-vorbis', 44100, 2],
    ['tone.opus', 'opus', 48000, 2],
  ];
  it.each(cases)('%s', async (name, format, sampleRate, channelCount) => {
    const a = await decodeFixture(name);
    expect([a.format, a.sampleRate, a.channels.length]).toEqual([format, sampleRate, channelCount]);
    expect(Math.abs(a.durationS - 0.5)).toBeLessThan(0.03);
    a.channels.forEach((samples, c) => {
      const { freq, amp } = TONES[c]!;
      expect(samples.length).toBe(a.channels[0]!.length);
      // Skip the edges, where codecs smear the onset/offset.
      const mid = samples.subarray(Math.round(0.05 * sampleRate), Math.round(0.45 * sampleRate));
      expect(dominantFrequency(mid, sampleRate)).toBe(freq);
      const other = TONES[1 - c]!.freq;
      expect(powerAt(mid, freq, sampleRate)).toBeGreaterThan(1000 * powerAt(mid, other, sampleRate));
      expect(rms(mid) / (amp / Math.SQRT2)).toBeGreaterThan(0.9);
      expect(rms(mid) / (amp / Math.SQRT2)).toBeLessThan(1.1);
      // The start is aligned with the original (codec delay removed): a shift would lower the correlation.
      expect(correlation(samples, tone(freq, amp, sampleRate, samples.length))).toBeGreaterThan(0.95);
    });
  });
});

describe('maxDurationS', () => {
  it('cuts WAV to exactly that many frames, identical to the start of a full decode', async () => {
    const bytes = fixture('tone-s16.wav');
    const [full, cut] = await Promise.all([decodeAudio(bytes), decodeAudio(bytes, { maxDurationS: 0.05 })]);
    expect(cut.channels[0]!.length).toBe(2205);
    expect(cut.durationS).toBeCloseTo(0.05, 9);
    for (let c = 0; c < 2; c++) expect(cut.channels[c]).toEqual(full.channels[c]!.subarray(0, 2205));
  });

  it.each(['tone-16.flac', 'tone.ogg', 'tone.opus', 'tone.mp3'])('cuts %s', async (name) => {
    const bytes = fixture(name);
    const full = await decodeAudio(bytes);
    const cut = await decodeAudio(bytes, { maxDurationS: 0.02 });
    const frames = Math.floor(0.02 * full.sampleRate);
    expect(cut.channels[0]!.length).toBe(frames);
    expect(cut.durationS).toBeCloseTo(0.02, 9);
    expect(cut.channels[0]).toEqual(full.channels[0]!.subarray(0, frames));
  });

  it('stops a long MP3 early and keeps the requested length', async () => {
    // 40 copies of the fixture's frames make a ~20 s stream (> one 256 KiB decode chunk).
    const one = fixture('tone.mp3');
    const long = new Uint8Array(one.length * 40);
    for (let i = 0; i < 40; i++) long.set(one, i * one.length);
    const a = await decodeAudio(long, { maxDurationS: 1 });
    expect(a.channels[0]!.length).toBe(44100);
    expect(dominantFrequency(a.channels[0]!.subarray(2205, 19845), 44100)).toBe(440);
  });

  it('a limit longer than the audio changes nothing', async () => {
    const a = await decodeAudio(fixture('tone.ogg'), { maxDurationS: 60 });
    expect(a.durationS).toBeCloseTo(0.5, 2);
  });

  it('rejects a non-positive limit as a usage error', async () => {
    await expect(decodeAudio(fixture('tone-s16.wav'), { maxDurationS: 0 })).rejects.toThrow(RangeError);
    await expect(decodeAudio(fixture('tone-s16.wav'), { maxDurationS: Number.NaN })).rejects.toThrow(RangeError);
  });
});

describe('toMono', () => {
  it('averages the channels into a new array', async () => {
    const a = await decodeFixture('tone-s16.wav');
    const mono = toMono(a);
    expect(mono.length).toBe(LOSSLESS_FRAMES);
    for (const i of [0, 1, 100, 3527]) expect(mono[i]).toBeCloseTo((a.channels[0]![i]! + a.channels[1]![i]!) / 2, 7);
    expect(dominantFrequency(mono, 44100)).toBe(440);
  });

  it('copies a mono signal rather than aliasing it', () => {
    const ch = Float32Array.from([0.1, -0.2]);
    const mono = toMono({ channels: [ch] });
    expect(mono).toEqual(ch);
    expect(mono).not.toBe(ch);
  });

  it('rejects audio without channels', () => {
    expect(() => toMono({ channels: [] })).toThrow(RangeError);
  });
});

describe('decoder lifecycle', () => {
  it('concurrent decodes of every format give the same results as sequential ones', async () => {
    const names = [
      'tone-16.flac',
      'tone-24.flac',
      'tone.ogg',
      'tone.opus',
      'tone.mp3',
      'tone-mono.mp3',
      'tone-s24.wav',
    ];
    const sequential: DecodedAudio[] = [];
    for (const n of names) sequential.push(await decodeFixture(n));
    const concurrent = await Promise.all([...names, ...names].map((n) => decodeFixture(n)));
    concurrent.forEach((a, i) => {
      const want = sequential[i % names.length]!;
      expect([a.format, a.sampleRate, a.channels.length]).toEqual([want.format, want.sampleRate, want.channels.length]);
      a.channels.forEach((c, ch) => expect(maxAbsDiff(c, want.channels[ch]!)).toBe(0));
    });
  });

  it('works again after releaseDecoders()', async () => {
    await releaseDecoders();
    await releaseDecoders(); // idempotent
    expect((await decodeFixture('tone.opus')).sampleRate).toBe(48000);
  });

  it('decodeFile reads from disk and names the path', async () => {
    const a = await decodeFile(FIXTURES + 'tone-16.flac');
    expect(a.format).toBe('flac');
  });
});
