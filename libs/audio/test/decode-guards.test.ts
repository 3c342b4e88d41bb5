// The decoders are third-party WASM: these tests replace mpg123-decoder with a scripted fake to check that
// whatever a decoder does (throw, trap, return nothing, NaN, absurd rates, ragged channels) ends as an
// AudioDecodeError, and that a failed instance is freed and replaced.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioDecodeError, decodeAudio, releaseDecoders } from '../src/decode/index.js';
import { expectDecodeError, fixture } from './decode-helpers.js';

interface FakeResult {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string }[];
}

const fake = vi.hoisted(() => ({
  created: 0,
  freed: 0,
  inFlight: 0,
  maxInFlight: 0,
  ready: (): Promise<void> => Promise.resolve(),
  decode: (_chunk: Uint8Array, _call: number): unknown => undefined,
}));

vi.mock('mpg123-decoder', () => ({
  MPEGDecoder: class {
    readonly ready = fake.ready();
    private calls = 0;
    constructor() {
      fake.created++;
    }
    decode(chunk: Uint8Array) {
      return fake.decode(chunk, this.calls++);
    }
    async reset() {
      this.calls = 0;
    }
    free() {
      fake.freed++;
    }
  },
}));

const mp3 = () => fixture('tone.mp3');
// Node has WebAssembly at runtime; the project's lib settings only declare its types.
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly;
const ok = (n = 1000, sampleRate = 44100, fill = 0.1): FakeResult => ({
  channelData: [new Float32Array(n).fill(fill), new Float32Array(n).fill(-fill)],
  samplesDecoded: n,
  sampleRate,
  errors: [],
});

beforeEach(async () => {
  await releaseDecoders();
  Object.assign(fake, { created: 0, freed: 0, inFlight: 0, maxInFlight: 0, ready: () => Promise.resolve() });
});

describe('decoder guards', () => {
  it('passes a good result through', async () => {
    fake.decode = () => ok(2000);
    const a = await decodeAudio(mp3());
    expect([a.sampleRate, a.channels.length, a.channels[0]!.length]).toEqual([44100, 2, 2000]);
  });

  it.each([
    ['an Error', new Error('boom')],
    ['a string (Emscripten exit)', 'exit(1)'],
    ['a WASM trap', new RuntimeError('memory access out of bounds')],
  ])('a decoder throwing %s → corrupt, and the instance is replaced', async (_label, thrown) => {
    fake.decode = () => {
      throw thrown;
    };
    const e = await expectDecodeError(mp3(), 'corrupt', 'x.mp3');
    expect(e.detail).toMatch(/decoder failed/);
    expect(e.cause).toBeDefined();
    expect(fake.freed).toBe(1);
    fake.decode = () => ok();
    await decodeAudio(mp3());
    expect(fake.created).toBe(2);
  });

  it('a decoder that fails to initialise → corrupt, and the next call tries a fresh one', async () => {
    fake.ready = () => Promise.reject(new Error('wasm compile failed'));
    await expectDecodeError(mp3(), 'corrupt');
    fake.ready = () => Promise.resolve();
    fake.decode = () => ok();
    await expect(decodeAudio(mp3())).resolves.toBeDefined();
  });

  it('empty output → corrupt (the MP3 had complete frames)', async () => {
    fake.decode = () => ({ ...ok(0), channelData: [], sampleRate: 0 });
    await expectDecodeError(mp3(), 'corrupt');
  });

  it('decoder-reported errors and console output end up in the error detail, not on the console', async () => {
    const consoleError = vi.spyOn(console, 'error');
    fake.decode = () => {
      console.error('mpg123-decoder: -1 frame damaged');
      return { ...ok(0), errors: [{ message: 'bad frame' }] };
    };
    const e = await expectDecodeError(mp3(), 'corrupt');
    expect(e.detail).toContain('bad frame');
    expect(e.detail).toContain('frame damaged');
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
  });

  it.each([
    ['sample rate 0', () => ok(100, 0), 'bad-sample-rate'],
    ['sample rate 5 MHz', () => ok(100, 5_000_000), 'bad-sample-rate'],
    ['NaN samples', () => ok(100, 44100, Number.NaN), 'corrupt'],
    ['infinite samples', () => ok(100, 44100, Number.POSITIVE_INFINITY), 'corrupt'],
    ['ragged channels', () => ({ ...ok(100), channelData: [new Float32Array(100), new Float32Array(50)] }), 'corrupt'],
  ] as const)('%s → %s', async (_label, decode, reason) => {
    fake.decode = decode;
    await expectDecodeError(mp3(), reason);
  });

  it('clamps slight overshoot into [-1, 1]', async () => {
    fake.decode = () => ok(10, 44100, 1.07);
    const a = await decodeAudio(mp3());
    expect(Array.from(a.channels[0]!)).toEqual(new Array(10).fill(1));
    expect(Array.from(a.channels[1]!)).toEqual(new Array(10).fill(-1));
  });

  it('a sample rate change mid-stream → unsupported-encoding', async () => {
    const long = new Uint8Array(600 * 1024);
    long.set(mp3());
    fake.decode = (_chunk, call) => ok(1000, call === 0 ? 44100 : 48000);
    await expectDecodeError(long, 'unsupported-encoding');
  });

  it('serialises concurrent calls on one decoder instance', async () => {
    fake.decode = () => {
      fake.inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
      return new Promise((resolve) =>
        setTimeout(() => {
          fake.inFlight--;
          resolve(ok());
        }, 5),
      );
    };
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => decodeAudio(mp3())));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(fake.maxInFlight).toBe(1);
    expect(fake.created).toBe(1); // created once, reused
  });

  it('releaseDecoders frees the instance', async () => {
    fake.decode = () => ok();
    await decodeAudio(mp3());
    await releaseDecoders();
    expect(fake.freed).toBe(1);
    await releaseDecoders();
    expect(fake.freed).toBe(1);
  });

  it('never rejects with anything but AudioDecodeError', async () => {
    fake.decode = () => {
      throw new TypeError("Cannot read properties of null (reading '9')");
    };
    await expect(decodeAudio(mp3())).rejects.toBeInstanceOf(AudioDecodeError);
  });
});
