// What every public caption-set loader yields, and how an item becomes a multi-granular ClipRecord draft.
import type { ClipRecord } from '../manifest.js';

/** One clip of a public caption set (Clotho, AudioCaps, WavCaps, Auto-ACD). Its audio is not read here. */
export interface CaptionSetItem {
  /** Unique across caption sets: the set's name, a colon, the set's own clip name. */
  id: string;
  /** `${audioDir}/${file}` */
  audio: string;
  /** e.g. 'clotho-v2', 'audiocaps', 'wavcaps:FreeSound', 'auto-acd' */
  source: string;
  /** SPDX-style licence of the recording; 'NOASSERTION' when the caption set does not say. */
  license: string;
  /** All captions of the clip, human or automatic, in file order, trimmed, none empty. */
  captions: string[];
  /** A free-text description of the recording (WavCaps: the original Freesound/BBC/SoundBible text). */
  description?: string;
  /** Keywords or tags the caption set gives (Clotho metadata, WavCaps FreeSound). */
  keywords?: string[];
  /** Given by some sets (WavCaps); otherwise it must be measured from the audio. */
  durationS?: number;
  /** The source recording, e.g. 'youtube:vfY_TJq7n_U' or 'freesound:180913', for splits by recording. */
  recording?: string;
}

/**
 * A ClipRecord without its split (assigned later by the splitter) and, when the caption set does not give one,
 * without its duration. **durationS must then be measured from the audio file** before the record enters a
 * manifest: it is never guessed here.
 */
export type ClipDraft = Omit<ClipRecord, 'durationS' | 'split'> & { durationS?: number };

/**
 * Multi-granular drafts: captionLong = the longest of the captions and the description, captionShort = the shortest
 * caption, tags = the item's keywords, else nouns picked from its captions (see captionTags).
 */
export function clipDrafts(items: readonly CaptionSetItem[]): ClipDraft[] {
  return items.map((item) => {
    const byLength = [...item.captions].sort((a, b) => a.length - b.length);
    const longest = [byLength.at(-1)!, item.description ?? ''].reduce((a, b) => (b.length > a.length ? b : a));
    const keywords = normaliseTags(item.keywords ?? []);
    return {
      id: item.id,
      audio: item.audio,
      ...(item.durationS === undefined ? {} : { durationS: item.durationS }),
      source: item.source,
      license: item.license,
      captionLong: longest,
      captionShort: byLength[0]!,
      tags: keywords.length > 0 ? keywords : captionTags(item.captions),
      tagClusters: [],
      ...(item.recording === undefined ? {} : { recordings: [item.recording] }),
    };
  });
}

/** Lower-cased, trimmed, inner white space collapsed, empties and repeats dropped. */
export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase().replace(/\s+/g, ' ')).filter((t) => t !== ''))];
}

// Words that are never tags: function words, and the verbs, adjectives and adverbs common in audio captions.
const STOP_WORDS = new Set(
  `a an the and or but nor so yet of in on at to from by with without into onto over under above below between
  through during before after while then than as about against along around behind beyond near off out up down
  across toward towards upon within is are was were be been being am has have had having do does did doing it its
  this that these those there here they them their he him his she her we us our you your i me my one two three four
  once twice some several many much more most few other another each every all any both either neither no not only
  very too also just still again away back together when where which who whom whose what how why can could will
  would shall should may might must sound sounds noise noises something someone somebody thing things background
  foreground distance distant nearby loud loudly soft softly quiet quietly small large big little long short high
  low fast slow slowly quickly rapidly repeatedly continuously constantly briefly heavy light multiple various
  different same faint clear quick steady constant intermittent occasional makes make making made produces produce
  producing creates create creating plays play playing played talks talk talking speaks speak speaking spoken says
  say saying goes go going comes come coming gets get getting followed follows follow following occurs occur
  occurring happens happen heard hear hearing hears
  `.split(/\s+/),
);

/**
 * Tags picked from captions by a simple noun filter: words of three letters or more that are not stop words and do
 * not look like verb forms or adverbs (-ing, -ed, -ly), plurals folded to the singular; the most frequent first
 * (ties in order of first appearance), at most `max`. Captions with no such word ("clanging and clanking sounds")
 * fall back to the -ing/-ed/-ly words, which in sound captions are mostly events.
 */
export function captionTags(captions: readonly string[], max = 5): string[] {
  const nouns = countWords(captions, true);
  return [...(nouns.size > 0 ? nouns : countWords(captions, false)).entries()]
    .sort((a, b) => b[1] - a[1]) // stable: ties keep their first-appearance order
    .slice(0, max)
    .map(([word]) => word);
}

function countWords(captions: readonly string[], nounsOnly: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const caption of captions) {
    for (const word of caption.toLowerCase().match(/[a-z][a-z']*/g) ?? []) {
      if (word.length < 3 || STOP_WORDS.has(word) || word.includes("'")) continue;
      if (nounsOnly && /(ing|ed|ly)$/.test(word)) continue;
      const noun = singular(word);
      counts.set(noun, (counts.get(noun) ?? 0) + 1);
    }
  }
  return counts;
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ches|shes|sses|xes)$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is|as|os)$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * SPDX id of a Creative Commons licence URL as Freesound gives them
 * ('http://creativecommons.org/licenses/by/3.0/' → 'CC-BY-3.0', '.../publicdomain/zero/1.0/' → 'CC0-1.0');
 * other text is returned trimmed, empty text as 'NOASSERTION'.
 */
export function licenseFromUrl(text: string): string {
  const value = text.trim();
  if (/publicdomain\/zero\/1\.0/i.test(value)) return 'CC0-1.0';
  const cc = /creativecommons\.org\/licenses\/([a-z+-]+)\/(\d\.\d)/i.exec(value);
  if (cc) {
    const kind = cc[1]!.toLowerCase();
    return kind === 'sampling+' ? `LicenseRef-CC-Sampling-Plus-${cc[2]}` : `CC-${kind.toUpperCase()}-${cc[2]}`;
  }
  return value === '' ? 'NOASSERTION' : value;
}
