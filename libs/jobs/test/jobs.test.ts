// The worker pool on a real worker thread (TypeScript, loaded the way the apps load their workers) and the
// progress line.
import { describe, expect, it } from 'vitest';

import { WorkerPool } from '../src/pool.js';
import { formatDuration, Progress } from '../src/progress.js';

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

  it('counts several items at once and shows a note at the end of the line', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const progress = new Progress('  retrieval', 3 * 64, { stream, unit: 'pairs', logEveryS: 3600 });
    progress.setNote('step 1/3, loss 4.1589');
    progress.tick(true, 64);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ {2}retrieval \[#{8}-{16}\] 64\/192 \(33%\) [\d.]+ pairs\/s, .*ETA .*, step 1\/3, loss 4\.1589\n$/);
    progress.setNote('step 3/3, loss 2.0000');
    progress.tick(true, 128);
    expect(lines.at(-1)).toMatch(/192\/192 \(100%\).*ETA 0s, step 3\/3, loss 2\.0000\n$/);
  });
});
