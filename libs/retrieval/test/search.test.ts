import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';
import { OnnxMllmBackbone, WorkerBackbone, randomModel, writeModelDirectory } from '@aurola/backbone';
import { ClipIndex, type ClipMetadata } from '@aurola/index';

import { SearchError, Searcher } from '../src/index.js';

const WORDS = ['dog', 'barks', 'rain', 'falls', 'car', 'passes', 'bell', 'rings', 'loud', 'soft', 'a', 'the'];
const root = mkdtempSync(join(tmpdir(), 'aurola-search-'));
const rng = makeRng('search-test');
const sentence = () => Array.from({ length: 2 + Math.floor(rng() * 4) }, () => WORDS[Math.floor(rng() * WORDS.length)]).join(' ');

let backbone: OnnxMllmBackbone;
let index: ClipIndex;
let searcher: Searcher;
const audioOf = new Map<string, Float32Array>();
const N = 24;

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

beforeAll(async () => {
  const dir = join(root, 'model');
  await writeModelDirectory(dir, randomModel({ seed: 11, words: WORDS }));
  backbone = await OnnxMllmBackbone.load(dir, { threads: 1 });
  index = ClipIndex.create(join(root, 'index'), { dim: backbone.dim, dtype: 'f32', model: backbone.name });
  // No text cache: these tests repeat texts and observe how every query reaches the model.
  searcher = new Searcher(backbone, index, { alpha: { t2a: 0.5, a2t: 0.25 }, loadAudio: async (clip) => audioOf.get(clip.id)!, textCache: 0 });
  const items = Array.from({ length: N }, (_, i) => {
    const audio = new Float32Array(3200 + 400 * (i % 7)).map(() => (rng() - 0.5) * 0.3);
    const id = `clip-${i}`;
    audioOf.set(id, audio);
    const meta: ClipMetadata = {
      path: join(root, `${id}.wav`),
      durationS: audio.length / 16000,
      source: i % 2 ? 'odd' : 'even',
      license: 'CC0-1.0',
      captions: Array.from({ length: 1 + (i % 2) }, sentence),
      tags: i % 3 === 0 ? ['third'] : [],
      contentHash: `hash-${i}`,
    };
    return { id, audio, meta };
  });
  await searcher.addClips(items.slice(0, 10));
  await searcher.addClips(items.slice(10));
});

afterAll(async () => {
  await searcher?.close();
  index?.close();
  await backbone?.close();
});

/** Every clip's similarity to a query vector, best first (the brute-force reference). */
async function bruteForce(query: ArrayLike<number>, allowed: (i: number) => boolean = () => true) {
  const ids = [...audioOf.keys()];
  const e = await backbone.embedAudio(ids.map((id) => audioOf.get(id)!));
  const d = backbone.dim;
  return ids
    .map((id, i) => ({ id, score: dot(query, (e.data as Float32Array).subarray(i * d, (i + 1) * d)) }))
    .filter((_, i) => allowed(i))
    .sort((a, b) => b.score - a.score);
}

describe('Searcher', () => {
  it('ranks clips for a text as the brute force over backbone embeddings does', async () => {
    const text = 'a dog barks';
    const hits = await searcher.search({ text }, { k: 5 });
    const q = (await backbone.embedText([text])).data as Float32Array;
    const expected = (await bruteForce(q)).slice(0, 5);
    expect(hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
    hits.forEach((h, i) => {
      expect(h.similarity).toBeCloseTo(expected[i]!.score, 4);
      expect(h.score).toBe(h.similarity);
      expect(h.pYes).toBeUndefined();
      expect(h.clip.id).toBe(h.id);
    });
  });

  it('batches concurrent queries into one flush and answers each as alone', async () => {
    const texts = ['rain falls', 'a car passes', 'the bell rings', 'loud dog', 'soft rain'];
    const alone = [];
    for (const text of texts) alone.push(await searcher.search({ text }, { k: 4 }));
    const before = searcher.stats().batches;
    const together = await Promise.all(texts.map((text, i) => searcher.search({ text }, { k: 4, ...(i === 2 ? { filter: { source: 'odd' } } : {}) })));
    expect(searcher.stats().batches).toBe(before + 1);
    together.forEach((hits, i) => {
      if (i === 2) expect(hits.every((h) => h.clip.source === 'odd')).toBe(true);
      else expect(hits.map((h) => h.id)).toEqual(alone[i]!.map((h) => h.id));
    });
  });

  it('holds the queries that arrive while a batch embeds and sends them together as the next batch', async () => {
    const before = searcher.stats().batches;
    const first = searcher.search({ text: 'a dog barks' }, { k: 3 });
    await new Promise((r) => setImmediate(r)); // the first batch (one query) is flushed and embedding
    const later = ['rain falls', 'the bell rings', 'a car passes'].map((text) => searcher.search({ text }, { k: 3 }));
    expect(searcher.stats().queued).toBe(3);
    await Promise.all([first, ...later]);
    expect(searcher.stats().batches).toBe(before + 2);
    expect(searcher.stats().queued).toBe(0);
  });

  it('keeps as many batches embedding as the backbone runs calls at once, and answers each query as alone', async () => {
    const workers = await WorkerBackbone.load(join(root, 'model'), { threads: 1, workers: 2 });
    try {
      const parallel = new Searcher(workers, index);
      const texts = ['a dog barks', 'rain falls', 'the bell rings', 'a car passes', 'soft rain'];
      const alone = [];
      for (const text of texts) alone.push(await searcher.search({ text }, { k: 4 }));
      const first = parallel.search({ text: texts[0]! }, { k: 4 });
      await new Promise((r) => setImmediate(r)); // the first batch is embedding in one worker
      const second = parallel.search({ text: texts[1]! }, { k: 4 });
      await new Promise((r) => setImmediate(r)); // a second worker is free: the second batch embeds at once
      expect(parallel.stats()).toMatchObject({ batches: 2, queued: 0 });
      const later = texts.slice(2).map((text) => parallel.search({ text }, { k: 4 }));
      expect(parallel.stats().queued).toBe(3); // both workers busy: these wait and go together
      const together = await Promise.all([first, second, ...later]);
      const stats = parallel.stats();
      expect(stats.batches).toBe(3);
      expect(stats.rankRounds).toBeGreaterThanOrEqual(1);
      expect(stats.rankRounds).toBeLessThanOrEqual(3);
      together.forEach((hits, i) => {
        expect(hits.map((h) => h.id)).toEqual(alone[i]!.map((h) => h.id));
        hits.forEach((h, j) => expect(h.similarity).toBeCloseTo(alone[i]![j]!.similarity, 5));
      });
    } finally {
      await workers.close();
    }
  });

  it('filters: exactly k when enough clips match, only matching clips', async () => {
    // 8 clips carry the tag: all 8 when 10 are asked for, exactly 6 when 6 are.
    const hits = await searcher.search({ text: 'bell' }, { k: 10, filter: { tags: ['third'] } });
    expect(hits).toHaveLength(N / 3);
    expect(await searcher.search({ text: 'bell' }, { k: 6, filter: { tags: ['third'] } })).toHaveLength(6);
    expect(hits.every((h) => h.clip.tags.includes('third'))).toBe(true);
    const even = await searcher.search({ text: 'bell' }, { k: 6, filter: { source: 'even' } });
    expect(even).toHaveLength(6);
  });

  it('finds the neighbours of an example clip and of an indexed clip (itself excluded)', async () => {
    const audio = audioOf.get('clip-3')!;
    const byAudio = await searcher.search({ audio }, { k: 4 });
    expect(byAudio[0]!.id).toBe('clip-3');
    expect(byAudio[0]!.similarity).toBeCloseTo(1, 4);
    const byId = await searcher.search({ clipId: 'clip-3' }, { k: 3 });
    expect(byId).toHaveLength(3);
    expect(byId.map((h) => h.id)).not.toContain('clip-3');
    expect(byId.map((h) => h.id)).toEqual(byAudio.slice(1).map((h) => h.id));
    await expect(searcher.search({ clipId: 'nope' })).rejects.toMatchObject({ code: 'unknown-clip', status: 404 });
  });

  it('re-ranks the top K: every one of them gets α·p(Yes), p(Yes) as the backbone scores the pair', async () => {
    const text = 'the car passes';
    const plain = await searcher.search({ text }, { k: 8 });
    const reranked = await searcher.search({ text }, { k: 8, rerank: { k: 5 } });
    const top5 = plain.slice(0, 5).map((h) => h.id);
    const pYes = await backbone.scorePairs(top5.map((id) => ({ text, audio: audioOf.get(id)! })), 't2a');
    for (const hit of reranked) {
      const r = top5.indexOf(hit.id);
      if (r >= 0) {
        expect(hit.pYes).toBeCloseTo(pYes[r]!, 5);
        expect(hit.score).toBeCloseTo(hit.similarity + 0.5 * pYes[r]!, 5);
      } else {
        expect(hit.pYes).toBeUndefined();
        expect(hit.score).toBe(hit.similarity);
      }
    }
    for (let i = 1; i < reranked.length; i++) expect(reranked[i - 1]!.score).toBeGreaterThanOrEqual(reranked[i]!.score);
  });

  it('ranks captions for an audio clip (A2T), re-ranked with the a2t α', async () => {
    const audio = audioOf.get('clip-5')!;
    const q = (await backbone.embedAudio([audio])).data as Float32Array;
    const all = [...audioOf.keys()].flatMap((id) => index.get(id)!.captions.map((caption) => ({ id, caption })));
    const t = await backbone.embedText(all.map((c) => c.caption));
    const d = backbone.dim;
    const expected = all.map((c, i) => ({ ...c, score: dot(q, (t.data as Float32Array).subarray(i * d, (i + 1) * d)) })).sort((a, b) => b.score - a.score);
    const hits = await searcher.captions(audio, { k: 4 });
    expect(hits.map((h) => h.score)).toEqual(expected.slice(0, 4).map((e) => expect.closeTo(e.score, 4)));
    const reranked = await searcher.captions(audio, { k: 4, rerank: { k: 4 } });
    const pYes = await backbone.scorePairs(reranked.map((h) => ({ text: h.caption, audio })), 'a2t');
    reranked.forEach((h, i) => expect(h.score).toBeCloseTo(h.similarity + 0.25 * pYes[i]!, 5));
  });

  it('answers a repeated text from its cache of text vectors, as the model would, and embeds each distinct text once', async () => {
    const embedded: string[] = [];
    // The real backbone, recording the texts it is asked to embed.
    const recording = Object.assign(Object.create(backbone) as OnnxMllmBackbone, {
      embedText: (texts: string[]) => (embedded.push(...texts), backbone.embedText(texts)),
    });
    const cached = new Searcher(recording, index, { textCache: 2 });
    const uncached = async (text: string) => searcher.search({ text }, { k: 5 });
    const same = async (text: string, hits: Promise<Awaited<ReturnType<typeof uncached>>>) => {
      const expected = await uncached(text);
      const got = await hits;
      expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      got.forEach((h, i) => expect(h.similarity).toBeCloseTo(expected[i]!.similarity, 5));
    };
    // One batch holding one text three times: embedded once, each query answered as alone.
    const batch = ['rain falls', 'a dog barks', 'rain falls', 'rain falls'].map((text) => ({ text, hits: cached.search({ text }, { k: 5 }) }));
    for (const { text, hits } of batch) await same(text, hits);
    expect(embedded).toEqual(['rain falls', 'a dog barks']);
    // Asked again (with another filter too): from the cache, no model call, no batch.
    await same('rain falls', cached.search({ text: 'rain falls' }, { k: 5 }));
    const filtered = await cached.search({ text: 'a dog barks' }, { k: 5, filter: { source: 'odd' } });
    expect(filtered.every((h) => h.clip.source === 'odd')).toBe(true);
    expect(embedded).toHaveLength(2);
    expect(cached.stats()).toMatchObject({ queries: 6, batches: 1, textCacheHits: 2 });
    // Two entries: a third text pushes out the least recently used ('rain falls'), which is embedded again.
    await same('the bell rings', cached.search({ text: 'the bell rings' }, { k: 5 }));
    await cached.search({ text: 'a dog barks' }, { k: 5 });
    await same('rain falls', cached.search({ text: 'rain falls' }, { k: 5 }));
    expect(embedded).toEqual(['rain falls', 'a dog barks', 'the bell rings', 'rain falls']);
    expect(cached.stats()).toMatchObject({ batches: 3, textCacheHits: 3 });
  });

  it('refuses bad queries and requests with a SearchError naming the problem', async () => {
    const bad = async (p: Promise<unknown>, pattern: RegExp) => {
      const error = await p.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SearchError);
      expect((error as SearchError).status).toBe(400);
      expect((error as SearchError).message).toMatch(pattern);
    };
    await bad(searcher.search({}), /exactly one of text, audio or clipId \(got none\)/);
    await bad(searcher.search({ text: 'x', clipId: 'clip-1' }), /got text and clipId/);
    await bad(searcher.search({ text: '   ' }), /non-empty string/);
    await bad(searcher.search({ text: 'dog' }, { k: 0 }), /k must be an integer from 1 to 1000, got 0/);
    await bad(searcher.search({ text: 'dog' }, { k: 1001 }), /got 1001/);
    await bad(searcher.search({ text: 'dog' }, { k: 2.5 }), /got 2.5/);
    await bad(searcher.search({ text: 'dog' }, { rerank: { k: 0 } }), /rerank.k must be/);
    await bad(searcher.search({ audio: new Float32Array(0) }), /non-empty Float32Array/);
    await bad(searcher.search({ audio: Float32Array.of(0, Number.NaN) }), /non-finite/);
    await bad(searcher.search({ audio: audioOf.get('clip-1')! }, { rerank: { k: 3 } }), /applies to text queries/);
    expect(() => new Searcher(backbone, ClipIndex.create(join(root, 'other'), { dim: backbone.dim + 1, model: 'm' }))).toThrow(/holds 33-d vectors but the model/);
  });
});
