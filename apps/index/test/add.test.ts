// aurola-index end to end on a synthetic library and a tiny random model: add (folder and manifest), re-run,
// changed files, unreadable files, remove, stats, compact, export, and the command line's errors.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeFile, encodeWav, prepareAudio } from '@aurola/audio';
import { OnnxMllmBackbone, randomModel, writeModelDirectory } from '@aurola/backbone';
import { writeManifest, type ClipRecord as ManifestRecord } from '@aurola/data';
import { ClipIndex, readNpy } from '@aurola/index';

import type { AddSummary } from '../src/add.js';
import { main } from '../src/main.js';

const root = mkdtempSync(join(tmpdir(), 'aurola-index-app-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modelDir = join(root, 'model');
const library = join(root, 'library');
const RATE = 16000;

/** Runs the CLI in this process; returns its exit code and what it wrote. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        add(String(chunk));
        done();
      },
    });
  const err = Object.assign(sink((s) => (stderr += s)), { isTTY: false }) as unknown as NodeJS.WriteStream;
  const code = await main(argv, { stdout: sink((s) => (stdout += s)), stderr: err });
  return { code, stdout, stderr };
}

function tone(hz: number, seconds: number, noise = 0): Float32Array {
  return new Float32Array(Math.round(seconds * RATE)).map(
    (_, i) => 0.4 * Math.sin((2 * Math.PI * hz * i) / RATE) * Math.exp(-i / (RATE * seconds)) + noise * (Math.sin(i * 12.9898) * 43758.5453 % 1),
  );
}

const FILES: Record<string, Float32Array> = {
  'dogs/dog_bark.wav': tone(600, 1.2, 0.2),
  'dogs/dog_growl_low.wav': tone(120, 2.0, 0.1),
  'bells/church_bell.wav': tone(880, 2.5),
  'bells/bicycle_bell.wav': tone(2400, 0.6),
  'rain/rain_on_roof.wav': tone(50, 3.0, 0.5),
  'drum_kick.wav': tone(60, 0.4),
};

const write = (dir: string, path: string, x: Float32Array) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), encodeWav([x], RATE));
};

beforeAll(async () => {
  await writeModelDirectory(modelDir, randomModel({ seed: 7, words: ['dog', 'bark', 'bell', 'rain', 'drum', 'a', 'the'] }));
  for (const [path, x] of Object.entries(FILES)) write(library, path, x);
  writeFileSync(join(library, 'dogs/dog_bark.txt'), 'a dog barks twice\n');
  writeFileSync(join(library, 'broken.wav'), Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt garbage garbage garbage'));
  writeFileSync(join(library, 'copies/same_as_bicycle_bell.wav'.replace('copies/', '')), readFileSync(join(library, 'bells/bicycle_bell.wav')));
});

describe('aurola-index add on a folder', () => {
  const index = join(root, 'index-folder');

  it('indexes every readable file once, lists the unreadable one, embeds clips and captions with the model', async () => {
    const r = await run('add', library, '--index', index, '--model', modelDir, '--batch', '4', '--threads', '2', '--license', 'CC0-1.0');
    expect(r.stderr).not.toMatch(/aurola-index add:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/8 files: 6 added, 0 updated, 0 already indexed, 1 duplicates, 1 unreadable/);
    expect(r.stdout).toMatch(/broken\.wav: /);
    expect(r.stderr).toMatch(/indexing \[#+\] 8\/8 \(100%, 1 failed\) [\d.]+ clips\/s, .* ETA 0s/);
    const report = JSON.parse(readFileSync(join(index, 'add-report.json'), 'utf8')) as AddSummary;
    expect(report).toMatchObject({ total: 8, added: 6, updated: 0, skipped: 0, interrupted: false, model: 'aurola-random-test' });
    expect(report.unreadable.map((u) => u.file)).toEqual([join(library, 'broken.wav')]);
    expect(report.duplicates).toEqual([{ file: join(library, 'same_as_bicycle_bell.wav'), id: 'library/same_as_bicycle_bell.wav', sameAs: 'library/bells/bicycle_bell.wav' }]);

    const backbone = await OnnxMllmBackbone.load(modelDir, { threads: 1 });
    const idx = ClipIndex.open(index);
    try {
      expect(idx.size).toBe(6);
      expect(idx.dtype).toBe('f16');
      expect(idx.model).toBe(backbone.id);
      expect(idx.model).toMatch(/^aurola-random-test@[0-9a-f]{16}$/);
      for (const [path, x] of Object.entries(FILES)) {
        const id = `library/${path}`;
        const clip = idx.get(id)!;
        const file = join(library, path);
        expect(clip).toMatchObject({ id, path: file, source: `folder:${library}`, license: 'CC0-1.0' });
        expect(clip.durationS).toBeCloseTo(x.length / RATE, 3);
        expect(clip.contentHash).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
        expect(clip.captions.length).toBeGreaterThan(0);
        expect(clip.tags.length).toBeGreaterThan(0);
        // The stored vector is the model's embedding of the decoded file (rounded to f16).
        const decoded = await decodeFile(file);
        const audio = prepareAudio(decoded.channels, decoded.sampleRate, { targetRate: RATE, maxS: 10, pad: 'none' });
        const e = await backbone.embedAudio([audio]);
        const v = idx.vector(id)!;
        for (let j = 0; j < v.length; j++) expect(Math.abs(v[j]! - (e.data as Float32Array)[j]!)).toBeLessThan(2e-3);
        // Each caption is in the caption gallery under its own text embedding.
        const t = await backbone.embedText(clip.captions);
        const hits = await idx.searchCaptions({ data: t.data as Float32Array, rows: t.rows }, { k: 1, filter: { source: clip.source } });
        hits.forEach((h, i) => {
          expect(h[0]!.score).toBeCloseTo(1, 2);
          expect(h[0]!.caption).toBe(clip.captions[i]);
        });
      }
      expect(idx.get('library/dogs/dog_bark.wav')!.tags).toEqual(expect.arrayContaining(['dog', 'bark']));
      // The sidecar caption reached the captioner (a human caption is kept in its words).
      expect(idx.get('library/dogs/dog_bark.wav')!.captions.join(' ')).toMatch(/dog/);
    } finally {
      idx.close();
      await backbone.close();
    }
  });

  it('a re-run finds everything indexed; a changed file is re-embedded; a new file is added', async () => {
    const again = await run('add', library, '--index', index, '--model', modelDir, '--threads', '1');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/8 files: 0 added, 0 updated, 6 already indexed, 1 duplicates, 1 unreadable/);

    write(library, 'drum_kick.wav', tone(75, 0.5));
    write(library, 'rain/thunder.wav', tone(35, 1.5, 0.3));
    const changed = await run('add', library, '--index', index, '--model', modelDir, '--threads', '2', '--license', 'CC0-1.0');
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/9 files: 1 added, 1 updated, 5 already indexed, 1 duplicates, 1 unreadable/);
    const idx = ClipIndex.open(index);
    expect(idx.size).toBe(7);
    expect(idx.get('library/drum_kick.wav')!.durationS).toBeCloseTo(0.5, 3);
    expect(idx.has('library/rain/thunder.wav')).toBe(true);
    idx.close();
  });

  it('remove, stats, compact and export', async () => {
    const removed = await run('remove', 'library/rain/thunder.wav', 'library/no-such-clip', '--index', index);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/removed 1 clip; 6 left/);
    expect(removed.stdout).toMatch(/not in the index: library\/no-such-clip/);

    const stats = await run('stats', '--index', index, '--json');
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({ clips: 6, dim: 32, dtype: 'f16', tombstones: 0 });
    expect(s.model).toMatch(/^aurola-random-test@[0-9a-f]{16}$/);
    expect((await run('stats', '--index', index)).stdout).toMatch(/clips 6, caption rows \d+, tombstones 0\n\s+32-d f16 vectors of model aurola-random-test@[0-9a-f]{16}/);

    const compact = await run('compact', '--index', index);
    expect(compact.code).toBe(0);
    expect(compact.stdout).toMatch(/compacted: 0 removed rows dropped;/);

    const out = join(root, 'export', 'vectors.npy');
    mkdirSync(join(root, 'export'));
    const exported = await run('export', '--index', index, '--out', out);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/exported 6 × 32 vectors/);
    const npy = readNpy(out);
    const ids = JSON.parse(readFileSync(`${out}.ids.json`, 'utf8')) as string[];
    expect([npy.rows, npy.cols, ids.length]).toEqual([6, 32, 6]);
    const idx = ClipIndex.open(index);
    ids.forEach((id, r) => expect(npy.data.subarray(r * 32, (r + 1) * 32)).toEqual(idx.vector(id)));
    expect(ids).not.toContain('library/rain/thunder.wav');
    idx.close();
  });
});

describe('aurola-index add on a manifest', () => {
  it('takes captions, tags, source and licence from the manifest', async () => {
    const dir = join(root, 'corpus');
    const records: ManifestRecord[] = ['a', 'b', 'c'].map((name, i) => ({
      id: `set/${name}`,
      audio: `audio/${name}.wav`,
      durationS: 1 + i,
      source: 'my-set',
      license: 'CC-BY-4.0',
      captionLong: `A long description of sound ${name}.`,
      captionShort: `sound ${name}`,
      tags: [`tag-${name}`, 'common'],
      tagClusters: [],
      split: 'test',
    }));
    records.forEach((r, i) => write(dir, r.audio, tone(200 * (i + 1), r.durationS, 0.05)));
    await writeManifest(join(dir, 'manifest.jsonl'), records);
    const index = join(root, 'index-manifest');
    const r = await run('add', join(dir, 'manifest.jsonl'), '--index', index, '--model', modelDir, '--dtype', 'f32', '--threads', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 files: 3 added/);
    const idx = ClipIndex.open(index);
    expect(idx.dtype).toBe('f32');
    for (const rec of records) {
      expect(idx.get(rec.id)).toMatchObject({
        path: join(dir, rec.audio),
        source: 'my-set',
        license: 'CC-BY-4.0',
        captions: [rec.captionLong, rec.captionShort],
        tags: rec.tags,
      });
      expect(idx.get(rec.id)!.durationS).toBeCloseTo(rec.durationS, 3);
    }
    const q = { data: idx.vector('set/b')!, rows: 1 };
    expect((await idx.search(q, { k: 3, filter: { tags: ['tag-b'] } }))[0]!.map((h) => h.id)).toEqual(['set/b']);
    idx.close();
    // Adding to it with another dtype is refused; without one it keeps f32.
    const refused = await run('add', join(dir, 'manifest.jsonl'), '--index', index, '--model', modelDir, '--dtype', 'bf16');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/f32 vectors, not bf16/);
  });
});

describe('aurola-index command line errors', () => {
  it('bad arguments exit with 2 and the usage; failures exit with 1 and say why; another model exits with 3', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('--help')).code).toBe(0);
    for (const cmd of ['add', 'remove', 'stats', 'compact', 'export']) {
      const help = await run(cmd, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: aurola-index ${cmd}`));
    }
    const usage = async (args: string[], message: RegExp) => {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/usage: aurola-index/);
    };
    await usage(['frobnicate'], /unknown command "frobnicate"/);
    await usage(['add', library], /--index DIR is required/);
    await usage(['add', '--index', join(root, 'x')], /add takes one folder or manifest, got 0/);
    await usage(['add', library, library, '--index', join(root, 'x')], /got 2/);
    await usage(['add', library, '--index', join(root, 'x'), '--dtype', 'f64'], /--dtype must be f16, f32 or bf16/);
    await usage(['add', library, '--index', join(root, 'x'), '--batch', '0'], /--batch must be a positive integer/);
    await usage(['add', library, '--index', join(root, 'x'), '--bogus'], /Unknown option '--bogus'/);
    await usage(['remove', '--index', join(root, 'x')], /at least one id/);
    await usage(['export', '--index', join(root, 'x')], /--out FILE.npy is required/);
    await usage(['stats'], /--index DIR is required/);

    const missing = await run('stats', '--index', join(root, 'nothing-here'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const noModel = await run('add', library, '--index', join(root, 'x'), '--model', join(root, 'no-model'));
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/model directory .*no-model does not exist/);
    const noInput = await run('add', join(root, 'no-input'), '--index', join(root, 'x'), '--model', modelDir);
    expect(noInput.code).toBe(1);
    expect(noInput.stderr).toMatch(/does not exist/);

    // A model of the same name with other weights (a retrained one) must not add to an index the first one filled.
    const retrained = join(root, 'model-retrained');
    await writeModelDirectory(retrained, randomModel({ seed: 8, words: ['dog', 'bark', 'bell', 'rain', 'drum', 'a', 'the'] }));
    const other = await run('add', library, '--index', join(root, 'index-folder'), '--model', retrained);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/holds embeddings of model "aurola-random-test@[0-9a-f]{16}", not "aurola-random-test@[0-9a-f]{16}"/);
  });
});
