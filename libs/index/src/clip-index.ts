// ClipIndex: an exact embedding index of audio clips. SQLite holds everything durably (store.ts); memory holds the
// vectors and the filter columns (memory.ts); search is the native fused top-K over the live rows with a row filter.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';

import { show } from '@aurola/args';
import { searchAsync } from '@aurola/kernels';

import { IndexError } from './errors.js';
import { encodeVectors, Galleries, wordBytes, type Bitmap } from './memory.js';
import { writeNpyBlocks } from './npy.js';
import { Store, type InsertClip } from './store.js';
import type {
  CaptionHit,
  ClipHit,
  ClipRecord,
  CreateOptions,
  IndexStats,
  NewClip,
  Queries,
  SearchOptions,
  VectorDType,
} from './types.js';
import { checkClips, checkDim, checkDType, checkFilter, checkId, checkK, checkModel, checkQueries } from './validate.js';

export interface IndexOptions {
  /**
   * Compact the memory automatically (and return free pages to the file system) once removed rows exceed this
   * fraction of all rows and number at least `minTombstones`; false never does. Default { fraction: 0.25,
   * minTombstones: 1024 }.
   */
  autoCompact?: { fraction: number; minTombstones: number } | false;
}

const DEFAULT_AUTO_COMPACT = { fraction: 0.25, minTombstones: 1024 };

function checkIndexOptions(opts: unknown): Required<IndexOptions> {
  if (opts === undefined) return { autoCompact: DEFAULT_AUTO_COMPACT };
  if (typeof opts !== 'object' || opts === null) throw new IndexError('bad-argument', `options must be an object, got ${show(opts)}`);
  const a = (opts as IndexOptions).autoCompact;
  if (a === undefined) return { autoCompact: DEFAULT_AUTO_COMPACT };
  if (a === false) return { autoCompact: false };
  if (typeof a !== 'object' || a === null || !(a.fraction > 0 && a.fraction <= 1) || !(Number.isInteger(a.minTombstones) && a.minTombstones >= 0)) {
    throw new IndexError('bad-argument', `autoCompact must be false or { fraction in (0, 1], minTombstones >= 0 }, got ${show(a)}`);
  }
  return { autoCompact: { fraction: a.fraction, minTombstones: a.minTombstones } };
}

function checkCreate(opts: unknown): { dim: number; dtype: VectorDType; model: string } {
  if (typeof opts !== 'object' || opts === null) throw new IndexError('bad-argument', `options must be { dim, dtype?, model }, got ${show(opts)}`);
  const o = opts as CreateOptions;
  return { dim: checkDim(o.dim), dtype: checkDType(o.dtype), model: checkModel(o.model) };
}

function checkDir(dir: unknown): string {
  if (typeof dir !== 'string' || dir === '') throw new IndexError('bad-argument', `dir must be a non-empty path, got ${show(dir)}`);
  return resolve(dir);
}

export class ClipIndex {
  readonly dim: number;
  readonly dtype: VectorDType;
  readonly model: string;
  private readonly mem: Galleries;
  private closed = false;
  private readonly autoCompact: Required<IndexOptions>['autoCompact'];

  private constructor(
    readonly dir: string,
    private readonly store: Store,
    opts: Required<IndexOptions>,
  ) {
    ({ dim: this.dim, dtype: this.dtype, model: this.model } = store.meta);
    this.autoCompact = opts.autoCompact;
    this.mem = new Galleries(this.dim, this.dtype);
    const counts = store.counts();
    this.mem.reserve(counts.clips, counts.captions);
    const rowOfSql = new Map<number, number>();
    for (const c of store.clips()) {
      const row = this.mem.rows;
      const ok = this.mem.addStored(
        { id: c.id, sqlRow: c.row, source: c.source, license: c.license, durationS: c.durationS, tags: c.tags, captionRows: 0 },
        c.vector,
      );
      if (!ok) throw new IndexError('not-an-index', `${store.file}: clip ${show(c.id)} has a vector of ${c.vector.length} bytes, not ${this.dim} ${this.dtype} values`);
      rowOfSql.set(c.row, row);
    }
    for (const c of store.captions()) {
      const row = rowOfSql.get(c.clipRow);
      if (row === undefined) continue; // a caption row whose clip is gone (never written by this code)
      if (!this.mem.addStoredCaption(row, c.idx, c.vector)) {
        throw new IndexError('not-an-index', `${store.file}: a caption of clip ${show(this.mem.ids[row])} has a vector of the wrong size`);
      }
    }
  }

  /** Creates an index in `dir` (made if missing). Refuses a directory that already holds one. */
  static create(dir: string, opts: CreateOptions, indexOptions?: IndexOptions): ClipIndex {
    const path = checkDir(dir);
    const meta = checkCreate(opts);
    const o = checkIndexOptions(indexOptions);
    mkdirSync(path, { recursive: true });
    return new ClipIndex(path, Store.create(path, meta), o);
  }

  /** Opens the index in `dir`. Refuses a missing directory, a directory without an index, and other files. */
  static open(dir: string, indexOptions?: IndexOptions): ClipIndex {
    const path = checkDir(dir);
    const o = checkIndexOptions(indexOptions);
    const store = Store.open(path);
    try {
      return new ClipIndex(path, store, o);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  /**
   * Opens the index in `dir`, or creates it. An existing index must have the same dim and model (and dtype, when
   * `opts.dtype` is given).
   */
  static openOrCreate(dir: string, opts: CreateOptions, indexOptions?: IndexOptions): ClipIndex {
    const path = checkDir(dir);
    const meta = checkCreate(opts);
    let index: ClipIndex;
    try {
      index = ClipIndex.open(path, indexOptions);
    } catch (error) {
      if (error instanceof IndexError && (error.code === 'missing-dir' || error.code === 'missing-index')) {
        return ClipIndex.create(path, opts, indexOptions);
      }
      throw error;
    }
    const mismatch = (code: 'dim-mismatch' | 'model-mismatch' | 'dtype-mismatch', what: string): never => {
      index.close();
      throw new IndexError(code, `the index in ${path} holds ${what}; use another directory, or the matching settings`);
    };
    if (index.dim !== meta.dim) mismatch('dim-mismatch', `${index.dim}-d vectors, not ${meta.dim}-d`);
    if (index.model !== meta.model) mismatch('model-mismatch', `embeddings of model ${show(index.model)}, not ${show(meta.model)}`);
    if (opts.dtype !== undefined && index.dtype !== meta.dtype) mismatch('dtype-mismatch', `${index.dtype} vectors, not ${meta.dtype}`);
    return index;
  }

  private checkOpen(): void {
    if (this.closed) throw new IndexError('closed', `the index in ${this.dir} is closed`);
  }

  /** Live clips. */
  get size(): number {
    this.checkOpen();
    return this.mem.liveCount;
  }

  /**
   * Adds clips in one transaction: when add returns, all of them are on disk (and survive a crash or power loss);
   * when it throws, none was added. An id already in the index, or twice in the batch, is an IndexError.
   */
  add(clips: readonly NewClip[]): void {
    this.checkOpen();
    const checked = checkClips(clips, this.dim);
    for (const c of checked) {
      if (this.mem.row(c.id) !== undefined) throw new IndexError('duplicate-id', `clip ${show(c.id)} is already in the index; remove it first to replace it`);
    }
    const words = checked.map((c) => ({
      vector: encodeVectors(c.vector, this.dtype),
      captions: c.captionVectors && c.meta.captions.length > 0 ? encodeVectors(c.captionVectors, this.dtype) : null,
    }));
    const rowBytes = (w: Uint16Array | Float32Array, i: number) => wordBytes(w.subarray(i * this.dim, (i + 1) * this.dim));
    const inserts: InsertClip[] = checked.map((c, i) => ({
      id: c.id,
      ...c.meta,
      vector: wordBytes(words[i]!.vector),
      captionVectors: words[i]!.captions ? c.meta.captions.map((_, j) => rowBytes(words[i]!.captions!, j)) : null,
    }));
    const sqlRows = this.store.insert(inserts);
    checked.forEach((c, i) => {
      const w = words[i]!;
      this.mem.add(
        {
          id: c.id,
          sqlRow: sqlRows[i]!,
          source: c.meta.source,
          license: c.meta.license,
          durationS: c.meta.durationS,
          tags: c.meta.tags,
          captionRows: w.captions ? c.meta.captions.length : 0,
        },
        w.vector,
        w.captions,
      );
    });
  }

  /** Removes clips by id in one transaction; ids not in the index are ignored. Returns how many were present. */
  remove(ids: readonly string[]): number {
    this.checkOpen();
    if (!Array.isArray(ids)) throw new IndexError('bad-argument', `ids must be an array of strings, got ${show(ids)}`);
    ids.forEach((id, i) => checkId(`ids[${i}]`, id, 'bad-argument'));
    const removed: { id: string; row: number; sqlRow: number }[] = [];
    for (const id of new Set(ids)) {
      const row = this.mem.row(id);
      if (row === undefined) continue;
      removed.push({ id, row, sqlRow: this.mem.remove(id)! });
    }
    if (removed.length === 0) return 0;
    try {
      this.store.delete(removed.map((r) => r.sqlRow));
    } catch (error) {
      for (const r of removed) this.mem.restore(r.id, r.row);
      throw error;
    }
    const a = this.autoCompact;
    if (a && this.mem.tombstones >= a.minTombstones && this.mem.tombstones > a.fraction * this.mem.rows) {
      this.mem.compact();
      this.store.incrementalVacuum();
    }
    return removed.length;
  }

  get(id: string): ClipRecord | undefined {
    this.checkOpen();
    checkId('id', id, 'bad-argument');
    return this.mem.row(id) === undefined ? undefined : this.store.get(id);
  }

  has(id: string): boolean {
    this.checkOpen();
    checkId('id', id, 'bad-argument');
    return this.mem.row(id) !== undefined;
  }

  /** The id of a live clip whose file had this content hash (the first one added, if several). */
  idByContentHash(hash: string): string | undefined {
    this.checkOpen();
    if (typeof hash !== 'string') throw new IndexError('bad-argument', `hash must be a string, got ${show(hash)}`);
    return this.store.idByContentHash(hash);
  }

  /** The stored vector of a clip as f32 (rounded to the index's dtype). */
  vector(id: string): Float32Array | undefined {
    this.checkOpen();
    checkId('id', id, 'bad-argument');
    const row = this.mem.row(id);
    return row === undefined ? undefined : this.mem.clipVectors.row(row);
  }

  /** Ids of the live clips, in index order. */
  ids(): string[] {
    this.checkOpen();
    const out: string[] = [];
    for (let r = 0; r < this.mem.rows; r++) if (this.mem.isLive(r)) out.push(this.mem.ids[r]!);
    return out;
  }

  /**
   * The k best clips per query row, by inner product, best first (ties: the clip added first). With a filter,
   * only matching clips; exactly k hits when at least k match. One kernel call for all rows, off the event loop.
   * A clip removed while the search runs is left out of its results. Do not modify `queries.data` until the
   * promise settles.
   */
  async search(queries: Queries, opts: SearchOptions): Promise<ClipHit[][]> {
    this.checkOpen();
    const q = checkQueries(queries, this.dim);
    if (typeof opts !== 'object' || opts === null) throw new IndexError('bad-query', `options must be { k, filter? }, got ${show(opts)}`);
    const k = checkK(opts.k);
    const filter = checkFilter(opts.filter);
    const snap = this.mem.clipSnapshot();
    const allowed = this.mem.clipBitmap(filter);
    const result = await this.kernel(q, snap.matrix, k, allowed);
    if (!result) return Array.from({ length: q.rows }, () => []);
    this.checkOpen();
    const records = new Map<number, ClipRecord | undefined>();
    const out: ClipHit[][] = [];
    for (let i = 0; i < q.rows; i++) {
      const hits: ClipHit[] = [];
      for (const h of result.hits(i)) {
        const sqlRow = snap.sqlRows[h.id]!;
        if (!records.has(sqlRow)) records.set(sqlRow, this.store.getRow(sqlRow));
        const clip = records.get(sqlRow);
        if (clip) hits.push({ id: clip.id, score: h.score, clip });
      }
      out.push(hits);
    }
    return out;
  }

  /**
   * The k best captions per query row (A2T: audio embeddings against the caption gallery). The filter applies to
   * each caption's clip; exactly k hits when at least k captions of matching clips exist.
   */
  async searchCaptions(queries: Queries, opts: SearchOptions): Promise<CaptionHit[][]> {
    this.checkOpen();
    const q = checkQueries(queries, this.dim);
    if (typeof opts !== 'object' || opts === null) throw new IndexError('bad-query', `options must be { k, filter? }, got ${show(opts)}`);
    const k = checkK(opts.k);
    const filter = checkFilter(opts.filter);
    const snap = this.mem.captionSnapshot();
    const allowed = this.mem.captionBitmap(filter);
    const result = await this.kernel(q, snap.matrix, k, allowed);
    if (!result) return Array.from({ length: q.rows }, () => []);
    this.checkOpen();
    const out: CaptionHit[][] = [];
    for (let i = 0; i < q.rows; i++) {
      const hits: CaptionHit[] = [];
      for (const h of result.hits(i)) {
        const clipRow = snap.clipRows[h.id]!;
        const captionIndex = snap.captionIndex[h.id]!;
        const caption = this.store.captionText(snap.clips.sqlRows[clipRow]!, captionIndex);
        if (caption !== undefined) hits.push({ clipId: snap.clips.ids[clipRow]!, caption, captionIndex, score: h.score });
      }
      out.push(hits);
    }
    return out;
  }

  private async kernel(q: Queries, corpus: ReturnType<Galleries['clipSnapshot']>['matrix'], k: number, allowed: Bitmap) {
    if (corpus.rows === 0 || allowed.count === 0) return null;
    return searchAsync({ data: q.data, rows: q.rows, cols: this.dim }, corpus, { k, filter: allowed.bytes });
  }

  stats(): IndexStats {
    this.checkOpen();
    return {
      clips: this.mem.liveCount,
      captions: this.mem.liveCaptions,
      tombstones: this.mem.tombstones,
      dim: this.dim,
      dtype: this.dtype,
      model: this.model,
      bytesOnDisk: this.store.bytesOnDisk(),
      bytesInMemory: this.mem.bytes,
    };
  }

  /** Drops removed rows from memory and rewrites the database file without free space (VACUUM). */
  compact(): void {
    this.checkOpen();
    this.mem.compact();
    this.store.vacuum();
  }

  /**
   * Writes the live clips' vectors as float32 rows × dim to `file` (.npy, numpy.load reads it) and their ids, in
   * the same order, to `<file>.ids.json`. Both are written atomically.
   */
  exportNpy(file: string): { rows: number; ids: string[] } {
    this.checkOpen();
    if (typeof file !== 'string' || file === '') throw new IndexError('bad-argument', `file must be a non-empty path, got ${show(file)}`);
    const path = resolve(file);
    const live: number[] = [];
    for (let r = 0; r < this.mem.rows; r++) if (this.mem.isLive(r)) live.push(r);
    const ids = live.map((r) => this.mem.ids[r]!);
    const vectors = this.mem.clipVectors;
    writeNpyBlocks(path, live.length, this.dim, (start, count) => {
      const out = new Float32Array(count * this.dim);
      for (let i = 0; i < count; i++) out.set(vectors.row(live[start + i]!), i * this.dim);
      return out;
    });
    const idsFile = `${path}.ids.json`;
    writeFileSync(`${idsFile}.tmp-${process.pid}`, `${JSON.stringify(ids)}\n`);
    renameSync(`${idsFile}.tmp-${process.pid}`, idsFile);
    return { rows: live.length, ids };
  }

  /** Closes the database (releasing the lock). Searches still running resolve with an IndexError 'closed'. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.store.close();
  }
}
