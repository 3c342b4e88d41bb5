// Mixture plans (DESIGN.md §3): which base clips are combined, where each starts and at what level. Mixtures scale
// the corpus and make hard negatives — "a dog barks, then a door slams" against "a door slams, then a dog barks".
// They are drawn within one split, after splits were assigned to the base clips, so no recording crosses splits.
//
// Four kinds:
// - sequence: 2 or 3 clips one after another, with gaps of 0.2–1.0 s;
// - overlap: the longer clip A (the background) from 0, the other, B, starting partway through A (10–70 % of A);
// - repeat: one clip 2 or 3 times, with gaps of 0.2–0.8 s;
// - levels: two clips overlapping (the shorter starting within the first half of the longer), one of them 12–24 dB
//   below the other. Its parts are listed loud first, faint second.
// Clips in one mixture differ in their first tag and share no recording. Parts are drawn from a shuffled deck of the
// base clips that refills with the clips drawn, so every clip is used about equally often.
import { makeRng, shuffle, type Rng } from '../annotate/rng.js';
import type { ClipRecord, Split } from '../manifest.js';

export const MIXTURE_KINDS = ['sequence', 'overlap', 'repeat', 'levels'] as const;
export type MixtureKind = (typeof MIXTURE_KINDS)[number];

export interface MixturePart {
  /** Base clip id. */
  clip: string;
  /** Where the part starts in the mixture, in seconds (whole milliseconds). */
  offsetS: number;
  /** Gain after the part was loudness-normalised, in dB (0, or −24…−12 for the faint part of 'levels'). */
  gainDb: number;
}

export interface MixturePlan {
  /** `${idPrefix}/${split}/${index padded to 6 digits}`. */
  id: string;
  kind: MixtureKind;
  /** In time order, except 'levels': loud part first, faint part second. A 'repeat' lists its clip once per time. */
  parts: MixturePart[];
  /** End of the last part to end: max(offsetS + part clip's durationS), in whole microseconds. */
  durationS: number;
  split: Split;
}

export interface PlanMixturesOptions {
  /** How many plans. */
  count: number;
  seed: number | string;
  /** Longest mixture, in seconds; 10 by default. */
  maxDurationS?: number;
  /**
   * Relative weights of the kinds; a kind left out has weight 1, so `{ levels: 0 }` means every kind but 'levels'
   * and `{ sequence: 2 }` twice as many sequences as each other kind. Default: all equal.
   */
  kinds?: Partial<Record<MixtureKind, number>>;
  /** First piece of the ids; 'mix' by default. */
  idPrefix?: string;
}

/** The numbers behind the rules, for readers and tests. */
export const MIXTURE_RULES = {
  maxDurationS: 10,
  /** Silence between the parts of a sequence, seconds. */
  sequenceGapS: [0.2, 1.0],
  /** Silence between the repetitions of a repeat, seconds. */
  repeatGapS: [0.2, 0.8],
  /** Where B starts in an overlap, as a fraction of A's duration. */
  overlapStart: [0.1, 0.7],
  /** Where the later part starts in 'levels', as a fraction of the longer part's duration. */
  levelsStart: [0, 0.5],
  /** How far the faint part of 'levels' is below the loud one, dB. */
  levelsDropDb: [12, 24],
} as const;

/**
 * A sequence leaves room after each part for parts this long: the duration 30 % of the clips are shorter than. With
 * room for only the shortest clip, sequences that begin with long clips use the shortest up to fill them.
 */
const ROOM_QUANTILE = 0.3;
/** Tries per plan of a kind before another kind is drawn. */
const ATTEMPTS = 8;
/** Plans in a row for which a kind found no parts before it is dropped as one these clips cannot make. */
const GIVE_UP_AFTER = 3;

/**
 * Plans `count` mixtures of base clips of one split. Deterministic for the same clips (in any order), options and
 * seed. Throws a RangeError when the clips span several splits, when options are out of range, or when no allowed
 * kind can be made from the clips (none short enough, say).
 */
export function planMixtures(base: readonly ClipRecord[], opts: PlanMixturesOptions): MixturePlan[] {
  const { count, seed } = opts;
  const maxD = opts.maxDurationS ?? MIXTURE_RULES.maxDurationS;
  const idPrefix = opts.idPrefix ?? 'mix';
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!(Number.isFinite(maxD) && maxD > 0)) throw new RangeError(`maxDurationS must be positive, got ${maxD}`);
  const weights = kindWeights(opts.kinds);
  const splits = [...new Set(base.map((c) => c.split))];
  if (splits.length > 1) {
    throw new RangeError(`planMixtures: base clips span several splits (${splits.join(', ')}); pass one split's clips`);
  }
  if (count === 0) return [];
  if (base.length === 0) throw new RangeError('planMixtures: no base clips');
  const split = splits[0]!;
  for (const c of base) {
    if (!(Number.isFinite(c.durationS) && c.durationS > 0)) {
      throw new RangeError(`planMixtures: clip "${c.id}" has no positive duration`);
    }
  }

  // Sorted by id, so the plans do not depend on the order of the manifest; clips longer than a mixture can be are
  // left out (they would only slow every draw down).
  const clips = [...base]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .filter((c) => c.durationS <= maxD)
    .map(toClip);
  if (clips.length === 0) throw new RangeError(`planMixtures: no base clip is ${maxD} s long or shorter`);
  const rng = makeRng(seed);
  const planner = new Planner(clips, maxD, rng);
  const alive = new Set(MIXTURE_KINDS.filter((k) => weights[k] > 0));
  const failures: Record<MixtureKind, number> = { sequence: 0, overlap: 0, repeat: 0, levels: 0 };
  const plans: MixturePlan[] = [];
  while (plans.length < count) {
    if (alive.size === 0) {
      throw new RangeError(
        `planMixtures: none of the allowed kinds can be made from these ${clips.length} clips within ${maxD} s`,
      );
    }
    const kind = weightedPick(rng, [...alive], weights);
    let planned: Planned | undefined;
    for (let i = 0; i < ATTEMPTS && !planned; i++) planned = planner.plan(kind, i >= ATTEMPTS / 2);
    if (!planned) {
      if (++failures[kind] >= GIVE_UP_AFTER) alive.delete(kind);
      continue;
    }
    failures[kind] = 0;
    const end = Math.max(...planned.map((p) => p.offsetS + planner.clip(p.clip).durationS));
    // Whole microseconds, for tidy manifests (2.4, not 2.4000000000000004), never short of a part's end.
    const durationS = Math.min(maxD, Math.ceil(end * 1e6 - 1e-6) / 1e6);
    plans.push({
      id: `${idPrefix}/${split}/${String(plans.length).padStart(6, '0')}`,
      kind,
      parts: planned,
      durationS,
      split,
    });
  }
  return plans;
}

function kindWeights(kinds: Partial<Record<MixtureKind, number>> | undefined): Record<MixtureKind, number> {
  const out: Record<MixtureKind, number> = { sequence: 1, overlap: 1, repeat: 1, levels: 1 };
  for (const [kind, w] of Object.entries(kinds ?? {})) {
    if (!(MIXTURE_KINDS as readonly string[]).includes(kind)) throw new RangeError(`unknown mixture kind "${kind}"`);
    if (w === undefined) continue;
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`weight of "${kind}" must be non-negative, got ${w}`);
    out[kind as MixtureKind] = w;
  }
  if (MIXTURE_KINDS.every((k) => out[k] === 0)) {
    throw new RangeError('at least one mixture kind needs a weight above 0');
  }
  return out;
}

function weightedPick<T extends string>(rng: Rng, items: readonly T[], weights: Record<T, number>): T {
  const total = items.reduce((s, k) => s + weights[k], 0);
  let r = rng() * total;
  for (const k of items) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return items[items.length - 1]!;
}

interface Clip {
  id: string;
  durationS: number;
  firstTag: string;
  recordings: readonly string[];
}

const toClip = (r: ClipRecord): Clip => ({
  id: r.id,
  durationS: r.durationS,
  firstTag: (r.tags[0] ?? '').trim().toLowerCase(),
  recordings: r.recordings ?? [r.id],
});

type Planned = MixturePart[];

const ms = (s: number): number => Math.round(s * 1000) / 1000;
const floorMs = (s: number): number => Math.floor(s * 1000 + 1e-9) / 1000;
const ceilMs = (s: number): number => Math.ceil(s * 1000 - 1e-9) / 1000;
const uniform = (rng: Rng, lo: number, hi: number): number => lo + rng() * (hi - lo);
/** Slack per gap for offsets rounded up to whole milliseconds. */
const MS = 0.001;

class Planner {
  private readonly deck: Deck;
  private readonly minDuration: number;
  private readonly roomDuration: number;
  private readonly byId: Map<string, Clip>;

  constructor(
    private readonly clips: readonly Clip[],
    private readonly maxD: number,
    private readonly rng: Rng,
  ) {
    this.deck = new Deck(clips.length, rng);
    this.minDuration = clips.reduce((m, c) => Math.min(m, c.durationS), Infinity);
    const sorted = clips.map((c) => c.durationS).sort((a, b) => a - b);
    this.roomDuration = sorted[Math.floor(sorted.length * ROOM_QUANTILE)]!;
    this.byId = new Map(clips.map((c) => [c.id, c]));
  }

  clip(id: string): Clip {
    return this.byId.get(id)!;
  }

  /**
   * One plan of `kind`, or undefined when this try found no parts (the deck is left as it was). A sequence leaves
   * room for typical parts after each part (see ROOM_QUANTILE); `relaxed`, only for the shortest clip.
   */
  plan(kind: MixtureKind, relaxed = false): Planned | undefined {
    const taken: number[] = [];
    const draw = (ok: (c: Clip) => boolean): Clip | undefined => {
      const i = this.deck.draw((j) => {
        const c = this.clips[j]!;
        return ok(c) && taken.every((t) => compatible(c, this.clips[t]!));
      });
      if (i === undefined) return undefined;
      taken.push(i);
      return this.clips[i]!;
    };
    let planned = this.build(kind, draw, relaxed ? this.minDuration : this.roomDuration);
    // Rounding to milliseconds never pushes a part past the end, but check rather than trust the arithmetic.
    if (planned?.some((p) => p.offsetS < 0 || p.offsetS + this.clip(p.clip).durationS > this.maxD)) planned = undefined;
    if (!planned) for (const i of taken.reverse()) this.deck.putBack(i);
    return planned;
  }

  private build(
    kind: MixtureKind,
    draw: (ok: (c: Clip) => boolean) => Clip | undefined,
    roomFor: number,
  ): Planned | undefined {
    const { maxD, rng, minDuration } = this;
    switch (kind) {
      case 'sequence': {
        const [gapMin, gapMax] = MIXTURE_RULES.sequenceGapS;
        const n = rng() < 0.5 ? 2 : 3;
        const chosen: Clip[] = [];
        let used = 0; // durations so far plus the shortest gaps after each
        for (let i = 0; i < n; i++) {
          const after = n - 1 - i; // parts still to come
          if (used + minDuration + after * (gapMin + MS + roomFor) > maxD) return undefined; // none can fit
          const c = draw((c) => used + c.durationS + after * (gapMin + MS + roomFor) <= maxD);
          if (!c) return undefined;
          chosen.push(c);
          used += c.durationS + (after > 0 ? gapMin + MS : 0);
        }
        const slack = maxD - chosen.reduce((s, c) => s + c.durationS, 0) - (n - 1) * MS;
        // Offsets are rounded up to whole milliseconds, so gaps are drawn up to 1 ms short of their maximum.
        const hi = Math.min(gapMax - MS, slack / (n - 1));
        const parts: Planned = [];
        let end = 0;
        for (const [i, c] of chosen.entries()) {
          const offsetS = i === 0 ? 0 : ceilMs(end + uniform(rng, gapMin, hi));
          parts.push({ clip: c.id, offsetS, gainDb: 0 });
          end = offsetS + c.durationS;
        }
        return end <= maxD ? parts : undefined;
      }
      case 'repeat': {
        const [gapMin, gapMax] = MIXTURE_RULES.repeatGapS;
        const c = draw((c) => 2 * c.durationS + gapMin + MS <= maxD);
        if (!c) return undefined;
        const fitsThree = 3 * c.durationS + 2 * (gapMin + MS) <= maxD;
        const n = fitsThree && rng() < 0.5 ? 3 : 2;
        const hi = Math.min(gapMax - MS, (maxD - n * c.durationS) / (n - 1) - MS);
        const parts: Planned = [];
        let end = 0;
        for (let i = 0; i < n; i++) {
          const offsetS = i === 0 ? 0 : ceilMs(end + uniform(rng, gapMin, Math.max(gapMin, hi)));
          parts.push({ clip: c.id, offsetS, gainDb: 0 });
          end = offsetS + c.durationS;
        }
        return end <= maxD ? parts : undefined;
      }
      case 'overlap':
      case 'levels': {
        const [startLo, startHi] = kind === 'overlap' ? MIXTURE_RULES.overlapStart : MIXTURE_RULES.levelsStart;
        // A pair fits when the shorter can start at the earliest allowed point of the longer and end in time.
        const fits = (x: Clip, y: Clip): boolean => {
          const [a, b] = x.durationS >= y.durationS ? [x, y] : [y, x];
          return a.durationS <= maxD && ceilMs(startLo * a.durationS) + b.durationS <= maxD;
        };
        const first = draw((c) => c.durationS <= maxD && (fits(c, c) || startLo * c.durationS + minDuration <= maxD));
        if (!first) return undefined;
        const second = draw((c) => fits(first, c));
        if (!second) return undefined;
        const [a, b] = first.durationS >= second.durationS ? [first, second] : [second, first];
        const lo = ceilMs(startLo * a.durationS);
        const hi = floorMs(Math.min(startHi * a.durationS, maxD - b.durationS));
        // An overlap's B starts after A has begun (at 1 ms at least) and before A ends.
        const min = kind === 'overlap' ? Math.max(lo, MS) : lo;
        if (hi < min || (kind === 'overlap' && hi >= a.durationS)) return undefined;
        const offsetS = Math.min(hi, Math.max(min, ms(uniform(rng, min, hi))));
        const partA: MixturePart = { clip: a.id, offsetS: 0, gainDb: 0 };
        const partB: MixturePart = { clip: b.id, offsetS, gainDb: 0 };
        if (kind === 'overlap') return [partA, partB];
        const [dropLo, dropHi] = MIXTURE_RULES.levelsDropDb;
        const drop = Math.round(uniform(rng, dropLo, dropHi) * 10) / 10;
        const [loud, faint] = rng() < 0.5 ? [partA, partB] : [partB, partA];
        return [loud, { ...faint, gainDb: -drop }];
      }
    }
  }
}

/** Clips that may share a mixture: different first tags, no recording in common. */
function compatible(a: Clip, b: Clip): boolean {
  return a.firstTag !== b.firstTag && !a.recordings.some((r) => b.recordings.includes(r));
}

/**
 * A shuffled deck of clip indices. A draw takes the first clip in the deck that qualifies; when none does, the deck
 * is topped up with the clips drawn since the last top-up (in a new random order) and searched again. So a clip is
 * drawn again only after (nearly) every other clip that would have fitted was drawn once.
 */
class Deck {
  private items: number[] = [];
  private head = 0;
  private readonly inDeck: Uint8Array;

  constructor(
    private readonly size: number,
    private readonly rng: Rng,
  ) {
    this.inDeck = new Uint8Array(size);
    this.refill();
  }

  draw(ok: (i: number) => boolean): number | undefined {
    let from = this.head;
    for (;;) {
      for (let k = from; k < this.items.length; k++) {
        const i = this.items[k]!;
        if (!ok(i)) continue;
        // Take it: the item at the head moves into its place (it was passed over, so it waits a little longer).
        this.items[k] = this.items[this.head]!;
        this.items[this.head++] = i;
        this.inDeck[i] = 0;
        return i;
      }
      const before = this.items.length - this.head;
      if (!this.refill()) return undefined;
      from = before; // only the clips just added are new
    }
  }

  /** Returns a clip drawn by a try that failed to the top of the deck. */
  putBack(i: number): void {
    if (this.inDeck[i]) return;
    if (this.head > 0) this.items[--this.head] = i;
    else this.items.unshift(i);
    this.inDeck[i] = 1;
  }

  /** Appends the clips not in the deck, shuffled; false when every clip is in it already. */
  private refill(): boolean {
    const missing: number[] = [];
    for (let i = 0; i < this.size; i++) if (!this.inDeck[i]) missing.push(i);
    if (missing.length === 0) return false;
    this.items = this.items.slice(this.head).concat(shuffle(this.rng, missing));
    this.head = 0;
    for (const i of missing) this.inDeck[i] = 1;
    return true;
  }
}
