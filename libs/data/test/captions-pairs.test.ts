// Stage-1 text pairs: paraphrases of one clip (long ↔ short ↔ tags), the SimCSE NLI CSV, AudioCaps val paraphrases.
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import type { ClipRecord } from '../src/manifest.js';
import { loadAudioCapsCaptionGroups, loadAudioCapsParaphrases, loadNliPairs, paraphrasePairs, type TextPair } from '../src/captions/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/captions/${name}`, import.meta.url));
const norm = (t: string) => t.trim().toLowerCase().replace(/\s+/g, ' ');
const noSelfPairs = (pairs: TextPair[]) => pairs.every((p) => norm(p.anchor) !== norm(p.positive));

function record(id: string, captionLong: string, captionShort: string, tags: string[]): ClipRecord {
  return {
    id,
    audio: `${id}.wav`,
    durationS: 1,
    source: 'test',
    license: 'CC0-1.0',
    captionLong,
    captionShort,
    tags,
    tagClusters: [],
    split: 'train',
  };
}

describe('paraphrasePairs', () => {
  it('pairs long, short and tags of each clip: 3 distinct texts give 3 pairs, never a text with itself', () => {
    const pairs = paraphrasePairs([
      record('a', 'A dog barks twice in a quiet yard.', 'A dog barks.', ['dog', 'bark']),
      record('b', 'Rain on a tin roof.', 'rain on a tin  roof.', ['rain', 'roof']),
      record('c', 'A bell.', 'A bell.', []),
    ]);
    expect(pairs).toEqual([
      { anchor: 'A dog barks twice in a quiet yard.', positive: 'A dog barks.' },
      { anchor: 'A dog barks twice in a quiet yard.', positive: 'dog, bark' },
      { anchor: 'A dog barks.', positive: 'dog, bark' },
      { anchor: 'Rain on a tin roof.', positive: 'rain, roof' },
    ]);
    expect(noSelfPairs(pairs)).toBe(true);
  });
});

describe('loadNliPairs', () => {
  it('reads anchor, positive and hard negative, the latter only when given', async () => {
    expect(await loadNliPairs(fixture('nli_for_simcse.csv'))).toEqual([
      {
        anchor: 'A man, wearing a hat, plays guitar.',
        positive: 'A man plays an instrument.',
        hardNegative: 'A woman sleeps.',
      },
      { anchor: 'She said "yes" loudly.', positive: 'She agreed out loud.', hardNegative: 'She said "no".' },
      { anchor: 'Two dogs run on a beach.', positive: 'Animals are outside.' },
    ]);
  });

  it('names the file and line of an empty sentence', async () => {
    await expect(loadNliPairs(fixture('nli_bad.csv'))).rejects.toThrow(/nli_bad\.csv:3: empty "sent0"$/);
  });
});

describe('loadAudioCapsParaphrases', () => {
  it('gives n(n-1)/2 pairs per clip of n distinct captions, without repeats across clips', async () => {
    const pairs = await loadAudioCapsParaphrases(fixture('audiocaps_val.csv'));
    // Clip 1: 5 distinct captions → 10; clip 2: 5 captions, one a repeat → 4 → 6; clip 3: 5 → 10, less the pair
    // ("A man speaks", "A man talks near ducks") that clip 1 already gave → 9.
    expect(pairs).toHaveLength(10 + 6 + 9);
    expect(noSelfPairs(pairs)).toBe(true);
    const keys = pairs.map((p) => [norm(p.anchor), norm(p.positive)].sort().join('|'));
    expect(new Set(keys).size).toBe(pairs.length);
    expect(pairs[0]).toEqual({ anchor: 'Ducks quack, water splashes', positive: 'A man speaks' });
    expect(pairs.filter((p) => p.anchor === 'A man speaks' && p.positive === 'A man talks near ducks')).toHaveLength(1);
  });
});

describe('loadAudioCapsCaptionGroups', () => {
  it("gives each clip's distinct captions, in file order", async () => {
    const groups = await loadAudioCapsCaptionGroups(fixture('audiocaps_val.csv'));
    expect(groups.map((g) => g.length)).toEqual([5, 4, 5]);
    expect(groups[0]![0]).toBe('Ducks quack, water splashes');
    for (const group of groups) expect(new Set(group.map(norm)).size).toBe(group.length);
  });
});
