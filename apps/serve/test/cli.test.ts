// The command line: usage and refusals, then a real start on a free port over an index on disk, a query, and a
// clean exit on SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { OnnxMllmBackbone, randomModel, writeModelDirectory } from '@aurola/backbone';
import { ClipIndex } from '@aurola/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const NODE_ARGS = ['--conditions=aurola-source', '--import', 'tsx', CLI];

let root: string;
let modelDir: string;
let indexDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'aurola-serve-cli-'));
  modelDir = join(root, 'model');
  indexDir = join(root, 'index');
  await writeModelDirectory(modelDir, randomModel({ seed: 9, words: ['rain', 'dog'], name: 'cli-test-model' }));
  const backbone = await OnnxMllmBackbone.load(modelDir, { threads: 1 });
  const vectors = await backbone.embedText(['rain falls', 'a dog barks']);
  await backbone.close();
  const index = ClipIndex.create(indexDir, { dim: vectors.cols, model: backbone.id });
  index.add(
    ['rain', 'dog'].map((id, i) => ({
      id,
      vector: (vectors.data as Float32Array).slice(i * vectors.cols, (i + 1) * vectors.cols),
      meta: { path: join(root, `${id}.wav`), durationS: 1, source: 'test', license: 'CC0-1.0', captions: [], tags: [id], contentHash: id },
    })),
  );
  index.close();
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function run(args: string[]) {
  return spawnSync(process.execPath, [...NODE_ARGS, ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('aurola-serve', () => {
  it('--help prints the usage; a missing --index or model is refused with a message', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: aurola-serve --index DIR/);
    expect(help.stdout).toMatch(/AUROLA_API_KEY/);
    const noIndex = run([]);
    expect(noIndex.status).toBe(2);
    expect(noIndex.stderr).toMatch(/--index is required/);
    const noModel = run(['--index', indexDir, '--model', join(root, 'nowhere')]);
    expect(noModel.status).toBe(1);
    expect(noModel.stderr).toMatch(/model directory .*nowhere does not exist/);
    const badPort = run(['--index', indexDir, '--model', modelDir, '--port', 'http']);
    expect(badPort.status).toBe(1);
    expect(badPort.stderr).toMatch(/--port must be an integer/);
    const badWorkers = run(['--index', indexDir, '--model', modelDir, '--model-workers', '0']);
    expect(badWorkers.status).toBe(1);
    expect(badWorkers.stderr).toMatch(/--model-workers must be a positive integer, got "0"/);
  });

  it('refuses an index filled by another model of the same name (a retrained one)', async () => {
    const retrained = join(root, 'retrained');
    await writeModelDirectory(retrained, randomModel({ seed: 10, words: ['rain', 'dog'], name: 'cli-test-model' }));
    const r = run(['--index', indexDir, '--model', retrained, '--port', '0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/embeddings of model "cli-test-model@[0-9a-f]{16}", but .* is "cli-test-model@[0-9a-f]{16}" .*serve it with the model that built it, or re-index/);
  });

  it('serves an index on a free port, answers a query, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [...NODE_ARGS, '--index', indexDir, '--model', modelDir, '--port', '0', '--threads', '1', '--model-workers', '2'], {
      env: { ...process.env, AUROLA_API_KEY: 'cli-test-key-123' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (typeof entry.msg === 'string' && entry.msg.startsWith('aurola serving')) resolve(entry);
        });
        void exited.then((code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
      });
      expect(ready).toMatchObject({ clips: 2, model: 'cli-test-model', modelWorkers: 2, admin: 'enabled' });
      const base = ready.address as string;
      expect((await (await fetch(`${base}/healthz`)).json()) as object).toMatchObject({ status: 'ok', clips: 2 });
      const res = await fetch(`${base}/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'rain falls', k: 1 }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { results: { id: string }[] }).results[0]!.id).toBe('rain');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
