// Random choices for a data build, on the shared seeded generator of @aurola/args (the same stream for the same
// seed on every machine).

import type { Rng } from '@aurola/args';

export { makeRng, type Rng } from '@aurola/args';

/** One element, uniformly. */
export const pick = <T>(rng: Rng, items: readonly T[]): T => {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(rng() * items.length)]!;
};

/** True with probability p. */
export const chance = (rng: Rng, p: number): boolean => rng() < p;

/** A shuffled copy (Fisher–Yates). */
export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
