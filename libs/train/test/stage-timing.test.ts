// A stage's wall time read back from its log.jsonl, across a resume, as `aurola-train train` reports it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { stageTiming } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'aurola-timing-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const logOf = (name: string, entries: object[]): string => {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'log.jsonl'), entries.map((e) => `${JSON.stringify({ stage: 'retrieval', ...e })}\n`).join(''));
  return dir;
};

describe('stageTiming', () => {
  it('takes the last step time of an uninterrupted stage, validation lines aside', async () => {
    const dir = logOf('plain', [
      { step: 0, validation: { 'T2A R@1': 0 } },
      { step: 1, loss: 3, seconds: 2.5 },
      { step: 2, loss: 2, seconds: 5 },
      { step: 2, validation: { 'T2A R@1': 0.1 } },
      { step: 3, loss: 1, seconds: 9 },
    ]);
    const t = await stageTiming(dir, 8);
    expect(t).toEqual({ steps: 3, pairs: 24, seconds: 9, pairsPerS: 24 / 9 });
  });

  it('adds the sessions of a resumed stage, counting a redone step once', async () => {
    // Killed after step 3 (checkpoint at 2): steps 3 and 4 run in a second session that starts its clock again.
    const dir = logOf('resumed', [
      { step: 1, loss: 3, seconds: 4 },
      { step: 2, loss: 2, seconds: 8 },
      { step: 3, loss: 1, seconds: 12 },
      { step: 3, loss: 1, seconds: 5 },
      { step: 4, loss: 1, seconds: 9 },
    ]);
    const t = await stageTiming(dir, 10);
    expect(t.steps).toBe(4);
    expect(t.seconds).toBe(21);
    expect(t.pairsPerS).toBeCloseTo(40 / 21, 12);
  });

  it('fails on a stage without a log', async () => {
    await expect(stageTiming(join(work, 'missing'), 8)).rejects.toThrow(/log\.jsonl/);
  });
});
