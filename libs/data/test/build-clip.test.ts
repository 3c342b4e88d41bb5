// buildClip on audio the test writes: the stored clip is the 16 kHz mono cut of the input, the record carries the
// item's facts and captions at three granularities, and unusable input is refused with a reason.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AudioDecodeError, decodeFile, encodeWav } from '@aurola/audio';

import { buildClip, ClipRejectedError } from '../src/build/clip.js';
import type { SourceItem } from '../src/sources/item.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aurola-clip-'));
  mkdirSync(join(dir, 'in'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function item(name: string, channels: Float32Array[], rate: number, extra: Partial<SourceItem> = {}): SourceItem {
  const file = join(dir, 'in', `${name}.wav`);
  writeFileSync(file, encodeWav(channels, rate));
  return { id: `test/${name}`, file, source: 'test', license: 'CC0-1.0', labels: ['dog_bark'], ...extra };
}

const tone = (f: number, seconds: number, rate: number, amp = 0.5) =>
  Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));

describe('buildClip', () => {
  it('writes the 16 kHz mono cut and a complete record', async () => {
    const seconds = 1 + Math.random() * 2;
    const f = 300 + Math.random() * 500;
    const left = tone(f, seconds, 44100);
    const right = tone(f, seconds, 44100, 0.3);
    const out = join(dir, 'out');
    const clip = await buildClip(item('stereo', [left, right], 44100, { recording: 'rec-1' }), { outDir: out, seed: 3 });
    expect(clip).toMatchObject({ id: 'test/stereo', audio: 'audio/test/stereo.wav', source: 'test', license: 'CC0-1.0' });
    expect(clip.recordings).toEqual(['rec-1']);
    expect(clip.durationS).toBeCloseTo(seconds, 2);
    expect(clip.tags).toContain('dog');
    expect(clip.captionLong.split(/\s+/).length).toBeGreaterThanOrEqual(10);
    expect(clip.captionShort.length).toBeGreaterThan(0);
    const stored = await decodeFile(join(out, clip.audio));
    expect(stored.sampleRate).toBe(16000);
    expect(stored.channels.length).toBe(1);
    // The mono downmix of a 0.5 and a 0.3 tone in phase has amplitude 0.4: check the middle of the clip.
    const x = stored.channels[0]!;
    let peak = 0;
    for (let i = Math.floor(x.length / 4); i < Math.floor((3 * x.length) / 4); i++) peak = Math.max(peak, Math.abs(x[i]!));
    expect(peak).toBeGreaterThan(0.39);
    expect(peak).toBeLessThan(0.41);
  });

  it('cuts to maxDurationS and gives the same captions for the same seed and id', async () => {
    const it1 = item('long', [tone(200, 5, 16000)], 16000);
    const a = await buildClip(it1, { outDir: join(dir, 'a'), maxDurationS: 2, seed: 'x' });
    const b = await buildClip(it1, { outDir: join(dir, 'b'), maxDurationS: 2, seed: 'x' });
    expect(a.durationS).toBe(2);
    expect(b).toEqual(a);
  });

  it('scales a clip that would clip instead of saturating it', async () => {
    const clip = await buildClip(item('hot', [tone(1000, 0.5, 16000, 1)], 16000), { outDir: join(dir, 'hot') });
    const x = (await decodeFile(join(dir, 'hot', clip.audio))).channels[0]!;
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeLessThanOrEqual(0.99 + 1 / 32768);
  });

  it('passes transcripts and human captions to the captioner', async () => {
    const clip = await buildClip(
      item('speech', [tone(180, 1.5, 16000)], 16000, { labels: ['female voice prompt'], transcript: 'Thank you.' }),
      { outDir: join(dir, 'speech') },
    );
    expect(`${clip.captionLong} ${clip.captionShort}`).toContain('Thank you');
    expect(clip.tags).toContain('speech');
  });

  it('refuses silence and blips, and reports undecodable files as AudioDecodeError', async () => {
    const silent = buildClip(item('silent', [new Float32Array(16000)], 16000), { outDir: join(dir, 'r') });
    await expect(silent).rejects.toMatchObject({ name: 'ClipRejectedError', reason: 'silent' });
    const blip = buildClip(item('blip', [tone(500, 0.02, 16000)], 16000), { outDir: join(dir, 'r') });
    await expect(blip).rejects.toBeInstanceOf(ClipRejectedError);
    await expect(blip).rejects.toMatchObject({ reason: 'too-short' });
    const bad = join(dir, 'in', 'bad.wav');
    writeFileSync(bad, 'RIFF....WAVEjunk');
    const error = await buildClip({ id: 't/bad', file: bad, source: 't', license: 'x', labels: [] }, { outDir: dir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AudioDecodeError);
    expect((error as Error).message).toContain(bad);
  });
});
