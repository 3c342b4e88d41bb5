// A training corpus from a data-build manifest: each clip with its audio path, its three caption granularities
// (long description, short caption, tags joined) and its tag-cluster group; the vocabulary of aurola's word
// tokenizer; and log-mel features of the clips, computed once per clip and kept.
import { dirname, resolve } from 'node:path';

import { decodeFile, fitDuration, toMono, type LogMelExtractor, type LogMelFeatures } from '@aurola/audio';
import { groupIds, readManifest, type Split } from '@aurola/data';
import { promptWords, splitWords } from '@aurola/text';

export interface CorpusClip {
  id: string;
  /** Absolute path of the 16 kHz mono audio. */
  audio: string;
  /** [long description, short caption, tags joined with ', ']. */
  captions: [string, string, string];
  /** Tag-cluster group (Hybrid-NCE extra positives when the tag caption is drawn); −1 for none. */
  group: number;
  source: string;
  firstTag: string;
}

/** The clips of one split (all splits when `split` is undefined), in manifest order. */
export async function loadCorpus(manifest: string, split?: Split): Promise<CorpusClip[]> {
  const records = (await readManifest(manifest)).filter((r) => split === undefined || r.split === split);
  const groups = groupIds(records.map((r) => r.tagClusters));
  const root = dirname(resolve(manifest));
  return records.map((r, i) => ({
    id: r.id,
    audio: resolve(root, r.audio),
    captions: [r.captionLong, r.captionShort, r.tags.join(', ')],
    group: groups[i]!,
    source: r.source,
    firstTag: r.tags[0] ?? r.source,
  }));
}

/** The prompts' words, then the words of the corpus's captions and `extraTexts` by frequency (ties alphabetical), at most `maxWords` in all. */
export function vocabularyOf(clips: readonly CorpusClip[], maxWords: number, extraTexts: readonly string[] = []): string[] {
  const counts = new Map<string, number>();
  for (const text of [...clips.flatMap((c) => c.captions), ...extraTexts]) for (const w of splitWords(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const base = promptWords();
  const rest = [...counts].filter(([w]) => !base.includes(w)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return [...base, ...rest.slice(0, Math.max(0, maxWords - base.length)).map(([w]) => w)];
}

/** Log-mel features of clips, decoded and computed on first use and kept (a corpus of 10 s clips at 80 bands costs 320 kB a clip). */
export class FeatureCache {
  private readonly cache = new Map<string, LogMelFeatures>();

  constructor(
    private readonly logMel: LogMelExtractor,
    private readonly maxDurationS: number,
  ) {}

  async of(path: string): Promise<LogMelFeatures> {
    let features = this.cache.get(path);
    if (!features) {
      const audio = await decodeFile(path);
      if (audio.sampleRate !== this.logMel.config.sampleRate) {
        throw new Error(`${path}: ${audio.sampleRate} Hz audio; the model reads ${this.logMel.config.sampleRate} Hz (build the corpus with data build)`);
      }
      features = this.logMel.compute(fitDuration(toMono(audio), audio.sampleRate, { maxS: this.maxDurationS }));
      this.cache.set(path, features);
    }
    return features;
  }

  /** The features of `paths`, in order, read one clip at a time: all at once would hold a file open per clip (EMFILE on a large corpus). */
  async ofAll(paths: readonly string[]): Promise<LogMelFeatures[]> {
    const out: LogMelFeatures[] = [];
    for (const path of paths) out.push(await this.of(path));
    return out;
  }
}
