// Tags from the names a clip comes with: its file name, its folders and any sidecar labels. Sample libraries name
// files like "drum_cymbal_open" or "BD Kick 909.wav": a category, an abbreviated instrument, modifiers, and noise
// (numbers, note names, take markers). Reading one, we find the head noun (the sound itself), the phrase its
// modifiers make with it, the other sound words, and the broader terms of all of them from the taxonomy; unknown
// words that look like words are kept last.
import { singularCandidates } from './english.js';
import { hypernymsOf, isA, isTerm, soundClassOf } from './taxonomy.js';
import { EVENT_VERBS, GENERIC_EVENTS, HYPERNYMS } from './vocabulary/terms.js';
import {
  ALIASES,
  CONTEXT_SENSES,
  MODIFIERS,
  NOISE_WORDS,
  STYLE_TERMS,
  type ModifierKind,
} from './vocabulary/words.js';

type Unit =
  | { kind: 'noun'; term: string }
  | { kind: 'modifier'; word: string; modifier: ModifierKind }
  /** A word of CONTEXT_SENSES, read once every label has been seen. */
  | { kind: 'contextual'; word: string }
  | { kind: 'unknown'; word: string };

/** What one label segment (a file name, a folder, one comma-separated label) says. */
interface Reading {
  head: string | undefined;
  /** The head with its modifiers and/or its source ("open cymbal", "dog bark"). */
  phrases: string[];
  /** The segment's other sound terms, in order. */
  nouns: string[];
  styles: string[];
  unknown: string[];
}

const AUDIO_EXTENSION = /\.(wav|flac|ogg|oga|opus|mp3|aiff?|m4a|wma|au|gsm|ulaw|alaw|sln\d*|g72[29]|txt|json|csv)$/i;
const NOTE_NAME = /^[a-g](#|b|s|sharp|flat)?(m|min|maj|dim|aug|sus)?$/;
const MAX_PHRASE_WORDS = 4;

/** Multi-word keys of the vocabulary, as their words joined by single spaces ("hi hat" → "hi-hat"). */
const PHRASES = new Map<string, string>();
for (const key of [...Object.keys(HYPERNYMS), ...Object.keys(ALIASES), ...Object.keys(MODIFIERS)]) {
  const spaced = key.replace(/-/g, ' ');
  if (spaced.includes(' ')) PHRASES.set(spaced, key);
}

/**
 * Clean tag words from labels, most specific first: the head noun, its phrases, the other sound words and styles,
 * their hypernyms, then unknown words that look like words (alphabetic, three letters or more, with a vowel).
 * `labels` go most specific first (file name, then its folders, then sidecar labels); a label may be a path
 * ("drums/hihat_closed01.ogg", read leaf first) or a comma-separated list.
 *
 *     tagsFromLabels(['drum_cymbal_open']) → ['cymbal', 'open cymbal', 'drum', 'percussion']
 */
export function tagsFromLabels(labels: readonly string[]): string[] {
  const segments = labels.flatMap((label) =>
    label.split(/[,;|]/).flatMap((piece) =>
      piece
        .trim()
        .replace(AUDIO_EXTENSION, '')
        .split(/[/\\]/)
        .reverse()
        .map((segment) => readSegment(splitWords(segment))),
    ),
  );
  resolveContext(segments);
  const readings = segments.map(analyse);
  const tags: string[] = [];
  const nouns: string[] = [];
  for (const r of readings) {
    const styleTerms = r.styles.flatMap((s) => STYLE_TERMS[s] ?? []);
    tags.push(...(r.head ? [r.head] : []), ...r.phrases, ...r.nouns, ...r.styles, ...styleTerms);
    nouns.push(...(r.head ? [r.head] : []), ...r.nouns, ...styleTerms);
  }
  for (const noun of nouns) tags.push(...hypernymsOf(noun));
  for (const r of readings) tags.push(...r.unknown);
  return [...new Set(tags)];
}

/** Lower-case words of a segment: split at punctuation, camelCase, and letter–digit boundaries ("blip2"). */
function splitWords(segment: string): string[] {
  return segment
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .replace(/'s\b/g, '')
    .split(/[^a-z0-9#]+/)
    .flatMap((w) => w.split(/(?<=[a-z#])(?=\d)|(?<=\d)(?=[a-z])/))
    .filter((w) => w !== '');
}

function readSegment(words: string[]): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < words.length; ) {
    const phrase = readPhrase(words, i);
    if (phrase) {
      units.push(phrase.unit);
      i += phrase.length;
      continue;
    }
    const word = words[i]!;
    // A lone "e" before an instrument is "electric" (LMMS's "e_piano"); elsewhere it is the note E ("guit_e_slide").
    const next = word === 'e' && i + 1 < words.length ? readWord(words[i + 1]!)[0] : undefined;
    if (next?.kind === 'noun' && soundClassOf(next.term) === 'instrument') {
      const electric = lexical(`electric ${next.term}`);
      units.push(...(electric ? [electric] : [lexical('electric')!, next]));
      i += 2;
      continue;
    }
    units.push(...readWord(word));
    i++;
  }
  return units;
}

/** The longest vocabulary phrase at word i: as written, with its last word singular, or (two words) reversed. */
function readPhrase(words: string[], i: number): { unit: Unit; length: number } | undefined {
  for (let n = Math.min(MAX_PHRASE_WORDS, words.length - i); n >= 2; n--) {
    const span = words.slice(i, i + n);
    const first = span.slice(0, -1).join(' ');
    for (const last of singularCandidates(span[n - 1]!)) {
      // "drum_bass_hard" names a bass drum: sample libraries put the category first.
      const keys = n === 2 ? [`${first} ${last}`, `${last} ${first}`] : [`${first} ${last}`];
      for (const key of keys) {
        const found = PHRASES.get(key);
        if (found) return { unit: lexical(found)!, length: n };
      }
    }
  }
  return undefined;
}

/** A vocabulary entry (term, alias or modifier) as a unit. */
function lexical(word: string): Unit | undefined {
  const canonical = ALIASES[word] ?? word;
  if (isTerm(canonical)) return { kind: 'noun', term: canonical };
  const modifier = MODIFIERS[canonical];
  return modifier ? { kind: 'modifier', word: canonical, modifier } : undefined;
}

const isNoise = (word: string): boolean =>
  word.length < 2 || /^[\d#]+$/.test(word) || NOTE_NAME.test(word) || NOISE_WORDS.has(word);

/** One word as zero, one or two units: known forms first (as written, singular, -ing or -ly stem), then noise. */
function readWord(word: string): Unit[] {
  const forms = [...singularCandidates(word), ...stems(word)];
  for (const form of forms) {
    if (Object.hasOwn(CONTEXT_SENSES, form)) return [{ kind: 'contextual', word: form }];
    const unit = lexical(form);
    if (unit) return [unit];
    if (isNoise(form)) return [];
  }
  const parts = splitCompound(word);
  if (parts) return parts;
  return /^[a-z]{3,}$/.test(word) && /[aeiouy]/.test(word) ? [{ kind: 'unknown', word: forms[0]! }] : [];
}

/** Stems a word may inflect: "barking" → bark, "slamming" → slam, "ringing" → ring, "loudly" → loud. */
function stems(word: string): string[] {
  if (word.length > 5 && word.endsWith('ing')) {
    const stem = word.slice(0, -3);
    return [stem, `${stem}e`, ...(/(.)\1$/.test(stem) ? [stem.slice(0, -1)] : [])];
  }
  return word.length > 4 && word.endsWith('ly') ? [word.slice(0, -2)] : [];
}

/** Run-together names of two known words: "bassloops", "technosynth", "cineboom", "stringsnpads" (n = 'n'). */
function splitCompound(word: string): Unit[] | undefined {
  for (let i = 3; i <= word.length - 3; i++) {
    const left = lexical(word.slice(0, i));
    if (!left) continue;
    for (const rest of [word.slice(i), ...(word[i] === 'n' ? [word.slice(i + 1)] : [])]) {
      const right = singularCandidates(rest).map(lexical).find((u) => u !== undefined);
      if (rest.length >= 3 && right) return [left, right];
    }
  }
  return undefined;
}

/** Gives each contextual word its sense, now that every label's terms are known. */
function resolveContext(segments: Unit[][]): void {
  const terms = segments.flat().flatMap((u) => (u.kind === 'noun' ? [u.term] : []));
  for (const units of segments) {
    units.forEach((unit, i) => {
      if (unit.kind !== 'contextual') return;
      const [context, sense, otherwise] = CONTEXT_SENSES[unit.word]!;
      const inContext = terms.some((t) => context.some((c) => isA(t, c)));
      const word = inContext ? sense : (otherwise ?? unit.word);
      units[i] = lexical(word) ?? { kind: 'unknown', word };
    });
  }
}

/**
 * The head is the segment's last sound noun (names put the category first: "drum_cymbal_open"), unless that is a
 * way of playing ("bass_hit"), which joins the noun before it. A sound that is also an action ("dog_bark") joins
 * its source too but stays the head. Modifiers make one phrase with the head, in English order.
 */
function analyse(units: Unit[]): Reading {
  const nouns = units.flatMap((u) => (u.kind === 'noun' ? [u.term] : []));
  const unknown = units.flatMap((u) => (u.kind === 'unknown' ? [u.word] : []));
  const modifiers = (kind: ModifierKind) =>
    units.flatMap((u) => (u.kind === 'modifier' && u.modifier === kind ? [u.word] : []));
  const styles = modifiers('style');
  const last = nouns[nouns.length - 1];
  if (last === undefined) return { head: undefined, phrases: [], nouns: [], styles, unknown };

  const source = nouns[nouns.length - 2];
  const joins = source !== undefined && (GENERIC_EVENTS.has(last) || Object.hasOwn(EVENT_VERBS, last));
  const head = joins && GENERIC_EVENTS.has(last) ? source : last;
  const base = joins ? `${source} ${last}` : head;
  // A modifier the phrase already says is left out ("acoustic" + "acoustic guitar", "drum and bass" + "bass").
  const baseWords = new Set(base.split(' '));
  const fresh = (words: string[]) => [...new Set(words)].filter((w) => !w.split(' ').some((x) => baseWords.has(x)));
  const [qualities, types] = [fresh(modifiers('quality')), fresh(modifiers('type'))];
  const full = [...qualities, ...fresh(styles), ...types, base].join(' ');
  const typed = qualities.length + fresh(styles).length > 0 && types.length > 0 ? [...types, base].join(' ') : base;
  const phrases = [...new Set([full, typed, base])].filter((p) => p !== head);
  const others = nouns.filter((n, i) => n !== head && !(joins && i === nouns.length - 1));
  return { head, phrases, nouns: others, styles, unknown };
}
