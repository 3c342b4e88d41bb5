// `data build` end to end on a small folder of sounds the test synthesises: the manifest, the audio, the splits
// and the report; a rerun that does nothing; and a build killed mid-way (kill -9) that resumes to the very same
// manifest as an uninterrupted build.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeFile, encodeWav } from '@aurola/audio';
import { checkSplitInvariant, readManifest, SPLITS, type ClipRecord } from '@aurola/data';

import { runDataBuild, type DataBuildOptions } from '../src/data/build.js';

const SR = 16000;
const CATEGORIES = ['dog', 'bell', 'rain', 'drum', 'whistle', 'engine', 'bird', 'piano', 'siren', 'clap'];
const root = mkdtempSync(join(tmpdir(), 'aurola-build-'));
const library = join(root, 'library');
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** A few seconds of something: tones, noise bursts or clicks, different per file. */
function sound(kind: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  const f = 150 + Math.random() * 2000;
  for (let i = 0; i < x.length; i++) {
    const t = i / SR;
    if (kind % 3 === 0) x[i] = 0.4 * Math.sin(2 * Math.PI * f * t) * Math.exp(-t);
    else if (kind % 3 === 1) x[i] = (Math.random() - 0.5) * 0.5 * (Math.sin(2 * Math.PI * 2 * t) > 0 ? 1 : 0.05);
    else x[i] = (i % Math.round(SR / 3) < 40 ? 0.8 : 0) + 0.01 * (Math.random() - 0.5);
  }
  return x;
}

beforeAll(() => {
  CATEGORIES.forEach((category, c) => {
    mkdirSync(join(library, category), { recursive: true });
    for (let i = 0; i < 6; i++) {
      writeFileSync(join(library, category, `${category}_${i + 1}.wav`), encodeWav([sound(c, 0.5 + Math.random() * 2)], SR));
    }
  });
  writeFileSync(join(library, 'dog', 'dog_1.txt'), 'a dog barks twice in a yard\na dog barking\n');
  writeFileSync(join(library, 'broken.wav'), 'RIFF\x10\x00\x00\x00WAVEfmt nope');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const options = (outDir: string): DataBuildOptions => ({
  outDir,
  sources: [],
  folders: [{ path: library, license: 'CC0-1.0' }],
  workers: 2,
  seed: 7,
  targets: { train: 80, validation: 20, test: 24 },
  heldOutShare: 0.1,
  tagClusters: 8,
  log: () => {},
});

const cliArgs = (outDir: string) => [
  '--conditions=aurola-source', '--import', 'tsx', cli, 'data', 'build', '--out', outDir, '--sources', 'none',
  '--folder', library, '--folder-license', 'CC0-1.0', '--workers', '2', '--seed', '7', '--train', '80',
  '--validation', '20', '--test', '24', '--held-out', '0.1', '--tag-clusters', '8',
];

let clean: { out: string; records: ClipRecord[] };

describe('data build', () => {
  it('builds a complete corpus: targets met, captions at three granularities, splits by recording', async () => {
    const out = join(root, 'clean');
    const summary = await runDataBuild(options(out));
    const records = await readManifest(summary.manifest);
    clean = { out, records };
    expect(summary.failed.map((f) => f.id)).toEqual(['library/broken.wav']);
    expect(summary.failed[0]!.error).toMatch(/AudioDecodeError/);
    expect(records.filter((r) => r.source !== 'mixture').length).toBe(60);
    for (const split of SPLITS) {
      expect(records.filter((r) => r.split === split).length).toBe(options(out).targets![split]);
      expect(summary.counts[split].base + summary.counts[split].mixtures).toBe(options(out).targets![split]);
    }
    for (const r of records) {
      expect(r.captionLong.trim().length).toBeGreaterThan(0);
      expect(r.captionShort.trim().length).toBeGreaterThan(0);
      expect(r.tags.length).toBeGreaterThan(0);
    }
    expect(checkSplitInvariant(records)).toEqual([]);
    // Held-out categories appear in test only; every mixture's parts share its split.
    expect(summary.heldOutCategories.length).toBeGreaterThan(0);
    for (const r of records) if (r.source !== 'mixture' && summary.heldOutCategories.includes(r.tags[0]!)) expect(r.split).toBe('test');
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const mix of records.filter((r) => r.source === 'mixture')) {
      for (const rec of mix.recordings!) expect(byId.get(rec)?.split ?? mix.split).toBe(mix.split);
    }
    // Sidecar captions were used; tag clusters assigned.
    expect(byId.get('library/dog/dog_1.wav')!.captionLong.toLowerCase()).toContain('a dog barks twice in a yard');
    expect(records.filter((r) => r.tagClusters.length > 0).length).toBe(records.length);
    // Audio: 16 kHz mono, as long as the record says.
    for (const r of records.filter((_, i) => i % 9 === 0)) {
      const audio = await decodeFile(join(out, r.audio));
      expect(audio.sampleRate).toBe(SR);
      expect(audio.channels.length).toBe(1);
      expect(audio.durationS).toBeCloseTo(r.durationS, 2);
    }
    const report = readFileSync(summary.report, 'utf8');
    expect(report).toContain('<svg');
    expect(report).toContain(`folder:${library}`);
    expect(JSON.parse(readFileSync(join(out, 'build.json'), 'utf8')).counts).toEqual(summary.counts);
  });

  it('a rerun finds everything done and writes no audio', async () => {
    const first = join(clean.out, clean.records[0]!.audio);
    const mtime = statSync(first).mtimeMs;
    const summary = await runDataBuild(options(clean.out));
    expect(statSync(first).mtimeMs).toBe(mtime);
    expect(await readManifest(summary.manifest)).toEqual(clean.records);
  });

  it('resumes after kill -9 to the same manifest as an uninterrupted build', async () => {
    const out = join(root, 'killed');
    const journal = join(out, '.build', 'base.jsonl');
    const child = spawn(process.execPath, cliArgs(out), { stdio: 'ignore' });
    const exited = new Promise((done) => child.on('exit', done));
    // Kill once some, but not all, base clips are journaled.
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()).length >= 10) break;
    }
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(out, 'manifest.jsonl'))).toBe(false);
    const journaled = readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()).length;
    expect(journaled).toBeGreaterThanOrEqual(10);
    expect(journaled).toBeLessThan(61);

    const rerun = spawn(process.execPath, cliArgs(out), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    rerun.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise((done) => rerun.on('exit', done));
    expect(code).toBe(0);
    expect(stdout).toMatch(/train: 80 clips/);
    expect(await readManifest(join(out, 'manifest.jsonl'))).toEqual(clean.records);
  });

  it('the CLI rejects bad options with a message and exit code', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const p = spawn(process.execPath, ['--conditions=aurola-source', '--import', 'tsx', cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr.on('data', (d) => (stderr += d));
        p.on('exit', (code) => done({ code, stderr }));
      });
    expect(await run(['data', 'build', '--out', join(root, 'bad'), '--sources', 'nope'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown sources: nope'),
    });
    expect(await run(['data', 'build', '--out', join(root, 'bad'), '--train=-3'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--train'),
    });
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});
