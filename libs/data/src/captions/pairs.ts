// Stage-1 text pairs (DESIGN.md §2): caption paraphrases of one clip, the SimCSE NLI CSV, and the human paraphrases
// of the AudioCaps val file (five captions per clip).
import type { ClipRecord } from '../manifest.js';
import { readAudioCapsClips } from './audiocaps.js';
import { readCsvRecords } from './csv.js';
import { requiredText } from './common.js';

/** Two texts that mean the same; NLI triplets add a contradiction as a hard negative. */
export interface TextPair {
  anchor: string;
  positive: string;
  hardNegative?: string;
}

const sameText = (text: string) => text.trim().toLowerCase().replace(/\s+/g, ' ');

/** The distinct texts (compared case- and white-space-insensitively; the first kept), in order. */
function distinctTexts(texts: readonly string[]): string[] {
  const firsts = new Map<string, string>();
  for (const text of texts) if (!firsts.has(sameText(text))) firsts.set(sameText(text), text);
  return [...firsts.values()];
}

/** Every unordered pair of distinct texts, in order. */
function allPairs(texts: readonly string[]): TextPair[] {
  const distinct = distinctTexts(texts);
  return distinct.flatMap((anchor, i) => distinct.slice(i + 1).map((positive) => ({ anchor, positive })));
}

/** Pairs among the long description, the short caption and the tags (joined with ', ') of each clip. */
export function paraphrasePairs(records: readonly ClipRecord[]): TextPair[] {
  return records.flatMap((r) => allPairs([r.captionLong, r.captionShort, r.tags.join(', ')].filter((t) => t !== '')));
}

/** The SimCSE NLI CSV (`sent0,sent1,hard_neg`; the hard_neg column may be absent). */
export async function loadNliPairs(csvPath: string): Promise<TextPair[]> {
  return (await readCsvRecords(csvPath, ['sent0', 'sent1'])).map(({ line, values }) => {
    const hardNegative = values.hard_neg?.trim();
    return {
      anchor: requiredText(csvPath, line, 'sent0', values.sent0),
      positive: requiredText(csvPath, line, 'sent1', values.sent1),
      ...(hardNegative ? { hardNegative } : {}),
    };
  });
}

/**
 * The distinct captions of each clip of an AudioCaps CSV that has two or more: groups of paraphrases, in file order
 * (a training step draws two of one group, and never two groups' texts as each other's positives).
 */
export async function loadAudioCapsCaptionGroups(csvPath: string): Promise<string[][]> {
  return (await readAudioCapsClips(csvPath)).map(({ captions }) => distinctTexts(captions)).filter((g) => g.length >= 2);
}

/**
 * All pairs among the captions of each clip of an AudioCaps CSV (use val: test stays clean for evaluation), repeated
 * captions and repeated pairs dropped: n distinct captions give n(n-1)/2 pairs.
 */
export async function loadAudioCapsParaphrases(csvPath: string): Promise<TextPair[]> {
  const seen = new Set<string>();
  return (await loadAudioCapsCaptionGroups(csvPath)).flatMap((captions) =>
    allPairs(captions).filter(({ anchor, positive }) => {
      const key = [sameText(anchor), sameText(positive)].sort().join('\n');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  );
}
