// Interrupting `aurola-index add` (SIGKILL, then Ctrl-C) leaves an index that opens and holds whole clips only;
// running the command again resumes and ends with the same index an uninterrupted run makes.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeWav } from '@aurola/audio';
import { randomModel, writeModelDirectory } from '@aurola/backbone';
import { ClipIndex } from '@aurola/index';

const root = mkdtempSync(join(tmpdir(), 'aurola-index-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const modelDir = join(root, 'model');
const library = join(root, 'library');
const N = 48;
const RATE = 16000;

beforeAll(async () => {
  await writeModelDirectory(modelDir, randomModel({ seed: 3, words: ['tone', 'low', 'high'] }));
  for (let i = 0; i < N; i++) {
    const dir = join(library, i % 2 ? 'low' : 'high');
    mkdirSync(dir, { recursive: true });
    const hz = 80 + 37 * i;
    const x = new Float32Array(RATE * 2).map((_, j) => 0.3 * Math.sin((2 * Math.PI * hz * j) / RATE) * (1 - j / (RATE * 2)));
    writeFileSync(join(dir, `tone_${i}.wav`), encodeWav([x], RATE));
  }
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI; `interrupt` sends a signal as soon as a progress line reports `atClip` clips done, so that the
 * signal lands mid-run however fast the machine is (the runs pass --progress-every 0: a line per clip).
 */
function cli(args: string[], interrupt?: { signal: NodeJS.Signals; atClip: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=aurola-source', '--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sent = false;
    child.stderr.on('data', () => {
      if (!interrupt || sent) return;
      const counts = [...stderr.matchAll(/indexing \[[#-]+\] (\d+)\//g)];
      if (counts.length > 0 && Number(counts[counts.length - 1]![1]) >= interrupt.atClip) {
        sent = true;
        child.kill(interrupt.signal);
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function snapshot(dir: string) {
  const index = ClipIndex.open(dir);
  try {
    return new Map(index.ids().map((id) => [id, { record: index.get(id)!, vector: index.vector(id)! }]));
  } finally {
    index.close();
  }
}

describe('interrupting aurola-index add', () => {
  it('after SIGKILL and Ctrl-C the index holds whole clips only, and a re-run completes it like an uninterrupted run', async () => {
    const dir = join(root, 'interrupted');
    const args = ['add', library, '--index', dir, '--model', modelDir, '--batch', '3', '--threads', '2', '--progress-every', '0'];
    const randomInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

    // Killed while at most half the clips are done, so there are batches left to be in the middle of.
    const killed = await cli(args, { signal: 'SIGKILL', atClip: randomInt(1, N / 2) });
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = snapshot(dir);
    expect(afterKill.size).toBeLessThan(N);

    const stopped = await cli(args, { signal: 'SIGINT', atClip: Math.min(afterKill.size + randomInt(1, 9), N - 6) });
    // Ctrl-C: the batch being written is finished, the summary says so, the exit code is 130 (0 if it got done first).
    if (stopped.code === 130) expect(stopped.stdout).toMatch(/^interrupted: /);
    else expect(stopped.code).toBe(0);
    const afterStop = snapshot(dir);
    for (const id of afterKill.keys()) expect(afterStop.has(id)).toBe(true);
    expect(stopped.stdout).toMatch(new RegExp(`${N} files: ${afterStop.size - afterKill.size} added, 0 updated, ${afterKill.size} already indexed`));

    const finished = await cli(args);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(new RegExp(`${N} files: ${N - afterStop.size} added, 0 updated, ${afterStop.size} already indexed, 0 duplicates, 0 unreadable`));

    const clean = join(root, 'clean');
    const once = await cli(['add', library, '--index', clean, '--model', modelDir, '--batch', '8', '--threads', '1']);
    expect(once.code).toBe(0);
    const resumed = snapshot(dir);
    const reference = snapshot(clean);
    expect([...resumed.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(resumed.size).toBe(N);
    for (const [id, ref] of reference) {
      const got = resumed.get(id)!;
      expect(got.record).toEqual(ref.record);
      for (let j = 0; j < ref.vector.length; j++) expect(Math.abs(got.vector[j]! - ref.vector[j]!)).toBeLessThan(2e-3);
    }
    console.log(`resume test: ${afterKill.size} clips after SIGKILL, ${afterStop.size} after Ctrl-C (exit ${stopped.code}), ${N} at the end`);
  });
});
