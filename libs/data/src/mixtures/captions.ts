// A mixture's manifest record: captions and tags at all three granularities composed from its parts', with many
// phrasings per kind so that a model learns the relation ("then", "while", "twice", "faint … under …") rather than
// a template. Timing words follow the plan: a sequence is told in time order (or says "after"), an overlap's second
// sound starts after the first has begun, a repeat says how many times, 'levels' says which part is faint.
import { durationInWords } from '../annotate/descriptors.js';
import { capitalize, isMass, isPlural, listJoin, numberWord, withArticle, wordCount } from '../annotate/english.js';
import { shuffle, type Rng } from '../annotate/rng.js';
import { EVENT_VERBS } from '../annotate/vocabulary/terms.js';
import type { ClipRecord } from '../manifest.js';
import type { MixtureKind, MixturePlan } from './plan.js';

/**
 * Word limits of mixture captions. Short: as for base clips. Long: 1–3 sentences of 15–60 words (every word counts,
 * quoted ones too) — a little over the 45 words of a base clip, since a mixture describes two or three sounds.
 */
export const MIXTURE_CAPTION_LIMITS = { long: { min: 15, max: 60, sentences: 3 }, short: { min: 3, max: 10 } } as const;

/** What a phrasing knows about the mixture. Part indices are into `parts` (distinct clips, see below). */
interface Ctx {
  /** Number of distinct parts (1 for repeat). */
  parts: number;
  /** Times the clip plays (repeat), or the number of parts. */
  times: number;
  /** 'levels': index of the loud and the faint part; gap between them in whole dB. */
  loud: number;
  faint: number;
  dropDb: number;
  /** 'overlap': whether B ends before A does. */
  bInsideA: boolean;
  durationS: number;
  /** The part's phrase: its short caption, or its tag phrase where the short caption made the caption too long. */
  p(i: number): string;
  /** The phrase where it reads as a noun phrase ("the sound of rain"), else the tag phrase ("a dog bark"). */
  n(i: number): string;
  /** `n` at the start of a sentence, or undefined when it cannot start one (it opens with a quotation). */
  N(i: number): string | undefined;
  /** Its first tag as a noun phrase ("a dog bark", "rain"), with an adjective if given ("a faint dog bark"). */
  np(i: number, adjective?: string): string;
  /** Its first tag, bare ("dog bark"). */
  tag(i: number): string;
  /** The first sentence of its long caption, as it stands (to open a caption), or undefined. */
  S(i: number): string | undefined;
  /** The same sentence to go on from a comma: first letter lower-cased, final full stop dropped; or undefined. */
  clause(i: number): string | undefined;
}

type Phrasing = (c: Ctx) => string | undefined;

const twice = (n: number): string => (n === 2 ? 'twice' : `${numberWord(n)} times`);
const indices = (c: Ctx): number[] => Array.from({ length: c.parts }, (_, i) => i);
/** "a, then b" / "a, then b, then c". */
const chain = (c: Ctx, joint: string): string => indices(c).map(c.p).join(joint);
/** The third part with what leads to it, or '' for two parts. */
const thirdTime = (c: Ctx): string => (c.times === 3 ? ', and then a third time' : '');
const third = (c: Ctx, lead: string, part: (i: number) => string = c.p): string =>
  c.parts === 3 ? `${lead}${part(2)}` : '';

// Slots: `p` takes a part's short caption whatever its form ("a dog barks", "the sound of rain"); `n` takes it only
// when it reads as a noun phrase (else the tag phrase), for slots after a preposition or before a verb.

/** Short captions: lower-case phrases, no full stop. */
export const SHORT_PHRASINGS: Readonly<Record<MixtureKind, readonly Phrasing[]>> = {
  sequence: [
    (c) => chain(c, ', then '),
    (c) => `${c.p(0)}, followed by ${c.n(1)}${third(c, ' and then ')}`,
    (c) => `first ${c.p(0)}, then ${c.p(1)}${third(c, ', finally ')}`,
    (c) => (c.parts === 2 ? `${c.p(0)} and then ${c.p(1)}` : `${c.p(0)}, ${c.p(1)} and then ${c.p(2)}`),
    (c) => (c.parts === 2 ? `${c.n(1)} after ${c.n(0)}` : `${c.n(2)} after ${c.n(0)} and ${c.n(1)}`),
    (c) => (c.parts === 2 ? `${c.p(0)}, a short pause, then ${c.p(1)}` : `${chain(c, ', ')}, one after another`),
    (c) => (c.parts === 2 ? `${c.n(0)} before ${c.n(1)}` : `${c.p(0)}, then ${c.n(1)} before ${c.n(2)}`),
    (c) => `${c.p(0)}, later ${c.p(1)}${third(c, ', last ')}`,
    (c) => `${listJoin(indices(c).map((i) => c.np(i)))} in turn`,
  ],
  overlap: [
    (c) => `${c.p(0)} while ${c.p(1)}`,
    (c) => `${c.n(1)} over ${c.n(0)}`,
    (c) => `${c.p(0)}, joined by ${c.n(1)}`,
    (c) => `${c.p(1)} during ${c.n(0)}`,
    (c) => `${c.p(0)} with ${c.n(1)} coming in`,
    (c) => `${c.n(1)} starting partway through ${c.n(0)}`,
    (c) => `${c.p(0)}, then ${c.n(1)} on top`,
    (c) => `${c.np(0)} overlapped by ${c.np(1)}`,
    (c) => (c.bInsideA ? `${c.p(1)} briefly within ${c.n(0)}` : undefined),
  ],
  repeat: [
    (c) => `${c.p(0)} ${twice(c.times)}`,
    (c) => `${c.p(0)}, heard ${twice(c.times)}`,
    (c) => `${c.p(0)} ${numberWord(c.times)} times in a row`,
    (c) => (c.times === 2 ? `${c.p(0)}, then the same again` : `${c.p(0)}, then again, and a third time`),
    (c) => `${c.n(0)} occurring ${twice(c.times)}`,
    (c) => `the same ${c.tag(0)} ${twice(c.times)}`,
    (c) => `${numberWord(c.times)} identical rounds of ${c.n(0)}`,
    (c) => (c.times === 2 ? `${c.p(0)} and once more after a pause` : `${c.p(0)}, three times over`),
  ],
  levels: [
    (c) => `${c.np(c.faint, 'faint')} under ${c.np(c.loud, 'loud')}`,
    (c) => `${c.p(c.loud)} with ${c.n(c.faint)} quietly in the background`,
    (c) => `${c.np(c.loud, 'loud')} over ${c.np(c.faint, 'faint')}`,
    (c) => `${c.p(c.loud)}, with ${c.n(c.faint)} barely audible`,
    (c) => `${c.n(c.faint)} almost drowned out by ${c.n(c.loud)}`,
    (c) => `${c.p(c.loud)} and, very quietly, ${c.p(c.faint)}`,
    (c) => `${c.np(c.faint, 'quiet')} behind ${c.np(c.loud)}`,
    (c) => `${c.p(c.loud)}, ${c.p(c.faint)} faintly behind it`,
  ],
};

/** Long captions: 1–2 sentences (three for a sequence of three), capitalised, ending with a full stop. */
export const LONG_PHRASINGS: Readonly<Record<MixtureKind, readonly Phrasing[]>> = {
  sequence: [
    (c) => `The recording begins with ${c.n(0)}, followed by ${c.n(1)}${third(c, ' and finally ', c.n)}.`,
    (c) => {
      const [s, b, z] = [c.S(0), c.clause(1), c.parts === 3 ? c.clause(2) : ''];
      return s && b && z !== undefined ? `${s} After a short pause, ${b}.${z ? ` Finally, ${z}.` : ''}` : undefined;
    },
    (c) => `First we hear ${c.n(0)}. After a brief pause comes ${c.n(1)}${third(c, ', and then ', c.n)}.`,
    (c) => `A sequence of ${numberWord(c.parts)} sounds: ${chain(c, ', then ')}.`,
    (c) => {
      const a = c.N(0);
      const last = c.parts === 3 ? `, and ${c.n(2)} closes it` : '';
      return a && `${a} opens the clip; once it stops, ${c.n(1)} follows${last}.`;
    },
    (c) => {
      const [s, b, z] = [c.S(0), c.clause(1), c.parts === 3 ? c.clause(2) : ''];
      return s && b && z !== undefined ? `${s} Once that has ended, ${b}.${z ? ` Last of all, ${z}.` : ''}` : undefined;
    },
    (c) =>
      `${capitalize(numberWord(c.parts))} sounds play one after another, with short gaps between them, in this ` +
      `order: ${listJoin(indices(c).map(c.n))}.`,
    (c) => `It starts with ${c.n(0)}. Next comes ${c.n(1)}${third(c, ', and at the end ', c.n)}.`,
    (c) => {
      const a = c.N(0);
      return a && `${a} is heard first and, after a moment of silence, ${c.n(1)}${third(c, ', then ', c.n)}.`;
    },
  ],
  overlap: [
    (c) => {
      const a = c.N(0);
      return a && `${a} plays, and partway through ${c.n(1)} joins in.`;
    },
    (c) => `The recording opens with ${c.n(0)}; while it is still going, ${c.n(1)} comes in.`,
    (c) => {
      const [s, b] = [c.S(0), c.clause(1)];
      return s && b ? `${s} While it continues, ${b}.` : undefined;
    },
    (c) => `Two sounds overlap here: ${c.n(0)} comes first, and ${c.n(1)} begins before it ends.`,
    (c) => {
      const b = c.N(1);
      return b && `${b} can be heard over ${c.n(0)}, which started first.`;
    },
    (c) => `At first there is only ${c.n(0)}; then ${c.n(1)} comes in on top of it.`,
    (c) => {
      const b = c.N(1);
      return c.bInsideA && b ? `${b} comes and goes while ${c.n(0)} continues in the background.` : undefined;
    },
    (c) => {
      const a = c.N(0);
      if (c.bInsideA || !a) return undefined;
      return `${a} starts first; ${c.n(1)} begins before it is over and goes on after it ends.`;
    },
    (c) => {
      const [s, b] = [c.S(0), c.clause(1)];
      return s && b ? `${s} Before it is over, ${b}, so the two overlap.` : undefined;
    },
  ],
  repeat: [
    (c) => {
      const a = c.N(0);
      const between = c.times === 2 ? 'in between' : 'between each';
      return a && `${a} is heard ${twice(c.times)}, with a short pause ${between}.`;
    },
    (c) => `The same sound plays ${numberWord(c.times)} times in a row: ${c.p(0)}.`,
    (c) => {
      const s = c.S(0);
      return s && `${s} After a short pause, the same sound comes again${thirdTime(c)}.`;
    },
    (c) => `This clip contains ${c.n(0)}, played ${twice(c.times)} with brief silences between.`,
    (c) => `Here ${c.n(0)} occurs ${twice(c.times)} in succession, separated by short gaps.`,
    (c) => `There are ${numberWord(c.times)} identical occurrences of ${c.n(0)}, one after another.`,
    (c) => `You can hear ${c.n(0)}; after a brief pause it comes again${thirdTime(c)}.`,
    (c) => {
      const s = c.S(0);
      return s && `${s} The clip repeats it after a short gap, so it is heard ${twice(c.times)} in all.`;
    },
  ],
  levels: [
    (c) => {
      const l = c.N(c.loud);
      return l && `${l} is clearly in the foreground, while ${c.n(c.faint)} can only faintly be heard behind it.`;
    },
    (c) => {
      const [s, f] = [c.S(c.loud), c.clause(c.faint)];
      return s && f ? `${s} Much more quietly, ${f}.` : undefined;
    },
    (c) => `Two sounds at very different levels: ${c.n(c.loud)}, loud, and ${c.n(c.faint)}, very faint.`,
    (c) => `The loud sound here is ${c.n(c.loud)}; ${c.n(c.faint)} overlaps it, much more softly.`,
    (c) => `Beneath ${c.n(c.loud)} there is ${c.n(c.faint)}, faint and easy to miss.`,
    (c) => {
      const f = c.N(c.faint);
      return f && `${f} sits quietly in the background, partly covered by ${c.n(c.loud)}.`;
    },
    (c) => `You mostly hear ${c.n(c.loud)}; ${c.n(c.faint)} is mixed in about ${c.dropDb} dB lower.`,
    (c) => {
      const [s, f] = [c.S(c.loud), c.clause(c.faint)];
      return s && f ? `${s} In the background, at a much lower level, ${f}.` : undefined;
    },
  ],
};

/** Sentences that may follow a long phrasing to reach the minimum length; all true of every plan of the kind. */
const DETAILS: Readonly<Record<MixtureKind, readonly Phrasing[]>> = {
  sequence: [() => 'The sounds do not overlap.', () => 'Short silences separate the sounds.'],
  overlap: [() => 'For a while, both sounds play at the same time.', () => 'The second sound starts after the first.'],
  repeat: [() => 'Each repetition is the same.', () => 'Short silences separate the repetitions.'],
  levels: [() => 'One of the two is much louder than the other.', () => 'The two sounds overlap in time.'],
};
const durationDetail: Phrasing = (c) => `The whole clip lasts ${durationInWords(c.durationS)}.`;

/** Plain phrasings from tags only, used when no other fits: short enough for any tags. */
const FALLBACK_LONG: Readonly<Record<MixtureKind, Phrasing>> = {
  sequence: (c) => `The clip holds ${listJoin(nps(c))}, one after another.`,
  overlap: (c) => `The clip holds ${c.np(0)}, and ${c.np(1)} starting partway through it.`,
  repeat: (c) => `The clip holds ${c.np(0)}, heard ${twice(c.times)}.`,
  levels: (c) => `The clip holds ${c.np(c.loud, 'loud')} and ${c.np(c.faint, 'faint')} at the same time.`,
};
const FALLBACK_SHORT: Readonly<Record<MixtureKind, Phrasing>> = {
  sequence: (c) => nps(c).join(', then '),
  overlap: (c) => `${c.np(1)} over ${c.np(0)}`,
  repeat: (c) => `${c.np(0)} ${numberWord(c.times)} times in a row`,
  levels: (c) => `${c.np(c.faint, 'faint')} under ${c.np(c.loud, 'loud')}`,
};
const nps = (c: Ctx): string[] => Array.from({ length: c.parts }, (_, i) => c.np(i));

/** Phrasings per kind, for reports: [short, long]. */
export const MIXTURE_PHRASING_COUNTS: Readonly<Record<MixtureKind, { short: number; long: number }>> =
  Object.fromEntries(
    (Object.keys(SHORT_PHRASINGS) as MixtureKind[]).map((k) => [
      k,
      { short: SHORT_PHRASINGS[k].length, long: LONG_PHRASINGS[k].length },
    ]),
  ) as Record<MixtureKind, { short: number; long: number }>;

/**
 * The manifest record of a mixture. `parts` holds the base clips' records by id; `audio` is the path of the rendered
 * mixture. Licence: the parts' distinct licences, sorted, joined with " AND " (one with " OR " in parentheses);
 * recordings: the union of the parts'; tags: the union in part order; tag clusters: the sorted union. Captions are
 * drawn with `rng`. Throws an Error naming the clip when a part's record is missing.
 */
export function mixtureRecord(
  plan: MixturePlan,
  parts: ReadonlyMap<string, ClipRecord>,
  rng: Rng,
  audio: string,
): ClipRecord {
  const records = [...new Set(plan.parts.map((p) => p.clip))].map((id) => {
    const r = parts.get(id);
    if (!r) throw new Error(`mixtureRecord: no record for clip "${id}" (a part of mixture "${plan.id}")`);
    return r;
  });
  // Sorted, so that the same parts' licences make one expression whatever the order of the parts.
  const licences = [...new Set(records.map((r) => r.license.trim()))].sort();
  const ctx = context(plan, records);
  return {
    id: plan.id,
    audio,
    durationS: plan.durationS,
    source: 'mixture',
    license: licences.length === 1 ? licences[0]! : licences.map(parenthesised).join(' AND '),
    captionLong: composeLong(plan.kind, ctx, rng),
    captionShort: composeShort(plan.kind, ctx, rng),
    tags: [...new Set(records.flatMap((r) => r.tags))],
    tagClusters: [...new Set(records.flatMap((r) => r.tagClusters))].sort((a, b) => a - b),
    split: plan.split,
    recordings: [...new Set(records.flatMap((r) => r.recordings ?? [r.id]))].sort(),
  };
}

/** An SPDX expression with OR, wrapped in parentheses unless it is already wrapped whole. */
function parenthesised(licence: string): string {
  if (!licence.includes(' OR ')) return licence;
  if (licence.startsWith('(')) {
    let depth = 0;
    for (let i = 0; i < licence.length; i++) {
      if (licence[i] === '(') depth++;
      else if (licence[i] === ')' && --depth === 0) {
        if (i === licence.length - 1) return licence;
        break;
      }
    }
  }
  return `(${licence})`;
}

interface Voice {
  short: string;
  tag: string;
  sentence: string | undefined;
}

/** Built once per record; `useTag` switches a part's phrase from its short caption to its tag phrase. */
interface MutableCtx extends Ctx {
  useTag: boolean[];
  /** Tag phrases without articles ("church bell, then door slam, then cat meow"), the most compact form. */
  bare: boolean;
  voices: Voice[];
}

function context(plan: MixturePlan, records: ClipRecord[]): MutableCtx {
  const voices: Voice[] = records.map((r) => ({
    short: tidy(r.captionShort).replace(/\.$/, ''),
    tag: (r.tags[0] ?? 'sound').trim(),
    sentence: firstSentence(tidy(r.captionLong)),
  }));
  const index = (id: string): number => records.findIndex((r) => r.id === id);
  const [first, second] = plan.parts;
  const end = (i: number): number => plan.parts[i]!.offsetS + records[index(plan.parts[i]!.clip)]!.durationS;
  const gains = plan.parts.map((p) => p.gainDb);
  const loudPart = plan.kind === 'levels' ? (gains[0]! >= gains[1]! ? 0 : 1) : 0;
  const useTag = voices.map(() => false);
  // A repeat says how many times its sound plays: a part caption that counts something itself ("heard two times")
  // would muddle that, so the tag stands in for it.
  // Likewise, 'levels' says which part is faint: a part caption that calls its sound loud or quiet would muddle that.
  const clash = plan.kind === 'repeat' ? COUNTING : plan.kind === 'levels' ? LEVEL : undefined;
  // A part caption with its own comma ("church bell, dark and tonal") blurs where one part ends and the next
  // begins in "A, then B": the tag stands in for it too.
  const clashes = (text: string | undefined): boolean =>
    text !== undefined &&
    (text.replace(QUOTED, '').includes(',') || (clash !== undefined && clash.test(text.replace(QUOTED, ''))));
  const np = (i: number, adjective?: string): string => {
    const tag = voices[i]!.tag;
    const phrase = adjective ? `${adjective} ${tag}` : tag;
    return ctx.bare || isMass(tag) || isPlural(tag) ? phrase : withArticle(phrase);
  };
  const ctx: MutableCtx = {
    voices,
    useTag,
    bare: false,
    parts: records.length,
    times: plan.kind === 'repeat' ? plan.parts.length : records.length,
    loud: plan.kind === 'levels' ? index(plan.parts[loudPart]!.clip) : 0,
    faint: plan.kind === 'levels' ? index(plan.parts[1 - loudPart]!.clip) : 0,
    dropDb: plan.kind === 'levels' ? Math.round(Math.abs(gains[0]! - gains[1]!)) : 0,
    bInsideA: plan.kind === 'overlap' && first !== undefined && second !== undefined && end(1) < end(0),
    durationS: plan.durationS,
    p: (i) => (useTag[i] || clashes(voices[i]!.short) ? np(i) : voices[i]!.short),
    n: (i) => (clauseLike(voices[i]!.short) || PLURAL_START.test(voices[i]!.short) ? np(i) : ctx.p(i)),
    N: (i) => {
      const p = ctx.n(i);
      return /^\p{Ll}/u.test(p) ? capitalize(p) : /^\p{Lu}/u.test(p) ? p : undefined;
    },
    np,
    tag: (i) => voices[i]!.tag,
    S: (i) => {
      const s = voices[i]!.sentence;
      return s !== undefined && /^\p{Lu}/u.test(s) && !clashes(s) ? s : undefined;
    },
    clause: (i) => {
      const s = voices[i]!.sentence;
      // A sentence ending inside a quotation ("… says "Stop."") cannot go on from a comma.
      if (s === undefined || /[.!?…]["”]$/.test(s) || clashes(s)) return undefined;
      return lowerFirst(s.replace(/[.!?]$/, ''));
    },
  };
  return ctx;
}

/** Words for a sound's level. */
const LEVEL = /\b(faint|faintly|quiet|quietly|loud|loudly|soft|softly|volume|audible|inaudible|hushed)\b/i;

/** Verbs of the rule captioner's clause-like short captions ("a bell rings twice") and some common others. */
const FINITE_VERBS = new Set([
  ...['is', 'are', 'was', 'were', 'can', 'will', 'says', 'reads', 'speaks', 'asks', 'shouts', 'sings', 'plays'],
  ...['sounds', 'rings', 'resonates', 'drifts', 'calls', 'goes', 'comes', 'come', 'falls', 'blows', 'honks'],
  ...Object.values(EVENT_VERBS).map(([singular]) => singular),
]);
/** A short caption that starts by counting ("two notes from a piano") takes a plural verb: not for subject slots. */
const PLURAL_START = /^(two|three|four|five|six|seven|eight|nine|ten|several|many|some|multiple|\d+)\b/i;

/** Whether a short caption reads as a clause (has a finite verb outside quotations) rather than a noun phrase. */
const clauseLike = (text: string): boolean =>
  text
    .replace(QUOTED, ' ')
    .toLowerCase()
    .split(/[^\p{L}']+/u)
    .some((w) => FINITE_VERBS.has(w));

/** Words that count (outside quotations they would clash with a repeat's own count). */
const COUNTING =
  /\b(once|twice|thrice|times|again|single|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+)\b/i;

function composeShort(kind: MixtureKind, ctx: MutableCtx, rng: Rng): string {
  const { min, max } = MIXTURE_CAPTION_LIMITS.short;
  // Parts whose short captions are longest give way to their tags first.
  const words = ctx.voices.map((v) => wordCount(v.short));
  const byLength = words.map((_, i) => i).sort((a, b) => words[b]! - words[a]!);
  const phrasings = shuffle(rng, SHORT_PHRASINGS[kind]);
  // Each phrasing with the short captions, then with tags for the longest ones, one at a time; then all phrasings
  // again with bare tags.
  for (const bare of [false, true]) {
    ctx.bare = bare;
    for (const phrasing of phrasings) {
      ctx.useTag.fill(bare);
      for (let k = 0; k <= byLength.length; k++) {
        const text = phrasing(ctx);
        if (text === undefined) break;
        const n = wordCount(text);
        if (n < min) break;
        if (n <= max) return done(tidyShort(text));
        if (bare) break;
        if (k < byLength.length) ctx.useTag[byLength[k]!] = true;
      }
    }
  }
  // Only tags of many words get here; the plainest form, even if over the limit.
  ctx.useTag.fill(true);
  return done(tidyShort(FALLBACK_SHORT[kind](ctx)!));

  function done(text: string): string {
    ctx.bare = false;
    return text;
  }
}

function composeLong(kind: MixtureKind, ctx: MutableCtx, rng: Rng): string {
  // The parts' short captions first; where nothing fits (three long ones, say), their tags.
  for (const tags of [false, true]) {
    ctx.useTag.fill(tags);
    for (const phrasing of shuffle(rng, LONG_PHRASINGS[kind])) {
      const core = phrasing(ctx);
      if (core === undefined) continue;
      const text = withDetails(tidy(core), kind, ctx, rng);
      if (fitsLong(text)) return text;
    }
  }
  return withDetails(tidy(FALLBACK_LONG[kind](ctx)!), kind, ctx, rng);
}

/** Detail sentences after `text`, in random order, until it reaches the minimum length (or three sentences). */
function withDetails(text: string, kind: MixtureKind, ctx: Ctx, rng: Rng): string {
  const { min, max, sentences } = MIXTURE_CAPTION_LIMITS.long;
  for (const detail of shuffle(rng, [...DETAILS[kind], durationDetail])) {
    const n = wordCount(text);
    if (n >= min || sentenceCount(text) >= sentences) break;
    const sentence = detail(ctx)!;
    if (n + wordCount(sentence) <= max) text = `${text} ${sentence}`;
  }
  return text;
}

function fitsLong(text: string): boolean {
  const { min, max, sentences } = MIXTURE_CAPTION_LIMITS.long;
  const n = wordCount(text);
  return n >= min && n <= max && sentenceCount(text) <= sentences && /^\p{Lu}/u.test(text) && text.endsWith('.');
}

const QUOTED = /"[^"]*"|“[^”]*”/g;
/** Sentences outside quotations. */
const sentenceCount = (text: string): number => (text.replace(QUOTED, 'Q').match(/[.!?](\s|$)/g) ?? []).length;

/**
 * The first sentence of a text: up to the first . ! or ? followed by a space or the end, outside quotations (or
 * closing one: `He says "Stop." Then…`). The whole text, with a full stop, when there is none.
 */
export function firstSentence(text: string): string | undefined {
  if (text === '') return undefined;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const atEnd = i + 1 === text.length || /\s/.test(text[i + 1]!);
    if (ch === '"' || ch === '“' || ch === '”') {
      quoted = ch === '“' ? true : ch === '”' ? false : !quoted;
      // `He says "Stop." Then…` ends there; `She asks "Why?" in a whisper.` does not.
      const next = text.slice(i + 1).trimStart();
      if (!quoted && atEnd && /[.!?]/.test(text[i - 1] ?? '') && !/^\p{Ll}/u.test(next)) return text.slice(0, i + 1);
    } else if (!quoted && atEnd && /[.!?]/.test(ch)) {
      return text.slice(0, i + 1);
    }
  }
  return /[.!?]["”]?$/.test(text) ? text : `${text}.`;
}

/**
 * A sentence's first letter in lower case, to go on mid-sentence — unless it is "I", starts an initialism ("FM"),
 * or is not a letter at all (a quotation keeps its capitals).
 */
export function lowerFirst(s: string): string {
  if (!/^\p{Lu}/u.test(s) || /^I\b/.test(s) || /^\p{Lu}\p{Lu}/u.test(s)) return s;
  return s.charAt(0).toLowerCase() + s.slice(1);
}

const tidy = (text: string): string => text.replace(/\s+/g, ' ').replace(/\s+([,.;:])/g, '$1').trim();
const tidyShort = (text: string): string => tidy(text).replace(/\.$/, '');
