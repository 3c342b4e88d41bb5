import { describe, expect, it } from 'vitest';

import { hardNegatives, judgeExamples, RERANK_PAIR_SHARES, type CorpusClip, type JudgeExample } from '../src/index.js';

const clip = (n: number): CorpusClip => ({
  id: `c${n}`,
  audio: `/audio/${n}.wav`,
  captions: [`long description ${n}`, `short caption ${n}`, `tag${n}`],
  group: -1,
  source: 's',
  firstTag: `tag${n}`,
});
const clips = [0, 1, 2, 3].map(clip);

// The query and the candidate of an example: t2a asks with the text for audio, a2t with the audio for a text.
const query = (e: JudgeExample) => (e.direction === 't2a' ? `text:${e.text}` : `audio:${e.audioOf}`);
const candidate = (e: JudgeExample) => (e.direction === 't2a' ? `audio:${e.audioOf}` : `text:${e.text}`);

describe('judgeExamples', () => {
  for (const direction of ['t2a', 'a2t'] as const) {
    for (const share of RERANK_PAIR_SHARES) {
      for (const granularity of [0, 1] as const) {
        it(`${direction}, the pair sharing its ${share}, caption ${granularity}: yes is the clip with its caption, no shares only the ${share}`, () => {
          const caption = clips[2]!.captions[granularity];
          const [yes, no] = judgeExamples(clips, 2, 3, granularity, direction, share);
          expect(yes).toEqual({ direction, text: caption, audioOf: 2, yes: true });
          expect(no.yes).toBe(false);
          expect(no.direction).toBe(direction);
          // The no example mixes the clip with its hard negative (clip 3): one side each, its text of the same
          // granularity as the yes's (no telling them apart by the kind of text).
          expect([no.audioOf === 3, no.text === clips[3]!.captions[granularity]].filter(Boolean)).toHaveLength(1);
          expect([clips[2]!.captions[granularity], clips[3]!.captions[granularity]]).toContain(no.text);
          const shared = share === 'query' ? query : candidate;
          const other = share === 'query' ? candidate : query;
          expect(shared(no)).toBe(shared(yes));
          expect(other(no)).not.toBe(other(yes));
        });
      }
    }
  }

  it('sharing the candidate makes every candidate a yes as often as a no, however skewed the negatives', () => {
    // Clip 0 is every clip's hard negative (a hub); each clip is an item once, in both directions.
    const negatives = [1, 0, 0, 0];
    for (const share of RERANK_PAIR_SHARES) {
      const balance = new Map<string, number>();
      for (const direction of ['t2a', 'a2t'] as const) {
        clips.forEach((_, i) => {
          for (const e of judgeExamples(clips, i, negatives[i]!, 1, direction, share)) {
            const key = `${direction} ${candidate(e)}`;
            balance.set(key, (balance.get(key) ?? 0) + (e.yes ? 1 : -1));
          }
        });
      }
      const skewed = [...balance.values()].some((v) => v !== 0);
      expect(skewed).toBe(share === 'query');
    }
  });
});

describe('hardNegatives', () => {
  it('takes the highest-scoring other clip, skipping the same first tag (other-tag) or the same short caption (nearest)', () => {
    const n = 5;
    // Clips 0 and 1 share their first tag; clips 2 and 3 their short caption.
    const kinds = [clip(0), { ...clip(1), firstTag: 'tag0' }, clip(2), { ...clip(3), captions: clip(2).captions }, clip(4)];
    const scores = Float32Array.from({ length: n * n }, () => Math.random());
    const bestOther = (i: number, allowed: (j: number) => boolean) => {
      let best = -1;
      for (let j = 0; j < n; j++) if (j !== i && allowed(j) && (best < 0 || scores[i * n + j]! > scores[i * n + best]!)) best = j;
      return best;
    };
    const otherTag = hardNegatives(kinds, scores, 'other-tag');
    const nearest = hardNegatives(kinds, scores, 'nearest');
    for (let i = 0; i < n; i++) {
      expect(otherTag[i]).toEqual([bestOther(i, (j) => kinds[j]!.firstTag !== kinds[i]!.firstTag)]);
      expect(nearest[i]).toEqual([bestOther(i, (j) => kinds[j]!.captions[1] !== kinds[i]!.captions[1])]);
    }
    expect(otherTag[0]).not.toContain(1);
    expect(nearest[2]).not.toContain(3);
  });

  it('a pool holds the clip\'s best allowed clips, best first, as sorting all of them would give', () => {
    const n = 40;
    // Four kinds of sound, ten clips each; scores on a coarse grid so that ties occur.
    const kinds = Array.from({ length: n }, (_, i) => ({ ...clip(i), firstTag: `tag${i % 4}` }));
    const scores = Float32Array.from({ length: n * n }, () => Math.round(Math.random() * 20) / 20);
    for (const pool of [1, 3, 10, 30, 40]) {
      const mined = hardNegatives(kinds, scores, 'other-tag', pool);
      for (let i = 0; i < n; i++) {
        const allowed = [...Array(n).keys()].filter((j) => kinds[j]!.firstTag !== kinds[i]!.firstTag);
        // A stable sort keeps the earlier clip first among equal scores, as the single hardest negative always did.
        const sorted = allowed.sort((a, b) => scores[i * n + b]! - scores[i * n + a]!);
        expect(mined[i]).toEqual(sorted.slice(0, pool));
      }
    }
  });

  it('refuses a pool that is not a positive integer', () => {
    const scores = new Float32Array(clips.length ** 2);
    for (const pool of [0, -1, 2.5, Number.NaN]) expect(() => hardNegatives(clips, scores, 'nearest', pool)).toThrow(/positive integer/);
  });
});
