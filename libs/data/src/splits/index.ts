// Splits by source recording (DESIGN.md §3): no recording, and no clip cut or mixed from it, appears in two splits.
// Clips that share a recording are linked; each connected component of that graph goes to one split whole. Whole
// held-out categories go to test, so that test measures zero-shot generalisation to sounds training never saw; the
// other components are dealt out to reach the requested fractions of clips within each stratum (by default each
// source), so that every split sees every source: dealing big components corpus-wide would hand one source's
// large recordings (all notes of an instrument) to train alone.
//
// A clip's recordings are `recordings ?? [id]`: a clip without `recordings` is its own recording, named by its id.
// A mixture lists the recordings of all its parts (each part's `recordings ?? [id]`).
import { makeRng, shuffle } from '../annotate/rng.js';
import { SPLITS, type ClipRecord, type Split } from '../manifest.js';

export interface SplitOptions {
  seed: number | string;
  /** Fractions of all clips per split; non-negative, summing to 1. */
  fractions: Record<Split, number>;
  /** Categories held out for test: these names, or this many drawn at random. None by default. */
  heldOutCategories?: readonly string[] | number;
  /** A clip's category; default its first (most specific) tag, else its source. */
  categoryOf?: (record: ClipRecord) => string;
  /** Strata whose clips are split to the fractions separately; default the clip's source. */
  stratumOf?: (record: ClipRecord) => string;
}

export interface SplitSummary {
  /** The held-out categories, sorted. */
  heldOut: string[];
  /** Clips per split. */
  counts: Record<Split, number>;
  /** Connected components (units of assignment) and the clip count of the largest. */
  components: number;
  largestComponent: number;
}

export interface SplitViolation {
  recording: string;
  /** The splits it appears in (two or more). */
  splits: Split[];
  /** The clips that use it. */
  clips: string[];
}

const defaultCategory = (r: ClipRecord): string => r.tags[0] ?? r.source;
const recordingsOf = (r: ClipRecord): readonly string[] => r.recordings ?? [r.id];

/** Sets every record's `split` (in place). Deterministic for a seed and a record order. */
export function assignSplits(records: ClipRecord[], options: SplitOptions): SplitSummary {
  const { fractions } = options;
  const total = SPLITS.reduce((s, split) => s + fractions[split], 0);
  if (SPLITS.some((split) => !(fractions[split] >= 0)) || Math.abs(total - 1) > 1e-6) {
    throw new RangeError(`split fractions must be non-negative and sum to 1: ${JSON.stringify(fractions)}`);
  }
  const rng = makeRng(options.seed);
  const categoryOf = options.categoryOf ?? defaultCategory;
  const heldOut = pickHeldOut(records.map(categoryOf), options.heldOutCategories ?? [], rng);
  const components = linkedComponents(records);

  const counts: Record<Split, number> = { train: 0, validation: 0, test: 0 };
  const place = (component: number[], split: Split): void => {
    for (const i of component) records[i]!.split = split;
    counts[split] += component.length;
  };
  // A component's stratum is its first clip's; held-out clips count towards their stratum's test share.
  const stratumOf = options.stratumOf ?? ((r: ClipRecord) => r.source);
  const strata = new Map<string, { size: number; counts: Record<Split, number>; components: number[][] }>();
  for (const component of components) {
    const key = stratumOf(records[component[0]!]!);
    let stratum = strata.get(key);
    if (!stratum) strata.set(key, (stratum = { size: 0, counts: { train: 0, validation: 0, test: 0 }, components: [] }));
    stratum.size += component.length;
    if (component.some((i) => heldOut.has(categoryOf(records[i]!)))) {
      place(component, 'test');
      stratum.counts.test += component.length;
    } else {
      stratum.components.push(component);
    }
  }
  // Within each stratum: largest first (ties in seeded random order), each to the open split furthest below its
  // target.
  const open = SPLITS.filter((split) => fractions[split] > 0);
  for (const key of [...strata.keys()].sort()) {
    const stratum = strata.get(key)!;
    const deficit = (split: Split): number => fractions[split] * stratum.size - stratum.counts[split];
    for (const component of shuffle(rng, stratum.components).sort((a, b) => b.length - a.length)) {
      const split = open.reduce((best, s) => (deficit(s) > deficit(best) ? s : best));
      place(component, split);
      stratum.counts[split] += component.length;
    }
  }
  return {
    heldOut: [...heldOut].sort(),
    counts,
    components: components.length,
    largestComponent: Math.max(0, ...components.map((c) => c.length)),
  };
}

export interface HeldOutDraw {
  seed: number | string;
  /** Stop once the drawn categories hold at least this share of the clips (0–1). */
  share: number;
  /** Skip categories holding more than this share of the clips, so no big class vanishes from training. Default 0.02. */
  maxCategoryShare?: number;
  /** Skip categories with fewer clips than this; a single clip is not a category. Default 2. */
  minCategoryClips?: number;
  categoryOf?: (record: ClipRecord) => string;
}

/**
 * Draws categories to hold out for test (pass them as SplitOptions.heldOutCategories): in seeded random order,
 * categories of a reasonable size, until they hold `share` of the clips. Sorted.
 */
export function drawHeldOutCategories(records: readonly ClipRecord[], draw: HeldOutDraw): string[] {
  if (!(draw.share >= 0 && draw.share <= 1)) throw new RangeError(`share must be in [0, 1], got ${draw.share}`);
  const categoryOf = draw.categoryOf ?? defaultCategory;
  const counts = new Map<string, number>();
  for (const record of records) counts.set(categoryOf(record), (counts.get(categoryOf(record)) ?? 0) + 1);
  const maxClips = (draw.maxCategoryShare ?? 0.02) * records.length;
  const minClips = draw.minCategoryClips ?? 2;
  const picked: string[] = [];
  let held = 0;
  for (const category of shuffle(makeRng(draw.seed), [...counts.keys()].sort())) {
    if (held >= draw.share * records.length) break;
    const n = counts.get(category)!;
    if (n < minClips || n > maxClips) continue;
    picked.push(category);
    held += n;
  }
  return picked.sort();
}

function pickHeldOut(categories: string[], wanted: readonly string[] | number, rng: () => number): Set<string> {
  const known = [...new Set(categories)].sort();
  if (typeof wanted === 'number') {
    if (!Number.isInteger(wanted) || wanted < 0 || wanted > known.length) {
      throw new RangeError(`cannot hold out ${wanted} of ${known.length} categories`);
    }
    return new Set(shuffle(rng, known).slice(0, wanted));
  }
  const missing = wanted.filter((c) => !known.includes(c));
  if (missing.length > 0) throw new RangeError(`held-out categories not in the records: ${missing.join(', ')}`);
  return new Set(wanted);
}

/** Clip indices grouped into components linked by shared recordings (union–find), in order of first clip. */
function linkedComponents(records: readonly ClipRecord[]): number[][] {
  const parent = records.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const firstClip = new Map<string, number>();
  records.forEach((record, i) => {
    for (const recording of recordingsOf(record)) {
      const j = firstClip.get(recording);
      if (j === undefined) firstClip.set(recording, i);
      else parent[root(i)] = root(j);
    }
  });
  const groups = new Map<number, number[]>();
  records.forEach((_, i) => {
    const r = root(i);
    const group = groups.get(r);
    if (group) group.push(i);
    else groups.set(r, [i]);
  });
  return [...groups.values()];
}

/** Every recording used by clips of more than one split, sorted by recording; empty when the splits are sound. */
export function checkSplitInvariant(records: Iterable<ClipRecord>): SplitViolation[] {
  const uses = new Map<string, { splits: Set<Split>; clips: string[] }>();
  for (const record of records) {
    for (const recording of recordingsOf(record)) {
      let use = uses.get(recording);
      if (!use) uses.set(recording, (use = { splits: new Set(), clips: [] }));
      use.splits.add(record.split);
      use.clips.push(record.id);
    }
  }
  return [...uses]
    .filter(([, use]) => use.splits.size > 1)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([recording, use]) => ({
      recording,
      splits: SPLITS.filter((s) => use.splits.has(s)),
      clips: use.clips,
    }));
}
