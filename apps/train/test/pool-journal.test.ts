// The worker pool on a real worker thread (TypeScript, loaded the way the app loads its workers), and the journal
// that makes builds resumable, including a torn last line.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { Journal } from '../src/data/journal.js';
import { WorkerPool } from '../src/pool.js';
import { formatDuration, Progress } from '../src/progress.js';

const dir = mkdtempSync(join(tmpdir(), 'aurola-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WorkerPool', () => {
  it('runs jobs on threads, passes errors through by name, and survives a thread that dies', async () => {
    const pool = new WorkerPool<number, number>(new URL('./fixtures/square-worker.ts', import.meta.url), 2);
    try {
      const inputs = Array.from({ length: 40 }, () => Math.floor(Math.random() * 1000));
      expect(await Promise.all(inputs.map((x) => pool.run(x)))).toEqual(inputs.map((x) => x * x));
      await expect(pool.run(-2)).rejects.toMatchObject({ name: 'RangeError', message: 'negative: -2' });
      await expect(pool.run(Number.NaN)).rejects.toMatchObject({ name: 'WorkerExit' });
      // The dead thread was replaced: the pool still has its full size of working threads.
      expect(await Promise.all([5, 6, 7, 8].map((x) => pool.run(x)))).toEqual([25, 36, 49, 64]);
    } finally {
      await pool.close();
    }
    await expect(pool.run(1)).rejects.toThrow(/closed/);
  });
});

describe('Journal', () => {
  it('keeps what was added across reopening and ignores a torn last line', async () => {
    const path = join(dir, 'j', 'base.jsonl');
    const journal = await Journal.open<{ id: string; n: number }>(path);
    const n = 3 + Math.floor(Math.random() * 10);
    for (let i = 0; i < n; i++) await journal.add({ id: `c${i}`, n: i * i });
    await journal.add({ id: 'c0', n: -1 }); // a later entry for the same id wins
    appendFileSync(path, '{"id":"torn","n":'); // killed mid-write
    const reopened = await Journal.open<{ id: string; n: number }>(path);
    expect(reopened.entries.size).toBe(n);
    expect(reopened.entries.get('c0')!.n).toBe(-1);
    expect(reopened.entries.get(`c${n - 1}`)!.n).toBe((n - 1) ** 2);
    await reopened.add({ id: 'after', n: 1 });
    expect((await Journal.open<{ id: string; n: number }>(path)).entries.get('after')).toEqual({ id: 'after', n: 1 });
    expect(readFileSync(path, 'utf8')).toContain('{"id":"torn","n":\n');
  });
});

describe('Progress', () => {
  it('formats durations and a line with counts, failures and ETA', () => {
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const progress = new Progress('clips', 4, { stream, unit: 'clips', logEveryS: 3600 });
    progress.tick();
    progress.tick(false);
    expect(progress.line()).toMatch(/^clips \[#{12}-{12}\] 2\/4 \(50%, 1 failed\)/);
    progress.tick();
    progress.tick();
    expect(lines.at(-1)).toMatch(/4\/4 \(100%, 1 failed\).*ETA 0s\n$/);
  });
});
