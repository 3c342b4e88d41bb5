// A real, tiny serving stack for the tests: a random model directory of the backbone contract, a ClipIndex on disk,
// the Searcher over both, and a handful of synthetic WAV clips on disk that the index points at.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeFile, encodeWav, prepareAudio } from '@aurola/audio';
import { OnnxMllmBackbone, randomModel, writeModelDirectory } from '@aurola/backbone';
import { ClipIndex, type ClipRecord } from '@aurola/index';
import { Searcher } from '@aurola/retrieval';

export const RATE = 16000;

export const WORDS = [
  'a', 'an', 'the', 'steady', 'high', 'low', 'tone', 'beep', 'rising', 'sweep', 'white', 'noise', 'hiss', 'clicks',
  'ticking', 'soft', 'rumble', 'bell', 'rings', 'dog', 'barks', 'rain', 'falls', 'synth', 'clock', 'hum',
];

export interface FixtureClip {
  id: string;
  source: string;
  license: string;
  captions: string[];
  tags: string[];
  make: (n: number) => Float32Array;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const sine = (hz: number, gain = 0.4) => (n: number) => Float32Array.from({ length: n }, (_, i) => gain * Math.sin((2 * Math.PI * hz * i) / RATE));

export const CLIPS: FixtureClip[] = [
  { id: 'synth/tone-440', source: 'synth-tones', license: 'CC0-1.0', captions: ['a steady tone', 'a low beep'], tags: ['tone', 'beep'], make: sine(440) },
  { id: 'synth/tone-1760', source: 'synth-tones', license: 'CC0-1.0', captions: ['a steady high tone'], tags: ['tone', 'high'], make: sine(1760, 0.3) },
  {
    id: 'synth/sweep',
    source: 'synth-tones',
    license: 'CC0-1.0',
    captions: ['a rising sweep'],
    tags: ['sweep', 'tone'],
    make: (n) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (200 + (1800 * i) / n) * i) / RATE)),
  },
  {
    id: 'noise/white',
    source: 'synth-noise',
    license: 'CC-BY-4.0',
    captions: ['white noise', 'a soft hiss'],
    tags: ['noise', 'hiss'],
    make: (n) => {
      const r = seeded(7);
      return Float32Array.from({ length: n }, () => 0.5 * r());
    },
  },
  {
    id: 'noise/clicks',
    source: 'synth-noise',
    license: 'CC-BY-4.0',
    captions: ['clicks ticking like a clock'],
    tags: ['clicks', 'clock'],
    make: (n) => Float32Array.from({ length: n }, (_, i) => (i % 2000 < 40 ? 0.8 * Math.sin(i) : 0)),
  },
  {
    id: 'noise/rumble',
    source: 'synth-noise',
    license: 'CC-BY-4.0',
    captions: ['a low rumble', 'a soft hum'],
    tags: ['rumble', 'low'],
    make: (n) => {
      const r = seeded(11);
      let y = 0;
      return Float32Array.from({ length: n }, () => (y = 0.98 * y + 0.2 * r()));
    },
  },
];

export interface Fixture {
  root: string;
  modelDir: string;
  audioDir: string;
  backbone: OnnxMllmBackbone;
  index: ClipIndex;
  searcher: Searcher;
  /** WAV bytes of each clip, by id. */
  wav: Map<string, Uint8Array>;
  /** A WAV that is not in the index. */
  freshWav: Uint8Array;
  close(): Promise<void>;
}

export async function loadAudio(clip: Pick<ClipRecord, 'path'>): Promise<Float32Array> {
  const decoded = await decodeFile(clip.path);
  return prepareAudio(decoded.channels, decoded.sampleRate);
}

export async function makeFixture(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'aurola-serve-'));
  const modelDir = join(root, 'model');
  const audioDir = join(root, 'audio');
  mkdirSync(audioDir);
  await writeModelDirectory(modelDir, randomModel({ seed: 5, words: WORDS, name: 'aurola-serve-test' }));
  const backbone = await OnnxMllmBackbone.load(modelDir, { threads: 1 });
  const index = ClipIndex.create(join(root, 'index'), { dim: backbone.dim, model: backbone.name });
  const searcher = new Searcher(backbone, index, { loadAudio });
  const wav = new Map<string, Uint8Array>();
  const items = CLIPS.map((c, i) => {
    const samples = c.make(RATE * (1 + (i % 3) * 0.5));
    const bytes = encodeWav([samples], RATE);
    const path = join(audioDir, `${c.id.replace('/', '-')}.wav`);
    writeFileSync(path, bytes);
    wav.set(c.id, bytes);
    const contentHash = createHash('sha256').update(bytes).digest('hex');
    return {
      id: c.id,
      audio: samples,
      meta: { path, durationS: samples.length / RATE, source: c.source, license: c.license, captions: c.captions, tags: c.tags, contentHash },
    };
  });
  await searcher.addClips(items);
  const freshWav = encodeWav([sine(660, 0.5)(RATE)], RATE);
  return {
    root,
    modelDir,
    audioDir,
    backbone,
    index,
    searcher,
    wav,
    freshWav,
    async close() {
      await searcher.close();
      index.close();
      await backbone.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A multipart/form-data body as fastify's inject takes it. */
export async function multipart(parts: [name: string, value: string | Uint8Array, filename?: string][]): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const fd = new FormData();
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string') fd.append(name, value);
    else fd.append(name, new Blob([new Uint8Array(value)]), filename ?? 'upload.bin');
  }
  const req = new Request('http://localhost/', { method: 'POST', body: fd });
  return { payload: Buffer.from(await req.arrayBuffer()), headers: { 'content-type': req.headers.get('content-type')! } };
}
