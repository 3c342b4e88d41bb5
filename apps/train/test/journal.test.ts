// The journal that makes builds resumable, including a torn last line.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { Journal } from '../src/data/journal.js';

const dir = mkdtempSync(join(tmpdir(), 'aurola-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
