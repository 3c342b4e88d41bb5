import { describe, expect, it } from 'vitest';
import { makeRng, pick } from '../src/annotate/rng.js';
import type { ClipRecord, Split } from '../src/manifest.js';
import { assignSplits, checkSplitInvariant, drawHeldOutCategories, type SplitOptions } from '../src/splits/index.js';
import { testClip } from './helpers.js';

const CATEGORIES = ['bell', 'dog', 'drum', 'piano', 'rain', 'speech', 'siren', 'car', 'bird', 'guitar'];
const FRACTIONS = { train: 0.8, validation: 0.1, test: 0.1 };

/**
 * `n` base clips (some their own recording, some cut from shared long recordings) plus `mixtures` clips, each
 * mixing 2–3 random base clips and listing all their recordings, tagged with its first part's tags.
 */
function randomCorpus(n: number, mixtures: number, seed: number): ClipRecord[] {
  const rng = makeRng(seed);
  const base = Array.from({ length: n }, (_, i) => {
    const tags = [pick(rng, CATEGORIES), 'sound'];
    return rng() < 0.3 ? testClip(`b${i}`, tags, [`long-${Math.floor(rng() * n * 0.1)}`]) : testClip(`b${i}`, tags);
  });
  const mixed = Array.from({ length: mixtures }, (_, i) => {
    const parts = Array.from({ length: 2 + Math.floor(rng() * 2) }, () => pick(rng, base));
    return testClip(`m${i}`, parts[0]!.tags, [...new Set(parts.flatMap((p) => p.recordings ?? [p.id]))]);
  });
  return [...base, ...mixed];
}

const splitsOf = (records: ClipRecord[]): Split[] => records.map((r) => r.split);

describe('assignSplits', () => {
  it('never lets a recording cross splits, over random corpora with mixtures', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const records = randomCorpus(600, 60, seed);
      assignSplits(records, { seed, fractions: FRACTIONS, heldOutCategories: 2 });
      expect(checkSplitInvariant(records)).toEqual([]);
    }
  });

  it('keeps a chain of clips linked by shared recordings together', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const records = [
        testClip('a', ['dog']),
        testClip('b', ['bell']),
        testClip('ab', ['dog'], ['a', 'b']),
        testClip('c1', ['drum'], ['long']),
        testClip('c2', ['drum'], ['long', 'b']),
        ...Array.from({ length: 20 }, (_, i) => testClip(`x${i}`, ['rain'])),
      ];
      assignSplits(records, { seed, fractions: { train: 0.4, validation: 0.3, test: 0.3 } });
      expect(new Set(records.slice(0, 5).map((r) => r.split)).size).toBe(1);
    }
  });

  it('meets the fractions on a large corpus', () => {
    const records = randomCorpus(20_000, 1_000, 9);
    const summary = assignSplits(records, { seed: 9, fractions: FRACTIONS });
    for (const split of ['train', 'validation', 'test'] as const) {
      expect(Math.abs(summary.counts[split] / records.length - FRACTIONS[split])).toBeLessThan(0.01);
      expect(records.filter((r) => r.split === split).length).toBe(summary.counts[split]);
    }
    expect(summary.largestComponent).toBeLessThan(100);
  });

  it('puts held-out categories in test only, and no train clip uses their recordings', () => {
    const records = randomCorpus(3_000, 300, 4);
    const summary = assignSplits(records, { seed: 4, fractions: FRACTIONS, heldOutCategories: 2 });
    expect(summary.heldOut).toHaveLength(2);
    const heldOut = records.filter((r) => summary.heldOut.includes(r.tags[0]!));
    expect(heldOut.length).toBeGreaterThan(0);
    expect(heldOut.every((r) => r.split === 'test')).toBe(true);
    const heldOutRecordings = new Set(heldOut.flatMap((r) => r.recordings ?? [r.id]));
    const train = records.filter((r) => r.split === 'train');
    expect(train.some((r) => (r.recordings ?? [r.id]).some((rec) => heldOutRecordings.has(rec)))).toBe(false);
    expect(train.some((r) => summary.heldOut.includes(r.tags[0]!))).toBe(false);
  });

  it('holds out named categories, using categoryOf', () => {
    const records = randomCorpus(500, 0, 2).map((r, i) => ({ ...r, source: i % 2 ? 'lmms' : 'sonic-pi' }));
    const summary = assignSplits(records, {
      seed: 1,
      fractions: FRACTIONS,
      heldOutCategories: ['lmms'],
      categoryOf: (r) => r.source,
    });
    expect(summary.heldOut).toEqual(['lmms']);
    expect(records.every((r) => r.source === 'sonic-pi' || r.split === 'test')).toBe(true);
  });

  it('is deterministic for a seed and varies with it', () => {
    const run = (seed: number, heldOutCategories: number): Split[] => {
      const records = randomCorpus(1_000, 100, 3);
      assignSplits(records, { seed, fractions: FRACTIONS, heldOutCategories });
      return splitsOf(records);
    };
    expect(run(7, 1)).toEqual(run(7, 1));
    expect(run(7, 0)).not.toEqual(run(8, 0));
  });

  it('rejects bad fractions and unknown or too many held-out categories', () => {
    const records = randomCorpus(50, 0, 1);
    const bad: Partial<SplitOptions>[] = [
      { fractions: { train: 0.8, validation: 0.1, test: 0.2 } },
      { fractions: { train: 1.1, validation: -0.1, test: 0 } },
      { heldOutCategories: ['no such category'] },
      { heldOutCategories: CATEGORIES.length + 1 },
      { heldOutCategories: 1.5 },
    ];
    for (const options of bad) {
      expect(() => assignSplits(records, { seed: 1, fractions: FRACTIONS, ...options })).toThrow(RangeError);
    }
  });

  it('leaves a split with fraction 0 empty', () => {
    const records = randomCorpus(300, 30, 6);
    const summary = assignSplits(records, { seed: 6, fractions: { train: 0.9, validation: 0, test: 0.1 } });
    expect(summary.counts.validation).toBe(0);
  });
});

describe('checkSplitInvariant', () => {
  it('finds planted violations', () => {
    const records = [
      { ...testClip('a', ['dog']), split: 'train' as const },
      { ...testClip('b', ['bell']), split: 'test' as const },
      { ...testClip('ab', ['dog'], ['a', 'b']), split: 'validation' as const },
      { ...testClip('c', ['drum'], ['long']), split: 'train' as const },
      { ...testClip('d', ['drum'], ['long']), split: 'train' as const },
    ];
    expect(checkSplitInvariant(records)).toEqual([
      { recording: 'a', splits: ['train', 'validation'], clips: ['a', 'ab'] },
      { recording: 'b', splits: ['validation', 'test'], clips: ['b', 'ab'] },
    ]);
  });

  it('finds a mixture moved out of its split after assignment', () => {
    const records = randomCorpus(400, 40, 8);
    assignSplits(records, { seed: 8, fractions: FRACTIONS });
    const mixture = records.find((r) => r.id.startsWith('m'))!;
    mixture.split = mixture.split === 'train' ? 'test' : 'train';
    const violations = checkSplitInvariant(records);
    expect(violations.map((v) => v.recording).sort()).toEqual([...mixture.recordings!].sort());
    expect(violations.every((v) => v.clips.includes(mixture.id))).toBe(true);
  });
});

describe('assignSplits strata', () => {
  it('splits each source to the fractions, so big recordings of one source are not all dealt to train', () => {
    const records: ClipRecord[] = [];
    const groups = 20 + Math.floor(Math.random() * 20);
    for (let g = 0; g < groups; g++) {
      for (let n = 0; n < 12; n++) records.push({ ...testClip(`gm${g}-${n}`, ['note'], [`program-${g}`]), source: 'gm' });
    }
    const singles = 400 + Math.floor(Math.random() * 400);
    for (let i = 0; i < singles; i++) records.push({ ...testClip(`s${i}`, ['speech']), source: 'speech' });
    assignSplits(records, { seed: Math.random(), fractions: FRACTIONS });
    expect(checkSplitInvariant(records)).toEqual([]);
    for (const [source, size, unit] of [['gm', groups * 12, 12], ['speech', singles, 1]] as const) {
      for (const split of ['train', 'validation', 'test'] as const) {
        const n = records.filter((r) => r.source === source && r.split === split).length;
        expect(Math.abs(n - FRACTIONS[split] * size), `${source} ${split}`).toBeLessThanOrEqual(unit);
      }
    }
  });
});

describe('drawHeldOutCategories', () => {
  it('draws categories of a reasonable size until the share is reached, deterministically', () => {
    // One huge category, many mid-sized ones, and singletons.
    const records: ClipRecord[] = [];
    for (let i = 0; i < 300; i++) records.push(testClip(`big${i}`, ['speech']));
    const sizes = new Map<string, number>();
    for (let c = 0; c < 60; c++) {
      const n = 2 + Math.floor(Math.random() * 8);
      sizes.set(`cat${c}`, n);
      for (let i = 0; i < n; i++) records.push(testClip(`c${c}-${i}`, [`cat${c}`]));
    }
    for (let i = 0; i < 20; i++) records.push(testClip(`one${i}`, [`single${i}`]));
    const seed = Math.floor(Math.random() * 1e6);
    const drawn = drawHeldOutCategories(records, { seed, share: 0.1, maxCategoryShare: 0.02 });
    expect(drawn).toEqual(drawHeldOutCategories(records, { seed, share: 0.1, maxCategoryShare: 0.02 }));
    expect(drawn).toEqual([...drawn].sort());
    expect(drawn).not.toContain('speech'); // too big to vanish from training
    expect(drawn.some((c) => c.startsWith('single'))).toBe(false); // a single clip is not a category
    const held = drawn.reduce((s, c) => s + sizes.get(c)!, 0);
    const largest = Math.max(...drawn.map((c) => sizes.get(c)!));
    expect(held).toBeGreaterThanOrEqual(0.1 * records.length);
    expect(held - largest).toBeLessThan(0.1 * records.length); // stops as soon as the share is reached
    const summary = assignSplits(records, { seed, fractions: FRACTIONS, heldOutCategories: drawn });
    expect(summary.heldOut).toEqual(drawn);
    for (const r of records) if (drawn.includes(r.tags[0]!)) expect(r.split).toBe('test');
  });

  it('rejects a share outside [0, 1]', () => {
    expect(() => drawHeldOutCategories([], { seed: 1, share: 1.5 })).toThrow(RangeError);
  });
});
