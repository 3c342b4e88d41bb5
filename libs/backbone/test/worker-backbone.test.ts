// The ONNX runner in a worker thread gives what the runner on this thread gives, for every operation, and keeps
// its errors: a bad directory on load (checked on this thread), bad inputs (checked in the worker), use after close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ModelDirectoryError, OnnxMllmBackbone, WorkerBackbone } from '../src/index.js';
import { randomModel, writeModelDirectory } from '../src/write-model.js';

const WORDS = 'a dog barks twice then car passes in the rain bell rings'.split(' ');
const root = mkdtempSync(join(tmpdir(), 'aurola-worker-backbone-'));
let here: OnnxMllmBackbone;
let worker: WorkerBackbone;

beforeAll(async () => {
  const dir = join(root, 'model');
  await writeModelDirectory(dir, randomModel({ seed: Math.floor(Math.random() * 1e6), words: WORDS, hiddenSize: 24, numHeads: 3 }));
  here = await OnnxMllmBackbone.load(dir, { threads: 1 });
  worker = await WorkerBackbone.load(dir, { threads: 1 });
});
afterAll(async () => {
  await here?.close();
  await worker?.close();
  rmSync(root, { recursive: true, force: true });
});

const sentence = () => Array.from({ length: 1 + Math.floor(Math.random() * 8) }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(' ');
const clip = () => Float32Array.from({ length: Math.round((0.3 + Math.random()) * 16000) }, () => (Math.random() - 0.5) * 0.4);

describe('WorkerBackbone', () => {
  it('describes the same model', () => {
    expect(worker.name).toBe(here.name);
    expect(worker.id).toBe(here.id);
    expect(worker.dim).toBe(here.dim);
    expect(worker.config).toEqual(here.config);
  });

  it('embeds text and audio and scores pairs exactly as the runner on this thread does', async () => {
    const texts = Array.from({ length: 5 }, sentence);
    const clips = Array.from({ length: 3 }, clip);
    expect(await worker.embedText(texts)).toEqual(await here.embedText(texts));
    expect(await worker.embedText(texts, { dtype: 'f16' })).toEqual(await here.embedText(texts, { dtype: 'f16' }));
    expect(await worker.embedAudio(clips)).toEqual(await here.embedAudio(clips));
    const pairs = clips.map((audio, i) => ({ text: texts[i]!, audio }));
    for (const direction of ['t2a', 'a2t'] as const) expect(await worker.scorePairs(pairs, direction)).toEqual(await here.scorePairs(pairs, direction));
  });

  it('answers concurrent calls each with its own result', async () => {
    const texts = Array.from({ length: 6 }, sentence);
    const got = await Promise.all(texts.map((t) => worker.embedText([t])));
    const want = await here.embedText(texts);
    got.forEach((e, i) => expect(e.data).toEqual((want.data as Float32Array).slice(i * want.cols, (i + 1) * want.cols)));
  });

  it('runs calls on several workers, each answering as the runner on this thread does', async () => {
    const pool = await WorkerBackbone.load(join(root, 'model'), { threads: 1, workers: 3 });
    try {
      expect(pool.concurrency).toBe(3);
      expect(worker.concurrency).toBe(1);
      expect(pool.id).toBe(here.id);
      const texts = Array.from({ length: 9 }, sentence);
      const clips = Array.from({ length: 3 }, clip);
      const [text, audio] = await Promise.all([Promise.all(texts.map((t) => pool.embedText([t]))), pool.embedAudio(clips)]);
      const want = await here.embedText(texts);
      text.forEach((e, i) => expect(e.data).toEqual((want.data as Float32Array).slice(i * want.cols, (i + 1) * want.cols)));
      expect(audio).toEqual(await here.embedAudio(clips));
    } finally {
      await pool.close();
    }
    await expect(WorkerBackbone.load(join(root, 'model'), { workers: 0 })).rejects.toThrow(/opts.workers must be a positive integer/);
  });

  it('closes after answering the calls in flight (stopping a worker inside a session would abort the process)', async () => {
    const closing = await WorkerBackbone.load(join(root, 'model'), { threads: 1 });
    const texts = Array.from({ length: 24 }, sentence);
    const pending = closing.embedText(texts);
    await closing.close();
    expect(await pending).toEqual(await here.embedText(texts));
  });

  it('keeps the errors', async () => {
    await expect(WorkerBackbone.load(join(root, 'missing'))).rejects.toThrow(ModelDirectoryError);
    await expect(worker.embedText('a dog' as unknown as string[])).rejects.toThrow(/texts must be an array, got string/);
    await expect(worker.embedText([42 as unknown as string])).rejects.toThrow(/texts\[0\] must be a string/);
    await expect(worker.embedAudio([new Float32Array(0)])).rejects.toThrow(/clips\[0\]/);
    await expect(worker.scorePairs([], 'sideways' as 't2a')).rejects.toThrow(/direction must be 't2a' or 'a2t'/);
    const closing = await WorkerBackbone.load(join(root, 'model'), { threads: 1 });
    await closing.close();
    await expect(closing.embedText(['a dog'])).rejects.toThrow(/is closed/);
  });
});
