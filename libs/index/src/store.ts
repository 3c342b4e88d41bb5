// The on-disk side: one SQLite database, <dir>/index.sqlite, in WAL mode with synchronous=FULL (a commit is on disk
// when it returns) and an exclusive lock held by the one process that has the index open.
//
//   meta(key, value)                 format 'aurola-index', version, dim, dtype, model
//   clips(row, id UNIQUE, content_hash, path, duration_s, source, license, captions JSON, tags JSON, vector BLOB)
//   captions(clip_row, idx, text, vector BLOB)   the A2T caption gallery, one row per caption with a vector
//
// `row` is AUTOINCREMENT, so rows are never reused and reading them back in row order restores the in-memory order.
// Vectors are BLOBs of dim values in the index's dtype, little-endian.
import { closeSync, existsSync, fsyncSync, linkSync, openSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { IndexError } from './errors.js';
import type { ClipRecord, VectorDType } from './types.js';
import { DTYPES } from './validate.js';

export const INDEX_FILE = 'index.sqlite';
export const FORMAT = 'aurola-index';
export const FORMAT_VERSION = 1;
/** How long opening waits for another process's lock before giving up (ms). */
const BUSY_TIMEOUT_MS = 1000;

export interface IndexMeta {
  dim: number;
  dtype: VectorDType;
  model: string;
}

const SCHEMA = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE clips (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    path TEXT NOT NULL,
    duration_s REAL NOT NULL,
    source TEXT NOT NULL,
    license TEXT NOT NULL,
    captions TEXT NOT NULL,
    tags TEXT NOT NULL,
    vector BLOB NOT NULL
  );
  CREATE INDEX clips_content_hash ON clips (content_hash);
  CREATE TABLE captions (
    clip_row INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (clip_row, idx)
  ) WITHOUT ROWID;
`;

interface ClipRow {
  row: number;
  id: string;
  content_hash: string;
  path: string;
  duration_s: number;
  source: string;
  license: string;
  captions: string;
  tags: string;
}

export interface StoredClip {
  row: number;
  id: string;
  source: string;
  license: string;
  durationS: number;
  tags: string[];
  vector: Buffer;
}

export interface StoredCaption {
  clipRow: number;
  idx: number;
  vector: Buffer;
}

/** A clip's record with its vector (and its captions' vectors) in the index's dtype. */
export interface InsertClip extends ClipRecord {
  vector: Buffer;
  /** One BLOB per caption, or none. */
  captionVectors: Buffer[] | null;
}

function toRecord(r: ClipRow): ClipRecord {
  return {
    id: r.id,
    path: r.path,
    durationS: r.duration_s,
    source: r.source,
    license: r.license,
    captions: JSON.parse(r.captions) as string[],
    tags: JSON.parse(r.tags) as string[],
    contentHash: r.content_hash,
  };
}

function sqliteCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens a connection with aurola's settings and takes the exclusive lock. */
function connect(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new IndexError('not-an-index', `${file} could not be opened as an index: ${(error as Error).message}`, { cause: error });
  }
  try {
    // EXCLUSIVE before the first WAL access: no shared-memory file, and the lock is kept until close, so a second
    // process (which would not see this one's in-memory rows) cannot open the index meanwhile.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, not wal`);
    db.pragma('synchronous = FULL');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return db;
  } catch (error) {
    db.close();
    const code = sqliteCode(error);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new IndexError('locked', `${file} is open in another process (one process serves an index at a time)`, { cause: error });
    }
    throw new IndexError('not-an-index', `${file} is not an aurola index: ${(error as Error).message}`, { cause: error });
  }
}

export class Store {
  private readonly stmts;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    readonly meta: IndexMeta,
  ) {
    this.stmts = {
      insertClip: db.prepare(
        'INSERT INTO clips (id, content_hash, path, duration_s, source, license, captions, tags, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertCaption: db.prepare('INSERT INTO captions (clip_row, idx, text, vector) VALUES (?, ?, ?, ?)'),
      deleteClip: db.prepare('DELETE FROM clips WHERE row = ?'),
      deleteCaptions: db.prepare('DELETE FROM captions WHERE clip_row = ?'),
      byId: db.prepare<[string], ClipRow>(
        'SELECT row, id, content_hash, path, duration_s, source, license, captions, tags FROM clips WHERE id = ?',
      ),
      byRow: db.prepare<[number], ClipRow>(
        'SELECT row, id, content_hash, path, duration_s, source, license, captions, tags FROM clips WHERE row = ?',
      ),
      byHash: db.prepare<[string], { id: string }>('SELECT id FROM clips WHERE content_hash = ? ORDER BY row LIMIT 1'),
      captionText: db.prepare<[number, number], { text: string }>('SELECT text FROM captions WHERE clip_row = ? AND idx = ?'),
    };
  }

  /** Creates a new index file atomically: built beside it under a temporary name, then linked into place. */
  static create(dir: string, meta: IndexMeta): Store {
    const file = join(dir, INDEX_FILE);
    if (existsSync(file)) throw new IndexError('exists', `${dir} already holds an index (${INDEX_FILE}); open it instead`);
    const tmp = join(dir, `${INDEX_FILE}.creating-${process.pid}-${Date.now()}`);
    try {
      const db = new Database(tmp);
      try {
        db.pragma('auto_vacuum = INCREMENTAL');
        db.pragma('journal_mode = DELETE');
        db.pragma('synchronous = FULL');
        db.exec(SCHEMA);
        const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        db.transaction(() => {
          put.run('format', FORMAT);
          put.run('version', String(FORMAT_VERSION));
          put.run('dim', String(meta.dim));
          put.run('dtype', meta.dtype);
          put.run('model', meta.model);
        })();
      } finally {
        db.close();
      }
      fsyncPath(tmp);
      try {
        linkSync(tmp, file); // fails if an index appeared meanwhile: never overwrite one
      } catch (error) {
        if (sqliteCode(error) === 'EEXIST') {
          throw new IndexError('exists', `${dir} already holds an index (${INDEX_FILE}); open it instead`, { cause: error });
        }
        throw error;
      }
      fsyncPath(dir);
    } finally {
      for (const f of [tmp, `${tmp}-journal`]) if (existsSync(f)) unlinkSync(f);
    }
    return Store.open(dir);
  }

  static open(dir: string): Store {
    if (!existsSync(dir)) throw new IndexError('missing-dir', `index directory ${dir} does not exist`);
    if (!statSync(dir).isDirectory()) throw new IndexError('missing-dir', `${dir} is not a directory`);
    const file = join(dir, INDEX_FILE);
    if (!existsSync(file)) {
      throw new IndexError('missing-index', `${dir} holds no index (no ${INDEX_FILE}); create one first (ClipIndex.create or 'aurola index add')`);
    }
    const db = connect(file);
    try {
      return new Store(file, db, readMeta(db, file));
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Inserts clips and their captions in one transaction; returns each clip's row. All or nothing. */
  insert(clips: readonly InsertClip[]): number[] {
    const rows: number[] = [];
    this.db.transaction(() => {
      for (const c of clips) {
        const r = this.stmts.insertClip.run(
          c.id,
          c.contentHash,
          c.path,
          c.durationS,
          c.source,
          c.license,
          JSON.stringify(c.captions),
          JSON.stringify(c.tags),
          c.vector,
        );
        const row = Number(r.lastInsertRowid);
        rows.push(row);
        c.captionVectors?.forEach((v, i) => this.stmts.insertCaption.run(row, i, c.captions[i]!, v));
      }
    })();
    return rows;
  }

  /** Deletes clips (and their captions) by row, in one transaction. */
  delete(rows: readonly number[]): void {
    this.db.transaction(() => {
      for (const row of rows) {
        this.stmts.deleteCaptions.run(row);
        this.stmts.deleteClip.run(row);
      }
    })();
  }

  *clips(): IterableIterator<StoredClip> {
    const it = this.db
      .prepare<[], { row: number; id: string; source: string; license: string; duration_s: number; tags: string; vector: Buffer }>(
        'SELECT row, id, source, license, duration_s, tags, vector FROM clips ORDER BY row',
      )
      .iterate();
    for (const r of it) {
      yield { row: r.row, id: r.id, source: r.source, license: r.license, durationS: r.duration_s, tags: JSON.parse(r.tags) as string[], vector: r.vector };
    }
  }

  *captions(): IterableIterator<StoredCaption> {
    const it = this.db
      .prepare<[], { clip_row: number; idx: number; vector: Buffer }>('SELECT clip_row, idx, vector FROM captions ORDER BY clip_row, idx')
      .iterate();
    for (const r of it) yield { clipRow: r.clip_row, idx: r.idx, vector: r.vector };
  }

  counts(): { clips: number; captions: number } {
    const one = (sql: string) => (this.db.prepare<[], { n: number }>(sql).get()?.n ?? 0);
    return { clips: one('SELECT count(*) AS n FROM clips'), captions: one('SELECT count(*) AS n FROM captions') };
  }

  get(id: string): ClipRecord | undefined {
    const r = this.stmts.byId.get(id);
    return r && toRecord(r);
  }

  getRow(row: number): ClipRecord | undefined {
    const r = this.stmts.byRow.get(row);
    return r && toRecord(r);
  }

  captionText(clipRow: number, idx: number): string | undefined {
    return this.stmts.captionText.get(clipRow, idx)?.text;
  }

  idByContentHash(hash: string): string | undefined {
    return this.stmts.byHash.get(hash)?.id;
  }

  /** Returns free pages to the file system (cheap; the automatic compaction runs it). */
  incrementalVacuum(): void {
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Rewrites the whole file without free space (the `compact` command). */
  vacuum(): void {
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  bytesOnDisk(): number {
    let total = 0;
    for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`]) {
      try {
        total += statSync(f).size;
      } catch {
        // absent
      }
    }
    return total;
  }

  close(): void {
    this.db.close();
  }
}

function readMeta(db: Database.Database, file: string): IndexMeta {
  let rows: { key: string; value: string }[];
  try {
    rows = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM meta').all();
  } catch (error) {
    throw new IndexError('not-an-index', `${file} is not an aurola index (no meta table)`, { cause: error });
  }
  const m = new Map(rows.map((r) => [r.key, r.value]));
  if (m.get('format') !== FORMAT) {
    throw new IndexError('not-an-index', `${file} is not an aurola index (format ${JSON.stringify(m.get('format') ?? null)})`);
  }
  const version = Number(m.get('version'));
  if (version !== FORMAT_VERSION) {
    throw new IndexError(
      'unsupported-version',
      `${file} is an aurola index of format version ${m.get('version')}; this version of @aurola/index reads version ${FORMAT_VERSION}`,
    );
  }
  const dim = Number(m.get('dim'));
  const dtype = m.get('dtype') as VectorDType;
  const model = m.get('model');
  if (!Number.isInteger(dim) || dim < 1 || !DTYPES.includes(dtype) || !model) {
    throw new IndexError('not-an-index', `${file}: damaged meta table (dim ${m.get('dim')}, dtype ${dtype}, model ${model})`);
  }
  return { dim, dtype, model };
}
