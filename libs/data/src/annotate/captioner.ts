// Captions at the three granularities AuroLA trains on (DESIGN.md §2): a long description, a short caption and
// tags. A Captioner turns what annotation knows about a clip (tags, descriptor words, a transcript, human captions)
// into the three. RuleCaptioner, the default, writes them from many templates and synonyms; a language-model
// captioner can take its place behind the same interface.
import type { DescriptorWords } from './descriptors.js';
import { capitalize, wordCount } from './english.js';
import { pick, shuffle, type Rng } from './rng.js';
import { CHARACTER, makeScene, TIMING, Writer, type Mention, type Scene } from './scene.js';
import {
  DETAILS,
  LONG_TEMPLATES,
  SHORT_TEMPLATES,
  SPEECH_LONG_TEMPLATES,
  SPEECH_SHORT_TEMPLATES,
  type Detail,
  type Template,
} from './templates.js';

export interface CaptionInput {
  /** Tags, most specific first (as tagsFromLabels returns them). */
  tags: string[];
  words: DescriptorWords;
  /** Where the clip comes from (a manifest `source`); context for a captioner, never copied into captions. */
  source: string;
  /** The exact words spoken, for speech. */
  transcript?: string;
  /** Captions people wrote for the clip (a sidecar file, a public caption set). */
  humanCaptions?: string[];
}

export interface Captions {
  /** 1–3 sentences. */
  captionLong: string;
  /** A lower-case phrase of a few words, no full stop. */
  captionShort: string;
  /** Non-empty, deduplicated, most specific first. */
  tags: string[];
}

/**
 * Writes a clip's captions. Implementations must be deterministic given `rng` (draw every random choice from it).
 *
 * A language-model captioner implements the same method: it builds a prompt from the input (the tags, the
 * descriptor words, marked as unsure where not confident, the transcript to quote verbatim, any human captions as
 * style examples), asks for JSON with a long and a short caption, samples with a seed drawn from `rng`, and checks
 * the answer (lengths, the transcript quoted, no words beyond the input's), falling back to RuleCaptioner when the
 * check fails. It returns a Promise; callers await either kind.
 */
export interface Captioner {
  caption(input: CaptionInput, rng: Rng): Promise<Captions> | Captions;
}

/** Word limits: long descriptions (a quotation counts as one word), short captions (every word counts). */
export const CAPTION_LIMITS = { long: { min: 15, max: 45, sentences: 3 }, short: { min: 3, max: 10 } } as const;

/**
 * Descriptor aspects whose confident words are added as tags (loudness and length depend on the recording; the
 * envelope and rhythm of speech are its syllables').
 */
const TAGGED_ASPECTS = new Set(['pitch', 'brightness', 'tonality', 'envelope', 'rhythm']);
const SPEECH_TAGGED_ASPECTS = new Set(['pitch', 'brightness', 'tonality']);
const MAX_DESCRIPTOR_TAGS = 3;
/** Random draws before the templates are tried in order; a template can miss the length limits for a given clip. */
const TRIES = 12;

/**
 * The default captioner. Human captions, when there are any, are used first (the longest as the long description,
 * filled out with detail sentences if short; another one as the short caption); everything else is written from
 * templates. RuleCaptioner does not use `source`.
 */
export class RuleCaptioner implements Captioner {
  caption(input: CaptionInput, rng: Rng): Captions {
    const given = [...new Set(input.tags.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];
    const scene = makeScene(given, input.words, input.transcript);
    const human = (input.humanCaptions ?? []).map((c) => c.trim().replace(/\s+/g, ' ')).filter((c) => c !== '');
    return {
      captionLong: humanLong(human, scene, rng) ?? writeLong(scene, rng),
      captionShort: humanShort(human) ?? writeShort(scene, rng),
      tags: outputTags(given, scene, input.transcript !== undefined),
    };
  }
}

function writeLong(scene: Scene, rng: Rng): string {
  const templates = scene.speech ? SPEECH_LONG_TEMPLATES : LONG_TEMPLATES;
  for (let i = 0; i < TRIES; i++) {
    const text = withDetails(scene, rng, pick(rng, templates));
    if (text !== undefined && fitsLong(text)) return text;
  }
  // Rarely, a dozen draws miss (templates that do not apply, or too short for the details left): go through them.
  for (const template of templates) {
    const text = withDetails(scene, rng, template);
    if (text !== undefined && fitsLong(text)) return text;
  }
  return withDetails(scene, rng, templates[0]!)!;
}

/**
 * A template's sentences, then detail sentences about what it has not mentioned: first the sound's timing or
 * character if it said nothing of one, then others in random order, until a random target length within the
 * limits. Nothing is said twice.
 */
function withDetails(scene: Scene, rng: Rng, template: Template): string | undefined {
  const w = new Writer(scene, rng);
  const core = template(w);
  if (core === undefined) return undefined;
  const { min, max, sentences } = CAPTION_LIMITS.long;
  const target = min + Math.floor(rng() * (max - min - 10));
  const lacks = (group: readonly Mention[]) => !group.some((m) => w.mentioned.has(m));
  const fills = (group: readonly Mention[], d: Detail) => lacks(group) && d.says.some((m) => group.includes(m));
  const first = (d: Detail) => fills(TIMING, d) || fills(CHARACTER, d);
  const details = shuffle(rng, DETAILS);
  let text = tidy(core);
  while (details.length > 0) {
    const words = longWords(text);
    if (sentenceCount(text) >= sentences || (!lacks(TIMING) && !lacks(CHARACTER) && words >= target)) break;
    const [detail] = details.splice(Math.max(0, details.findIndex(first)), 1);
    if (detail!.says.every((m) => w.mentioned.has(m))) continue;
    const sentence = detail!.write(w);
    if (sentence && words + wordCount(sentence) <= max) {
      text = `${text} ${sentence}`;
      for (const m of detail!.says) w.mentioned.add(m);
    }
  }
  return text;
}

function fitsLong(text: string): boolean {
  const { min, max, sentences } = CAPTION_LIMITS.long;
  const n = longWords(text);
  return n >= min && n <= max && sentenceCount(text) <= sentences;
}

/** Words of a long description, a quotation counting as one. */
const longWords = (text: string): number => wordCount(text.replace(/"[^"]*"/g, 'Q'));
const sentenceCount = (text: string): number => (text.replace(/"[^"]*"/g, 'Q').match(/[.!?](\s|$)/g) ?? []).length;

function writeShort(scene: Scene, rng: Rng): string {
  const templates = scene.speech ? SPEECH_SHORT_TEMPLATES : SHORT_TEMPLATES;
  const { min, max } = CAPTION_LIMITS.short;
  for (let i = 0; i < TRIES; i++) {
    const text = pick(rng, templates)(new Writer(scene, rng));
    if (text !== undefined && wordCount(text) >= min && wordCount(text) <= max) return tidy(text);
  }
  // Plain forms that fit every clip: four words or more, and at most ten for names of up to six words.
  const plain: Template = scene.speech
    ? SPEECH_SHORT_TEMPLATES[0]!
    : (w) => (scene.head.endsWith('sound') ? `${w.a(w.np(0))} of some kind` : `the sound of ${w.a(w.np(0))}`);
  return tidy(plain(new Writer(scene, rng))!);
}

/** The longest human caption as a long description, with detail sentences when it is too short on its own. */
function humanLong(human: string[], scene: Scene, rng: Rng): string | undefined {
  if (human.length === 0) return undefined;
  const longest = human.reduce((a, b) => (wordCount(b) > wordCount(a) ? b : a));
  const text = capitalize(/[.!?]$/.test(longest) ? longest : `${longest}.`);
  return longWords(text) >= CAPTION_LIMITS.long.min ? text : withDetails(scene, rng, () => text);
}

/** Another human caption (the shortest) as the short caption, when there are two or more and it is short enough. */
function humanShort(human: string[]): string | undefined {
  if (human.length < 2) return undefined;
  const shortest = human.reduce((a, b) => (wordCount(b) < wordCount(a) ? b : a));
  const n = wordCount(shortest);
  if (n < CAPTION_LIMITS.short.min || n > CAPTION_LIMITS.short.max) return undefined;
  const text = shortest.replace(/[.!]$/, '');
  // Lower case like the written short captions, unless the first word is an initialism or "I".
  return /^[A-Z](?![A-Z])/.test(text) && !/^I\b/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/** The input tags, "speech" and "voice" for a transcript, then confident descriptor words; "sound" if none. */
function outputTags(given: string[], scene: Scene, speech: boolean): string[] {
  const aspects = speech ? SPEECH_TAGGED_ASPECTS : TAGGED_ASPECTS;
  const descriptive = scene.words.items
    .filter((w) => w.confident && aspects.has(w.aspect) && w.adjective !== 'mid-pitched')
    .map((w) => w.adjective)
    .slice(0, MAX_DESCRIPTOR_TAGS);
  const lead = given.length === 0 && !speech ? ['sound'] : [];
  return [...new Set([...lead, ...given, ...(speech ? ['speech', 'voice'] : []), ...descriptive])];
}

/** Spaces and punctuation left by optional clauses that came out empty. */
const tidy = (text: string): string =>
  text
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.;:])/g, '$1')
    .replace(/,([.;])/g, '$1')
    .trim();
