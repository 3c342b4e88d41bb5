// Manifest reading (validated, line-numbered errors) and atomic writing (a killed writer never leaves half a file).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { ManifestError, readManifest, writeManifest, type ClipRecord } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'aurola-manifest-'));
const here = fileURLToPath(new URL('.', import.meta.url));
const words = ['dog', 'bark', 'rain', 'car', 'door', 'bell', 'piano', 'kick'];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

function randomRecord(i: number): ClipRecord {
  const tags = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => pick(words));
  return {
    id: `clip-${i}-${Math.random().toString(36).slice(2, 8)}`,
    audio: `audio/${i}.flac`,
    durationS: 0.1 + Math.random() * 30,
    source: pick(['sonic-pi-samples', 'lmms-common', 'folder:/sfx']),
    license: pick(['CC0-1.0', 'GPL-2.0-or-later', 'CC-BY-SA-3.0']),
    captionLong: `A ${tags.join(' and ')} recording with "quotes", unicode ✓ and a\\backslash.`,
    captionShort: `${pick(words)} sound`,
    tags,
    tagClusters: tags.map(() => Math.floor(Math.random() * 50)),
    split: pick(['train', 'validation', 'test'] as const),
    ...(Math.random() < 0.5 ? { recordings: [`rec-${i}`, `rec-${i + 1}`] } : {}),
  };
}

describe('manifest round trip', () => {
  it('writes and reads back the same records', async () => {
    const recs = Array.from({ length: 1 + Math.floor(Math.random() * 300) }, (_, i) => randomRecord(i));
    const file = join(dir, 'roundtrip.jsonl');
    await writeManifest(file, recs);
    expect(await readManifest(file)).toEqual(recs);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(recs.length);
  });

  it('skips blank lines and accepts CRLF line ends', async () => {
    const recs = [randomRecord(1), randomRecord(2)];
    const file = join(dir, 'blank.jsonl');
    writeFileSync(file, `\r\n${JSON.stringify(recs[0])}\r\n\r\n${JSON.stringify(recs[1])}\r\n`);
    expect(await readManifest(file)).toEqual(recs);
  });
});

describe('manifest validation names the line and the problem', () => {
  const bad: [string, (r: Record<string, unknown>) => void, RegExp][] = [
    ['missing id', (r) => delete r.id, /missing field "id"/],
    ['empty caption', (r) => (r.captionShort = '  '), /field "captionShort" must be a non-empty string/],
    ['negative duration', (r) => (r.durationS = -1), /field "durationS" must be a positive number/],
    ['NaN duration as string', (r) => (r.durationS = 'NaN'), /field "durationS"/],
    ['tags not strings', (r) => (r.tags = ['ok', 3]), /field "tags" must be an array of non-empty strings/],
    ['fractional cluster', (r) => (r.tagClusters = [1.5]), /field "tagClusters" must be an array of non-negative integers/],
    ['unknown split', (r) => (r.split = 'dev'), /field "split" must be one of train, validation, test/],
    ['unknown field', (r) => (r.extra = 1), /unknown field "extra"/],
    ['recordings not a list', (r) => (r.recordings = 'rec-1'), /field "recordings"/],
  ];
  for (const [name, spoil, msg] of bad) {
    it(name, async () => {
      const recs = Array.from({ length: 5 + Math.floor(Math.random() * 20) }, (_, i) => randomRecord(i));
      const at = Math.floor(Math.random() * recs.length);
      const spoiled = { ...recs[at]! } as Record<string, unknown>;
      spoil(spoiled);
      const file = join(dir, `bad-${name.replace(/\W/g, '-')}.jsonl`);
      writeFileSync(file, recs.map((r, i) => JSON.stringify(i === at ? spoiled : r)).join('\n') + '\n');
      const err = await readManifest(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ManifestError);
      expect((err as ManifestError).line).toBe(at + 1);
      expect((err as ManifestError).message).toContain(`${file}:${at + 1}:`);
      expect((err as ManifestError).message).toMatch(msg);
      // The writer refuses the same record, before touching the file.
      await expect(writeManifest(join(dir, 'never.jsonl'), recs.map((r, i) => (i === at ? (spoiled as never) : r)))).rejects.toThrow(msg);
      expect(() => readFileSync(join(dir, 'never.jsonl'))).toThrow();
    });
  }

  it('invalid JSON and duplicate ids', async () => {
    const file = join(dir, 'json.jsonl');
    writeFileSync(file, `${JSON.stringify(randomRecord(1))}\n{"id": "x",\n`);
    await expect(readManifest(file)).rejects.toThrow(/:2: not valid JSON/);
    const r = randomRecord(3);
    writeFileSync(file, `${JSON.stringify(r)}\n${JSON.stringify(randomRecord(4))}\n${JSON.stringify(r)}\n`);
    await expect(readManifest(file)).rejects.toThrow(new RegExp(`:3: duplicate id "${r.id}"`));
  });

  it('a missing file is an ordinary ENOENT error', async () => {
    await expect(readManifest(join(dir, 'nope.jsonl'))).rejects.toThrow(/ENOENT/);
  });
});

describe('atomic write', () => {
  it('a writer killed at random moments always leaves one whole manifest', async () => {
    const file = join(dir, 'atomic.jsonl');
    const source = fileURLToPath(new URL('../src/manifest.ts', import.meta.url));
    // The child rewrites the manifest over and over, each version's ids tagged with its number, until killed.
    const child = `
      import { writeManifest } from ${JSON.stringify(source)};
      const version = (v) => Array.from({ length: 20000 }, (_, i) => ({ id: 'v' + v + '-' + i, audio: 'a.wav',
        durationS: 1, source: 's', license: 'CC0-1.0', captionLong: 'x'.repeat(200), captionShort: 'y',
        tags: ['t'], tagClusters: [0], split: 'train' }));
      await writeManifest(${JSON.stringify(file)}, version(0));
      process.stdout.write('ready\\n');
      for (let v = 1; ; v++) await writeManifest(${JSON.stringify(file)}, version(v));
    `;
    const script = join(dir, 'writer.mts');
    writeFileSync(script, child);
    for (let round = 0; round < 4; round++) {
      // One process (node with tsx's loader), so that SIGKILL stops the writer itself, not just a wrapper.
      const proc = spawn(process.execPath, ['--import', 'tsx', script], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, Math.random() * 600));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      const recs = await readManifest(file);
      expect(recs).toHaveLength(20000);
      const v = recs[0]!.id.split('-')[0];
      expect(recs.every((r) => r.id.startsWith(`${v}-`))).toBe(true);
    }
  });
});
