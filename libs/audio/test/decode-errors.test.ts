import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makeRng } from '@aurola/args';

import { AudioDecodeError, decodeAudio, decodeFile, releaseDecoders, type DecodedAudio } from '../src/decode/index.js';
import { buildWav, Bytes, chunk, expectDecodeError, fixture } from './decode-helpers.js';

afterAll(() => releaseDecoders());

/** Copy of `bytes` with `patch` applied at `offset`. */
function patched(bytes: Uint8Array, offset: number, patch: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(patch, offset);
  return out;
}
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const u16 = (v: number) => [v & 0xff, v >>> 8];
const wavS16 = () => fixture('tone-s16.wav'); // fmt payload at 20 (tag 20, channels 22, rate 24, …); data at 36
const tinyWav = (spec: Partial<Parameters<typeof buildWav>[0]> = {}) =>
  buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 16000, frames: [[1], [2], [3], [4]], ...spec });

describe('empty and zero-length input', () => {
  it('no bytes → empty', async () => {
    await expectDecodeError(new Uint8Array(0), 'empty');
  });

  it('a 0-byte file → empty, naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurola-decode-'));
    try {
      const path = join(dir, 'silence.wav');
      writeFileSync(path, new Uint8Array(0));
      const e = await decodeFile(path).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AudioDecodeError);
      expect(e).toMatchObject({ reason: 'empty', file: path });
      expect((e as Error).message).toContain(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a WAV whose data chunk is empty → zero-length', async () => {
    await expectDecodeError(tinyWav({ frames: [] }), 'zero-length');
  });

  it('a FLAC with no frames and 0 total samples → zero-length', async () => {
    const flac = fixture('tone-16.flac');
    const headerOnly = patched(flac.subarray(0, 42), 4, [0x80]); // STREAMINFO marked last, frames cut
    headerOnly.set([headerOnly[21]! & 0xf0, 0, 0, 0, 0], 21); // total samples = 0
    await expectDecodeError(headerOnly, 'zero-length');
  });

  it('a missing file → io-error naming the path', async () => {
    const e = await decodeFile('/nonexistent/clip.wav').catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'AudioDecodeError', reason: 'io-error', file: '/nonexistent/clip.wav' });
  });

  it('reading a directory → io-error', async () => {
    await expect(decodeFile(tmpdir())).rejects.toMatchObject({ reason: 'io-error' });
  });
});

describe('unsupported input', () => {
  it.each([
    ['text', new TextEncoder().encode('this is not audio at all')],
    ['AIFF', new Bytes().ascii('FORM').u32(100).ascii('AIFFCOMM').bytes()],
    ['RIFF AVI', new Bytes().ascii('RIFF').u32(100).ascii('AVI LIST').bytes()],
    ['MP4', new Bytes().u32(0x20000000).ascii('ftypM4A ').bytes()],
    [
      'ID3 followed by junk',
      new Bytes().ascii('ID3').u8(4).u8(0).u8(0).u32(0).raw(new Uint8Array(200).fill(7)).bytes(),
    ],
  ])('%s → unsupported-format', async (_label, bytes) => {
    await expectDecodeError(bytes, 'unsupported-format');
  });

  it.each([
    ['MS ADPCM WAV', tinyWav({ tag: 2 })],
    ['mu-law WAV', tinyWav({ tag: 7, bits: 8 })],
    ['48-bit PCM', tinyWav({ bits: 48, frames: [[1]] })],
    ['16-bit float', tinyWav({ tag: 3, bits: 16 })],
    ['unknown extensible sub-format', tinyWav({ tag: 0x1234, extensible: true })],
    ['big-endian RIFX', patched(wavS16(), 0, [0x52, 0x49, 0x46, 0x58])],
  ])('%s → unsupported-encoding or -format', async (label, bytes) => {
    await expectDecodeError(bytes, label === 'big-endian RIFX' ? 'unsupported-format' : 'unsupported-encoding');
  });

  it('Ogg Speex → unsupported-encoding', async () => {
    const ogg = fixture('tone.ogg');
    // Replace the Vorbis identification packet's signature (at 28) with Speex's.
    await expectDecodeError(
      patched(
        ogg,
        28,
        [...'Speex   '].map((c) => c.charCodeAt(0)),
      ),
      'unsupported-encoding',
    );
  });

  it('MPEG layer II → unsupported-encoding', async () => {
    const mp3 = fixture('tone.mp3');
    await expectDecodeError(patched(mp3.subarray(20), 1, [0xfd]), 'unsupported-encoding'); // layer bits 10
  });
});

describe('truncated input', () => {
  it.each([2, 4, 11, 16, 30, 40, 44, 46])('WAV cut to %d bytes → truncated', async (n) => {
    await expectDecodeError(wavS16().subarray(0, n), 'truncated');
  });

  it.each([2, 3, 20, 41])('FLAC cut to %d bytes → truncated', async (n) => {
    await expectDecodeError(fixture('tone-16.flac').subarray(0, n), 'truncated');
  });

  it('FLAC cut inside its only audio frame → truncated', async () => {
    await expectDecodeError(fixture('tone-16.flac').subarray(0, 1500), 'truncated');
  });

  it.each([
    ['tone.ogg', 20],
    ['tone.ogg', 40],
    ['tone.opus', 30],
    ['tone.ogg', 200],
    ['tone.opus', 200],
  ] as const)('%s cut to %d bytes → truncated', async (name, n) => {
    await expectDecodeError(fixture(name).subarray(0, n), 'truncated');
  });

  it.each([
    ['ID3 header', 5],
    ['first frame', 100],
  ] as const)('MP3 cut inside the %s → truncated', async (_label, n) => {
    await expectDecodeError(fixture('tone.mp3').subarray(0, n), 'truncated');
  });

  it('an ID3 tag with nothing after it → truncated', async () => {
    await expectDecodeError(fixture('tone.mp3').subarray(0, 20), 'truncated');
  });

  // Decision (documented in wav.ts): a data chunk that claims more than the input holds is decoded as far as
  // whole frames go, since interrupted recordings are common and their content is still good.
  it('a WAV cut mid-data decodes the whole frames that exist', async () => {
    const full = await decodeAudio(wavS16());
    const cut = await decodeAudio(wavS16().subarray(0, 44 + 4 * 1000 + 3)); // 1000 frames and a partial one
    expect(cut.channels[0]!.length).toBe(1000);
    expect(cut.channels[1]).toEqual(full.channels[1]!.subarray(0, 1000));
  });

  it('a WAV whose data size exceeds the file decodes what exists', async () => {
    const a = await decodeAudio(patched(wavS16(), 40, u32(0x7fffffff)));
    expect(a.channels[0]!.length).toBe(3528);
  });

  it.each(['tone.ogg', 'tone.opus', 'tone.mp3', 'tone-24.flac'])(
    '%s cut in half decodes a prefix or fails clearly',
    async (name) => {
      const bytes = fixture(name);
      const result = await decodeAudio(bytes.subarray(0, bytes.length >> 1), { name }).catch((e: unknown) => e);
      if (result instanceof AudioDecodeError) expect(['truncated', 'corrupt']).toContain(result.reason);
      else expect((result as DecodedAudio).durationS).toBeLessThan(0.5);
    },
  );
});

describe('absurd header values', () => {
  it.each([
    ['0 channels', 22, u16(0), 'no-channels'],
    ['1000 channels', 22, u16(1000), 'too-many-channels'],
    ['sample rate 0', 24, u32(0), 'bad-sample-rate'],
    ['sample rate 2 MHz', 24, u32(2_000_000), 'bad-sample-rate'],
    ['sample rate 4 GHz', 24, u32(0xffffffff), 'bad-sample-rate'],
    ['0 bits per sample', 34, u16(0), 'corrupt'],
  ] as const)('WAV with %s → %s', async (_label, offset, patch, reason) => {
    await expectDecodeError(patched(wavS16(), offset, [...patch]), reason);
  });

  it('FLAC STREAMINFO with sample rate 0 → bad-sample-rate', async () => {
    const flac = fixture('tone-16.flac'); // STREAMINFO at 8; the rate is the top 20 bits of bytes 18..20
    await expectDecodeError(patched(flac, 18, [0, 0, flac[20]! & 0x0f]), 'bad-sample-rate');
  });

  it('FLAC whose first block is not STREAMINFO → corrupt', async () => {
    await expectDecodeError(patched(fixture('tone-16.flac'), 4, [0x04]), 'corrupt');
  });

  it.each([
    ['tone.ogg', 'Vorbis channels 0', 39, [0], 'no-channels'],
    ['tone.ogg', 'Vorbis rate 0', 40, u32(0), 'bad-sample-rate'],
    ['tone.ogg', 'Vorbis rate 5 MHz', 40, u32(5_000_000), 'bad-sample-rate'],
    ['tone.opus', 'Opus channels 0', 37, [0], 'no-channels'],
  ] as const)('%s with %s → %s', async (name, _label, offset, patch, reason) => {
    await expectDecodeError(patched(fixture(name), offset, [...patch]), reason);
  });

  it('a fmt chunk of 12 bytes → corrupt', async () => {
    const wav = new Bytes()
      .ascii('RIFF')
      .u32(36)
      .ascii('WAVE')
      .raw(chunk('fmt ', new Uint8Array(12)))
      .raw(chunk('data', [0, 0]))
      .bytes();
    await expectDecodeError(wav, 'corrupt');
  });

  it('a float WAV holding NaN → corrupt', async () => {
    await expectDecodeError(tinyWav({ tag: 3, bits: 32, frames: [[0.5], [Number.NaN]] }), 'corrupt');
  });
});

describe('huge headers and chunk sizes beyond the buffer', () => {
  it('fmt chunk declaring 2 GiB → header-too-large', async () => {
    await expectDecodeError(patched(wavS16(), 16, u32(0x7fffffff)), 'header-too-large');
  });

  it('a 4 GiB LIST chunk before fmt → header-too-large', async () => {
    const wav = tinyWav({ before: [chunk('LIST', [1, 2, 3, 4], 0xfffffff0)] });
    await expectDecodeError(wav, 'header-too-large');
  });

  it('a modest chunk running past the end → truncated', async () => {
    await expectDecodeError(tinyWav({ before: [chunk('LIST', [1, 2, 3, 4], 5000)] }), 'truncated');
  });

  it('an ID3 tag declaring 256 MiB → header-too-large', async () => {
    await expectDecodeError(patched(fixture('tone.mp3'), 6, [0x7f, 0x7f, 0x7f, 0x7f]), 'header-too-large');
  });

  it('a FLAC metadata block running past the end → truncated', async () => {
    const flac = fixture('tone-16.flac');
    const bytes = new Uint8Array([...flac.subarray(0, 42), 0x84, 0xff, 0xff, 0xff, 1, 2, 3]);
    bytes[4] = 0x00; // STREAMINFO no longer last; a 16 MiB VORBIS_COMMENT follows
    await expectDecodeError(bytes, 'truncated');
  });
});

describe('garbage', () => {
  it('garbage after a valid RIFF/fmt header → AudioDecodeError', async () => {
    const rand = makeRng(7);
    for (let i = 0; i < 20; i++) {
      const junk = Uint8Array.from({ length: 200 + i * 37 }, () => Math.floor(rand() * 256));
      const e = await expectAnyDecodeError(new Uint8Array([...wavS16().subarray(0, 36), ...junk]));
      expect(['corrupt', 'truncated', 'header-too-large']).toContain(e.reason);
    }
  });

  it('a data chunk without a fmt chunk → corrupt; no data chunk before the end → truncated', async () => {
    const noFmt = new Bytes()
      .ascii('RIFF')
      .u32(20)
      .ascii('WAVE')
      .raw(chunk('data', [1, 2, 3, 4]))
      .bytes();
    await expectDecodeError(noFmt, 'corrupt');
    await expectDecodeError(wavS16().subarray(0, 36), 'truncated');
  });

  it('junk appended to a complete WAV is ignored', async () => {
    const bytes = wavS16();
    const withJunk = new Uint8Array([...bytes, ...new TextEncoder().encode('trailing junk '.repeat(50))]);
    const [a, b] = await Promise.all([decodeAudio(bytes), decodeAudio(withJunk)]);
    expect(b.channels).toEqual(a.channels);
  });

  // Only tags: codec-parser drops a last FLAC frame whose CRC fails over trailing bytes (see stripTrailingTags).
  it('ID3v1 and APEv2 tags appended to a FLAC are ignored', async () => {
    const id3v1 = new Bytes().ascii('TAG').raw(new Uint8Array(125).fill(0x41)).bytes();
    const apeItems = new Bytes().u32(5).u32(0).ascii('Title\0').ascii('hello').bytes();
    const apeFooter = (flags: number) =>
      new Bytes()
        .ascii('APETAGEX')
        .u32(2000)
        .u32(apeItems.length + 32)
        .u32(1)
        .u32(flags)
        .u64(0)
        .bytes();
    const ape = new Uint8Array([...apeFooter(0xa0000000), ...apeItems, ...apeFooter(0x80000000)]);
    const bytes = fixture('tone-16.flac');
    const a = await decodeAudio(bytes);
    for (const tail of [id3v1, ape, new Uint8Array([...ape, ...id3v1])]) {
      expect((await decodeAudio(new Uint8Array([...bytes, ...tail]))).channels).toEqual(a.channels);
    }
  });

  it.each(['tone.ogg', 'tone.opus', 'tone.mp3'])('junk appended to %s keeps the audio', async (name) => {
    const bytes = fixture(name);
    const a = await decodeAudio(bytes);
    const b = await decodeAudio(new Uint8Array([...bytes, ...new Uint8Array(999).fill(0x55)]));
    expect(b.channels[0]!.subarray(0, a.channels[0]!.length - 2000)).toEqual(
      a.channels[0]!.subarray(0, a.channels[0]!.length - 2000),
    );
  });

  it('random bytes → AudioDecodeError', async () => {
    const rand = makeRng(11);
    for (let i = 0; i < 20; i++)
      await expectAnyDecodeError(Uint8Array.from({ length: 1 + i * 50 }, () => Math.floor(rand() * 256)));
  });
});

async function expectAnyDecodeError(bytes: Uint8Array): Promise<AudioDecodeError> {
  const e = await decodeAudio(bytes, { name: 'junk.bin' }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(AudioDecodeError);
  expect((e as AudioDecodeError).message).toContain('junk.bin');
  return e as AudioDecodeError;
}

describe('fuzz: mutated fixtures never throw anything but AudioDecodeError, never hang', () => {
  const FIXTURE_NAMES = [
    'tone-s16.wav',
    'tone-u8.wav',
    'tone-s24-ext.wav',
    'tone-f32.wav',
    'tone-f64-8k-mono.wav',
    'tone-s16-rf64.wav',
    'tone-16.flac',
    'tone-24.flac',
    'tone-16.oga',
    'tone.ogg',
    'tone.opus',
    'tone.mp3',
    'tone-mono.mp3',
  ];
  const ITERATIONS = 60;
  const PER_CALL_TIMEOUT_MS = 5000;

  /** One random damage: overwrite bytes (biased to the header), cut the end, or splice in garbage. */
  function mutate(src: Uint8Array, rand: () => number): Uint8Array {
    const pick = (n: number) => Math.floor(rand() * n);
    const kind = rand();
    if (kind < 0.15) return src.subarray(0, pick(src.length));
    const b = src.slice();
    if (kind < 0.3) {
      const at = pick(b.length);
      return new Uint8Array([
        ...b.subarray(0, at),
        ...Array.from({ length: 1 + pick(64) }, () => pick(256)),
        ...b.subarray(at),
      ]);
    }
    for (let k = 1 + pick(12); k > 0; k--) b[rand() < 0.5 ? pick(Math.min(96, b.length)) : pick(b.length)] = pick(256);
    return b;
  }

  function withTimeout<T>(p: Promise<T>, label: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${label}: no answer within ${PER_CALL_TIMEOUT_MS} ms`)),
        PER_CALL_TIMEOUT_MS,
      );
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  function checkInvariants(a: DecodedAudio): void {
    expect(a.sampleRate).toBeGreaterThanOrEqual(1000);
    expect(a.sampleRate).toBeLessThanOrEqual(1_000_000);
    expect(a.channels.length).toBeGreaterThan(0);
    const n = a.channels[0]!.length;
    expect(n).toBeGreaterThan(0);
    expect(a.durationS).toBeCloseTo(n / a.sampleRate, 9);
    for (const c of a.channels) {
      expect(c.length).toBe(n);
      for (const x of c) if (!(x >= -1 && x <= 1)) throw new Error(`sample ${x} outside [-1, 1]`);
    }
  }

  it.each(FIXTURE_NAMES)('%s', async (name) => {
    // Decoders report bad frames on the console; keep the test output readable.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const src = fixture(name);
      const rand = makeRng(name);
      const reasons = new Map<string, number>();
      for (let i = 0; i < ITERATIONS; i++) {
        const label = `${name} #${i}`;
        const result = await withTimeout(decodeAudio(mutate(src, rand), { name: label }), label).catch(
          (e: unknown) => e,
        );
        if (result instanceof AudioDecodeError) {
          expect(result.file).toBe(label);
          reasons.set(result.reason, (reasons.get(result.reason) ?? 0) + 1);
        } else if (result instanceof Error) {
          throw result; // a foreign error or a timeout
        } else {
          checkInvariants(result as DecodedAudio);
          reasons.set('decoded', (reasons.get('decoded') ?? 0) + 1);
        }
      }
      expect([...reasons.values()].reduce((a, b) => a + b, 0)).toBe(ITERATIONS);
    } finally {
      quiet.mockRestore();
    }
  });
});
