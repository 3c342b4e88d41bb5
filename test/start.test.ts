// `npm start` as a user runs it: the demo library indexed with a model, then served; a second start re-indexes
// nothing. A small random model stands in for aurola-mini (AUROLA_MODEL), so this checks the wiring, not quality.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { randomModel, writeModelDirectory } from '@aurola/backbone';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'aurola-start-'));
const env = { ...process.env, AUROLA_INDEX: join(work, 'index'), AUROLA_MODEL: join(work, 'model') };
const libraryFiles = readdirSync(join(root, 'demo', 'library')).filter((f) => f.endsWith('.flac')).length;

beforeAll(async () => {
  await writeModelDirectory(env.AUROLA_MODEL, randomModel({ seed: 5, words: ['drum', 'kick', 'bass', 'loop'] }));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts `node scripts/start.mjs --port 0` and resolves with the page's address and everything it wrote. */
function start(): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((done, fail) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /open (http:\/\/\S+) in a browser/.exec(err);
      if (m) done({ child, address: m[1]!, output: () => out + err });
    });
    child.on('exit', (code) => fail(new Error(`start ended (${code}) before serving:\n${err}`)));
  });
}

const stop = (child: ChildProcess) => new Promise<number | null>((done) => (child.on('exit', (code) => done(code)), child.kill('SIGTERM')));

describe('npm start', () => {
  it('indexes the demo library, serves it, and on the next start re-indexes nothing', async () => {
    const first = await start();
    try {
      expect((await fetch(`${first.address}/healthz`)).status).toBe(200);
      const res = await fetch(`${first.address}/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'a kick drum', k: 5 }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { id: string; clip: { license: string; audioUrl: string } }[] };
      expect(body.results).toHaveLength(5);
      expect(body.results.every((h) => h.clip.license === 'CC0-1.0' && h.id.endsWith('.flac'))).toBe(true);
      const audio = await fetch(new URL(body.results[0]!.clip.audioUrl, first.address));
      expect(audio.status).toBe(200);
      expect(new Uint8Array(await audio.arrayBuffer()).subarray(0, 4)).toEqual(new TextEncoder().encode('fLaC'));
      expect(first.output()).toContain(`${libraryFiles} clips — open`);
    } finally {
      expect(await stop(first.child)).toBe(0);
    }
    const second = await start();
    try {
      expect(second.output()).toMatch(new RegExp(`${libraryFiles} files: 0 added, 0 updated, ${libraryFiles} already indexed`));
    } finally {
      await stop(second.child);
    }
  });

  it('says what to do when there is no model', async () => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], { cwd: root, env: { ...env, AUROLA_MODEL: join(work, 'none') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((done) => child.on('exit', done));
    expect(code).toBe(1);
    expect(err).toMatch(/no model at .*none.*Training a model/);
  });
});
