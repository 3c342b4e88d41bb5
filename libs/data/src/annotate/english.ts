// Small pieces of English grammar for tags and captions: singular and plural, "a" or "an", number words, and
// sentence casing. Rules cover the vocabulary of sound labels, not English at large.

/** Nouns already plural, or the same in both numbers ("maracas", "sheep"). */
const INVARIANT = new Set([
  'maracas', 'claves', 'castanets', 'timpani', 'strings', 'harmonics', 'tubular bells', 'scissors', 'keys',
  'sheep', 'aircraft', 'fish',
]);
/** Nouns that take no article and no plural in a caption ("rain falls", "applause breaks out"). */
const MASS = new Set([
  'speech', 'applause', 'rain', 'water', 'wind', 'thunder', 'music', 'ambience', 'noise', 'white noise', 'static',
  'hiss', 'laughter', 'chatter', 'percussion', 'traffic', 'silence', 'singing', 'fire', 'hail', 'birdsong',
  'room tone', 'fret noise', 'sea', 'brass',
]);
const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  man: 'men',
  woman: 'women',
  child: 'children',
  person: 'people',
  mouse: 'mice',
  goose: 'geese',
  foot: 'feet',
  wolf: 'wolves',
  knife: 'knives',
};
const IRREGULAR_SINGULARS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(IRREGULAR_PLURALS).map(([s, p]) => [p, s]),
);

/**
 * Possible singulars of a word, most likely first; the word itself comes first when it may already be singular.
 * Callers keep the first one they know ("echoes" → echo, "chimes" → chime, "glasses" → glass).
 */
export function singularCandidates(word: string): string[] {
  const irregular = IRREGULAR_SINGULARS[word];
  if (irregular) return [irregular];
  if (INVARIANT.has(word) || word.length < 4 || !word.endsWith('s') || /(ss|us|is)$/.test(word)) return [word];
  const out: string[] = [];
  if (word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (/(sses|xes|zzes|ches|shes|oes)$/.test(word)) out.push(word.slice(0, -2));
  out.push(word.slice(0, -1), word);
  return out;
}

/** Plural of a noun phrase: its last word is inflected ("open cymbal" → "open cymbals"). */
export function pluralize(phrase: string): string {
  if (INVARIANT.has(phrase) || MASS.has(phrase)) return phrase;
  const space = phrase.lastIndexOf(' ');
  const head = phrase.slice(space + 1);
  const before = phrase.slice(0, space + 1);
  if (INVARIANT.has(head) || MASS.has(head)) return phrase;
  const irregular = IRREGULAR_PLURALS[head];
  if (irregular) return before + irregular;
  if (/[^aeiou]y$/.test(head)) return `${before}${head.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(head)) return `${before}${head}es`;
  return `${before}${head}s`;
}

/** Whether the phrase names something uncountable, which takes no article ("rain", "applause"). */
export const isMass = (phrase: string): boolean =>
  MASS.has(phrase) || MASS.has(phrase.slice(phrase.lastIndexOf(' ') + 1));

/** Whether the phrase is plural in form and takes a plural verb ("maracas are shaken"). */
export function isPlural(phrase: string): boolean {
  const head = phrase.slice(phrase.lastIndexOf(' ') + 1);
  return (INVARIANT.has(phrase) || INVARIANT.has(head)) && head.endsWith('s');
}

// Vowel letters that sound like a consonant ("a unit", "a European", "a one-shot") and silent h ("an hour").
const CONSONANT_SOUND = /^(uni|use|usu|uti|ura|uro|eu|ewe|one\b|once|u[bcdfgkpstvz][aeiou])/;
const VOWEL_SOUND = /^(hour|honest|honou?r|heir)/;
// Letters read by name starting with a vowel sound: "an FM synth", "an MP3".
const VOWEL_LETTERS = new Set([...'aefhilmnorsx']);

/** "a" or "an" for the word that follows. */
export function indefiniteArticle(next: string): 'a' | 'an' {
  const word = next.trimStart();
  // Initialisms and note names are read letter by letter ("an FM synth", "an F#4").
  if (/^([A-Z]{2,}|[A-Z](?=[-#\d]))/.test(word)) return VOWEL_LETTERS.has(word[0]!.toLowerCase()) ? 'an' : 'a';
  // "an 8", "an 808", "an 11", "an 18000"; "a 180".
  if (/^\d/.test(word)) return /^(8|1[18](\d{3})*(?!\d))/.test(word) ? 'an' : 'a';
  const lower = word.toLowerCase();
  if (VOWEL_SOUND.test(lower)) return 'an';
  if (CONSONANT_SOUND.test(lower)) return 'a';
  return /^[aeiou]/.test(lower) ? 'an' : 'a';
}

/** The phrase with its indefinite article ("an open cymbal"). */
export const withArticle = (phrase: string): string => `${indefiniteArticle(phrase)} ${phrase}`;

const NUMBER_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty',
];

/** Small whole numbers in words, as captions write them; larger ones in digits. */
export const numberWord = (n: number): string => NUMBER_WORDS[n] ?? String(n);

/** "two hits", "one hit". */
export const counted = (n: number, noun: string): string => `${numberWord(n)} ${n === 1 ? noun : pluralize(noun)}`;

export const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** "a", "a and b", "a, b and c". */
export function listJoin(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** Words in a text (runs of characters between spaces that hold a letter or digit). */
export const wordCount = (text: string): number => text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
