// Search over an index with the backbone: a text, an example clip or an indexed clip's id in, ranked clips out;
// an audio clip in, ranked captions out (A2T). Queries that arrive together (within one turn of the event loop, or
// while every backbone slot is busy) are embedded in one backbone call per modality and ranked in one kernel call
// per filter, which is what keeps a busy server's latency flat. Re-ranking (DESIGN.md §2) adds α_dir · p(Yes) to every one of the top K candidates — the
// fairness rule — with α per direction from the model directory (chosen on validation by the training app).
// Text query vectors are kept in a small LRU cache: a repeated text (a search refined with another filter, more
// results or re-ranking on) goes straight to ranking.
import { decodeFile, prepareAudio } from '@aurola/audio';
import type { Backbone, RerankDirection } from '@aurola/backbone';
import type { CaptionHit, ClipFilter, ClipHit, ClipIndex, ClipMetadata, ClipRecord } from '@aurola/index';

import { Lru } from './lru.js';
import { Rounds } from './rounds.js';

export interface SearchQuery {
  text?: string;
  /** 16 kHz mono PCM of an example clip. */
  audio?: Float32Array;
  /** An indexed clip: its neighbours, itself excluded. */
  clipId?: string;
}

export interface SearchRequest {
  /** Results wanted (default 10, at most MAX_K). */
  k?: number;
  filter?: ClipFilter;
  /** Re-rank the top `k` candidates with p(Yes) (text queries and captions; off when absent). */
  rerank?: { k: number };
}

export interface SearchHit {
  id: string;
  /** The ranking score: similarity, plus α · p(Yes) when re-ranked. */
  score: number;
  similarity: number;
  pYes?: number;
  clip: ClipRecord;
}

export interface CaptionResult {
  clipId: string;
  caption: string;
  score: number;
  similarity: number;
  pYes?: number;
}

export type SearchErrorCode = 'bad-query' | 'bad-request' | 'unknown-clip' | 'closed';

/** A caller's mistake (HTTP 4xx): what is wrong, in words. */
export class SearchError extends Error {
  constructor(
    readonly code: SearchErrorCode,
    message: string,
    readonly status = code === 'unknown-clip' ? 404 : code === 'closed' ? 503 : 400,
  ) {
    super(message);
    this.name = 'SearchError';
  }
}

export const MAX_K = 1000;
export const MAX_RERANK_K = 200;

export interface SearcherOptions {
  /** α per direction; default: the model directory's (config.json `rerank`), else 1. */
  alpha?: { t2a: number; a2t: number };
  /** The 16 kHz mono audio of an indexed clip (re-ranking reads it); default: decode `clip.path`. */
  loadAudio?: (clip: ClipRecord) => Promise<Float32Array>;
  /** The longest clip the backbone reads, in seconds (default 10). */
  maxDurationS?: number;
  /** Text query vectors kept for repeated texts (default 1024, about 1 KB each at 256-d; 0 embeds every query). */
  textCache?: number;
}

export interface SearcherStats {
  queries: number;
  /** Flushes of the micro-batch queue (each one backbone call per modality). */
  batches: number;
  /** Ranking rounds (each one kernel call per filter over the queries embedded since the round before). */
  rankRounds: number;
  /** Queries waiting for a batch being embedded to finish; they go together as the next batch. */
  queued: number;
  /** Text queries answered from the cache of text vectors, without the model. */
  textCacheHits: number;
}

interface Pending {
  query: SearchQuery;
  k: number;
  filter: ClipFilter | undefined;
  /** Extra candidates fetched (the query clip itself, re-ranking depth). */
  fetch: number;
  resolve(hits: ClipHit[]): void;
  reject(error: unknown): void;
}

function checkCount(name: string, value: unknown, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SearchError('bad-request', `${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkQuery(query: SearchQuery): 'text' | 'audio' | 'clipId' {
  if (typeof query !== 'object' || query === null) throw new SearchError('bad-query', 'the query must be an object with one of text, audio, clipId');
  const given = (['text', 'audio', 'clipId'] as const).filter((key) => query[key] !== undefined);
  if (given.length !== 1) throw new SearchError('bad-query', `give exactly one of text, audio or clipId (got ${given.length === 0 ? 'none' : given.join(' and ')})`);
  const kind = given[0]!;
  if (kind === 'text' && (typeof query.text !== 'string' || query.text.trim() === '')) throw new SearchError('bad-query', 'text must be a non-empty string');
  if (kind === 'clipId' && (typeof query.clipId !== 'string' || query.clipId === '')) throw new SearchError('bad-query', 'clipId must be a non-empty string');
  if (kind === 'audio') {
    if (!(query.audio instanceof Float32Array) || query.audio.length === 0) throw new SearchError('bad-query', 'audio must be a non-empty Float32Array of 16 kHz mono samples');
    if (!query.audio.every(Number.isFinite)) throw new SearchError('bad-query', 'audio holds non-finite samples');
  }
  return kind;
}

export class Searcher {
  private readonly alpha: { t2a: number; a2t: number };
  private readonly loadAudio: (clip: ClipRecord) => Promise<Float32Array>;
  private queue: Pending[] = [];
  /**
   * Batches being embedded, at most the backbone's concurrency: while all its slots are busy the next batch waits
   * and grows, and it starts as soon as one is free.
   */
  private embedding = 0;
  private readonly maxEmbedding: number;
  /**
   * Embedded queries are ranked in rounds (one kernel call per filter): a round streams the whole index through
   * memory whatever its number of queries, so two batches ranked together cost little more than one, and two
   * ranked at once would only fight for the cores.
   */
  private readonly rounds = new Rounds<{ pending: Pending; vector: Float32Array }>(
    (round) => this.rank(round),
    (error, round) => round.forEach((m) => m.pending.reject(error)),
  );
  private flushScheduled = false;
  private closed = false;
  private readonly counters = { queries: 0, batches: 0, textCacheHits: 0 };
  private readonly textVectors: Lru<string, Float32Array>;

  constructor(
    readonly backbone: Backbone,
    readonly index: ClipIndex,
    opts: SearcherOptions = {},
  ) {
    if (backbone.dim !== index.dim) throw new SearchError('bad-request', `the index holds ${index.dim}-d vectors but the model ${backbone.name} embeds ${backbone.dim}-d`);
    this.maxEmbedding = backbone.concurrency ?? 1;
    const fromModel = (backbone as { config?: { rerank?: { alphaT2A: number; alphaA2T: number } } }).config?.rerank;
    this.alpha = opts.alpha ?? (fromModel ? { t2a: fromModel.alphaT2A, a2t: fromModel.alphaA2T } : { t2a: 1, a2t: 1 });
    this.textVectors = new Lru(opts.textCache ?? 1024);
    const maxS = opts.maxDurationS ?? 10;
    this.loadAudio = opts.loadAudio ?? (async (clip) => {
      const decoded = await decodeFile(clip.path);
      return prepareAudio(decoded.channels, decoded.sampleRate, { maxS });
    });
  }

  stats(): SearcherStats {
    return { ...this.counters, rankRounds: this.rounds.count, queued: this.queue.length };
  }

  /** Clips ranked for a text, an example clip or an indexed clip. */
  async search(query: SearchQuery, request: SearchRequest = {}): Promise<SearchHit[]> {
    if (this.closed) throw new SearchError('closed', 'the searcher is closed');
    const kind = checkQuery(query);
    const k = checkCount('k', request.k, MAX_K, 10);
    const rerankK = request.rerank === undefined ? 0 : checkCount('rerank.k', request.rerank?.k, MAX_RERANK_K);
    if (rerankK > 0 && kind !== 'text') throw new SearchError('bad-request', 're-ranking judges text against audio: it applies to text queries (use captions() for an audio query)');
    if (kind === 'clipId' && !this.index.has(query.clipId!)) throw new SearchError('unknown-clip', `no clip "${query.clipId}" in the index`);
    const fetch = Math.max(k, rerankK) + (kind === 'clipId' ? 1 : 0);
    this.counters.queries++;
    let hits = await new Promise<ClipHit[]>((resolve, reject) => {
      const pending: Pending = { query, k, filter: request.filter, fetch, resolve, reject };
      const cached = kind === 'text' ? this.textVectors.get(query.text!) : undefined;
      if (cached) {
        this.counters.textCacheHits++;
        this.rounds.push([{ pending, vector: cached }]);
      } else {
        this.queue.push(pending);
        this.scheduleFlush();
      }
    });
    if (kind === 'clipId') hits = hits.filter((h) => h.id !== query.clipId);
    const ranked: SearchHit[] = hits.map((h) => ({ id: h.id, score: h.score, similarity: h.score, clip: h.clip }));
    if (rerankK > 0) await this.rerank(ranked.slice(0, rerankK), 't2a', (hit) => this.loadAudio(hit.clip).then((audio) => ({ text: query.text!, audio })), this.alpha.t2a);
    return ranked.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Captions of the index ranked for an audio clip (A2T), re-ranked with p(Yes) when asked. */
  async captions(audio: Float32Array, request: Omit<SearchRequest, 'filter'> & { filter?: ClipFilter } = {}): Promise<CaptionResult[]> {
    if (this.closed) throw new SearchError('closed', 'the searcher is closed');
    checkQuery({ audio });
    const k = checkCount('k', request.k, MAX_K, 10);
    const rerankK = request.rerank === undefined ? 0 : checkCount('rerank.k', request.rerank?.k, MAX_RERANK_K);
    const embedded = await this.backbone.embedAudio([audio]);
    const [hits] = await this.index.searchCaptions({ data: embedded.data as Float32Array, rows: 1 }, { k: Math.max(k, rerankK), ...(request.filter ? { filter: request.filter } : {}) });
    const ranked: CaptionResult[] = hits!.map((h: CaptionHit) => ({ clipId: h.clipId, caption: h.caption, score: h.score, similarity: h.score }));
    if (rerankK > 0) await this.rerank(ranked.slice(0, rerankK), 'a2t', async (hit) => ({ text: hit.caption, audio }), this.alpha.a2t);
    return ranked.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Embeds clips (audio and captions) and adds them to the index in one atomic write. */
  async addClips(items: readonly { id: string; audio: Float32Array; meta: ClipMetadata }[]): Promise<void> {
    if (items.length === 0) return;
    const audio = await this.backbone.embedAudio(items.map((i) => i.audio));
    const captions = items.flatMap((i) => i.meta.captions);
    const text = captions.length > 0 ? ((await this.backbone.embedText(captions)).data as Float32Array) : new Float32Array(0);
    const d = this.index.dim;
    let row = 0;
    this.index.add(
      items.map((item, i) => {
        const n = item.meta.captions.length;
        const clip = { id: item.id, vector: (audio.data as Float32Array).slice(i * d, (i + 1) * d), meta: item.meta, captionVectors: text.slice(row * d, (row + n) * d) };
        row += n;
        return clip;
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Adds α · p(Yes) to each of `hits` (all of them: the fairness rule). */
  private async rerank<H extends { score: number; pYes?: number }>(
    hits: H[],
    direction: RerankDirection,
    pairOf: (hit: H) => Promise<{ text: string; audio: Float32Array }>,
    alpha: number,
  ): Promise<void> {
    const pairs = await Promise.all(hits.map(pairOf));
    const pYes = await this.backbone.scorePairs(pairs, direction);
    hits.forEach((hit, i) => {
      hit.pYes = pYes[i]!;
      hit.score += alpha * pYes[i]!;
    });
  }

  private scheduleFlush(): void {
    if (this.embedding >= this.maxEmbedding || this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /**
   * Embeds the queued queries (one call per modality, each distinct text once) and hands them to the ranking
   * rounds; the text vectors go to the cache. As many batches are
   * embedded at a time as the backbone runs calls at once; ranking overlaps with embedding (the kernel runs on the
   * libuv pool, and a WorkerBackbone embeds in its own threads).
   */
  private async flush(): Promise<void> {
    if (this.embedding >= this.maxEmbedding || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.counters.batches++;
    this.embedding++;
    const d = this.index.dim;
    const vectors = new Array<Float32Array | undefined>(batch.length);
    try {
      const texts = batch.flatMap((p, i) => (p.query.text !== undefined ? [i] : []));
      const audios = batch.flatMap((p, i) => (p.query.audio !== undefined ? [i] : []));
      if (texts.length > 0) {
        const distinct = [...new Set(texts.map((i) => batch[i]!.query.text!))];
        const e = await this.backbone.embedText(distinct);
        const byText = new Map(distinct.map((text, r) => [text, (e.data as Float32Array).slice(r * d, (r + 1) * d)]));
        byText.forEach((vector, text) => this.textVectors.set(text, vector));
        texts.forEach((i) => (vectors[i] = byText.get(batch[i]!.query.text!)));
      }
      if (audios.length > 0) {
        const e = await this.backbone.embedAudio(audios.map((i) => batch[i]!.query.audio!));
        audios.forEach((i, r) => (vectors[i] = (e.data as Float32Array).subarray(r * d, (r + 1) * d)));
      }
      batch.forEach((p, i) => {
        if (p.query.clipId !== undefined) vectors[i] = this.index.vector(p.query.clipId);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    } finally {
      this.embedding--;
      this.scheduleFlush();
    }
    const embedded: { pending: Pending; vector: Float32Array }[] = [];
    batch.forEach((p, i) => {
      const vector = vectors[i];
      if (vector) embedded.push({ pending: p, vector });
      else p.reject(new SearchError('unknown-clip', `no clip "${p.query.clipId}" in the index`));
    });
    this.rounds.push(embedded);
  }

  /** Ranks one round of embedded queries: one kernel call per filter; each query answered or rejected. */
  private async rank(round: { pending: Pending; vector: Float32Array }[]): Promise<void> {
    const d = this.index.dim;
    const groups = new Map<string, typeof round>();
    for (const item of round) {
      const key = JSON.stringify(item.pending.filter ?? null);
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const data = new Float32Array(members.length * d);
        members.forEach((m, r) => data.set(m.vector, r * d));
        const filter = members[0]!.pending.filter;
        try {
          const k = Math.max(...members.map((m) => m.pending.fetch));
          const results = await this.index.search({ data, rows: members.length }, { k, ...(filter ? { filter } : {}) });
          members.forEach((m, r) => m.pending.resolve(results[r]!.slice(0, m.pending.fetch)));
        } catch (error) {
          for (const m of members) m.pending.reject(error);
        }
      }),
    );
  }
}
