// Crash safety: a child process adds batches in a loop and is killed with SIGKILL at random moments, round after
// round. After every kill the index opens and holds exactly the clips whose add() returned, plus the batch in
// flight either whole or not at all; the stored vectors and records are the ones added.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';

import { ClipIndex } from '../src/index.js';
import { makeClips, rounded, tempDir } from './helpers.js';

const root = tempDir('aurola-crash-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CHILD = fileURLToPath(new URL('./fixtures/add-loop.ts', import.meta.url));
const ROUNDS = 8;
const BATCH = 150;

interface Round {
  done: string[][];
  /** The batch begun but not reported done when the child died. */
  inFlight: string[] | null;
  ready: boolean;
}

/** Runs the child until `killAfterMs` after it is ready (or after it starts, when `killBeforeReady`), then SIGKILLs it. */
function runAndKill(dir: string, round: number, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=aurola-source', '--import', 'tsx', CHILD, dir, String(round), String(BATCH)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const state: Round = { done: [], inFlight: null, ready: false };
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'READY') {
          state.ready = true;
          setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        } else if (line.startsWith('BEGIN ')) {
          state.inFlight = JSON.parse(line.slice(6)) as string[];
        } else if (line.startsWith('DONE ')) {
          state.done.push(JSON.parse(line.slice(5)) as string[]);
          state.inFlight = null;
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(state);
      else reject(new Error(`child exited by itself (code ${code}): ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  it(`SIGKILL during adds, ${ROUNDS} rounds: the index holds exactly the completed adds (the batch in flight whole or not at all)`, async () => {
    const dir = join(root, 'index');
    const rng = makeRng('crash-test');
    const expected = new Set<string>();
    let inFlightKept = 0;
    let inFlightLost = 0;
    let totalDone = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const r = await runAndKill(dir, round, 50 + Math.floor(rng() * 900));
      expect(r.ready).toBe(true);
      for (const batch of r.done) for (const id of batch) expected.add(id);
      totalDone += r.done.length;

      const index = ClipIndex.open(dir);
      try {
        const present = new Set(index.ids());
        if (r.inFlight) {
          const kept = r.inFlight.filter((id) => present.has(id)).length;
          expect([0, r.inFlight.length]).toContain(kept); // all or nothing
          if (kept > 0) {
            inFlightKept++;
            for (const id of r.inFlight) expected.add(id);
          } else {
            inFlightLost++;
          }
        }
        expect(present).toEqual(expected);
        expect(index.size).toBe(expected.size);
        // Spot-check the stored content of this round's last completed batch against what was added.
        const last = r.done.at(-1);
        if (last) {
          const prefix = last[0]!.replace(/\d+$/, '');
          const clips = makeClips(prefix, BATCH, 64, prefix);
          for (const c of [clips[0]!, clips[BATCH - 1]!]) {
            expect(index.get(c.id)).toEqual({ id: c.id, ...c.meta });
            expect(index.vector(c.id)).toEqual(rounded(c.vector, 'f16'));
          }
        }
        const hits = await index.searchCaptions({ data: makeClips('q', 1, 64)[0]!.vector, rows: 1 }, { k: 5 });
        expect(hits[0]!.length).toBe(Math.min(5, index.stats().captions));
      } finally {
        index.close();
      }
    }
    // The rounds did real work, and the kills landed at different moments.
    expect(totalDone).toBeGreaterThan(ROUNDS);
    console.log(`crash test: ${totalDone} batches completed over ${ROUNDS} kills; batch in flight kept ${inFlightKept}×, lost ${inFlightLost}×`);
  });
});
