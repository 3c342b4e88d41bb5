// Rounds: one round runs at a time, and everything pushed meanwhile goes together as the next one.
import { describe, expect, it } from 'vitest';

import { Rounds } from '../src/rounds.js';

const rethrow = (error: unknown) => {
  throw error;
};

/** A round's work that finishes only when the test says so. */
function gatedWork() {
  const rounds: number[][] = [];
  const gates: (() => void)[] = [];
  const work = (round: number[]) => {
    rounds.push(round);
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  const open = async (i: number) => {
    gates[i]!();
    await new Promise((r) => setImmediate(r));
  };
  return { rounds, work, open };
}

describe('Rounds', () => {
  it('starts a round at once when none runs, and holds what comes meanwhile for one next round', async () => {
    const { rounds, work, open } = gatedWork();
    const queue = new Rounds<number>(work, rethrow);
    queue.push([1, 2]);
    expect(rounds).toEqual([[1, 2]]);
    queue.push([3]);
    queue.push([4, 5]);
    expect(rounds).toHaveLength(1);
    expect(queue.count).toBe(1);
    await open(0);
    expect(rounds).toEqual([[1, 2], [3, 4, 5]]);
    await open(1);
    expect(rounds).toHaveLength(2); // nothing waiting: no empty round
    queue.push([6]);
    expect(rounds).toEqual([[1, 2], [3, 4, 5], [6]]);
    expect(queue.count).toBe(3);
  });

  it('hands a failed round to its handler and goes on with the next', async () => {
    const rounds: number[][] = [];
    const failures: [string, number[]][] = [];
    const queue = new Rounds<number>(
      async (round) => {
        rounds.push(round);
        await new Promise((r) => setImmediate(r));
        if (round.includes(1)) throw new Error('kernel failed');
      },
      (error, round) => failures.push([(error as Error).message, round]),
    );
    queue.push([1]);
    queue.push([2, 3]);
    await new Promise((r) => setTimeout(r, 20));
    expect(rounds).toEqual([[1], [2, 3]]);
    expect(failures).toEqual([['kernel failed', [1]]]);
  });

  it('ignores an empty push', () => {
    const { rounds, work } = gatedWork();
    const queue = new Rounds<number>(work, rethrow);
    queue.push([]);
    expect(rounds).toEqual([]);
    expect(queue.count).toBe(0);
  });
});
