// A small seeded random number generator, so that anything drawn by chance (captions, mixtures, random weights)
// comes out the same for the same seed on every machine: mulberry32 over a 32-bit hash of the seed.

/** Uniform numbers in [0, 1). */
export type Rng = () => number;

/** A generator seeded by a number or a string (a clip id, say); `1` and `'1'` give the same stream. */
export function makeRng(seed: number | string): Rng {
  let state = hash(String(seed));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units, then a final avalanche (murmur3's fmix32) so that near seeds diverge. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
