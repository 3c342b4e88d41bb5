// encodeWav against the WAV decoder (itself checked on files written by sox and ffmpeg) on fresh random signals.
import { describe, expect, it } from 'vitest';

import { decodeAudio } from '../src/decode/index.js';
import { encodeWav } from '../src/encode/index.js';

const randomSignal = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);

describe('encodeWav', () => {
  it('round-trips 16-bit PCM to within half a step, interleaving channels', async () => {
    const frames = 1 + Math.floor(Math.random() * 5000);
    const channels = [randomSignal(frames, 0.99), randomSignal(frames, 0.5)];
    const rate = [8000, 16000, 44100][Math.floor(Math.random() * 3)]!;
    const bytes = encodeWav(channels, rate);
    expect(bytes.length).toBe(44 + frames * 4);
    const decoded = await decodeAudio(bytes);
    expect(decoded.sampleRate).toBe(rate);
    expect(decoded.channels.length).toBe(2);
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let i = 0; i < frames; i++) worst = Math.max(worst, Math.abs(decoded.channels[c]![i]! - channels[c]![i]!));
      expect(worst).toBeLessThanOrEqual(0.5 / 32768 + 1e-7);
    }
  });

  it('round-trips float32 exactly', async () => {
    const x = randomSignal(777);
    const decoded = await decodeAudio(encodeWav([x], 16000, { encoding: 'float32' }));
    expect(decoded.channels[0]).toEqual(x);
  });

  it('saturates instead of wrapping, and writes NaN as silence', async () => {
    const x = Float32Array.from([1.5, -1.5, 1, -1, Number.NaN, 0.25]);
    const [y] = (await decodeAudio(encodeWav([x], 16000))).channels;
    expect(Array.from(y!)).toEqual([32767 / 32768, -1, 32767 / 32768, -1, 0, 0.25]);
  });

  it('writes an empty file that decodes as zero-length', async () => {
    const bytes = encodeWav([new Float32Array(0)], 16000);
    expect(bytes.length).toBe(44);
    await expect(decodeAudio(bytes)).rejects.toThrow(/empty|zero|no samples/i);
  });

  it('rejects bad arguments by name', () => {
    expect(() => encodeWav([], 16000)).toThrow(/channels/);
    expect(() => encodeWav([new Float32Array(2), new Float32Array(3)], 16000)).toThrow(/same length/);
    expect(() => encodeWav([new Float32Array(2)], 0)).toThrow(/sampleRate/);
    expect(() => encodeWav([new Float32Array(2)], 16000, { encoding: 'mp3' as never })).toThrow(/encoding/);
    expect(() => encodeWav([[0, 1] as never], 16000)).toThrow(/channels\[0\]/);
  });
});
