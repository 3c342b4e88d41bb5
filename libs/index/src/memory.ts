// The in-memory side of an index: vectors in one contiguous, growable buffer per gallery (capacity grows by half,
// so an append is amortised O(1) and a search is one kernel call over one matrix), a live-row bitmap (a removed row is a
// tombstone until compaction), and the metadata columns the filters read. Arrays are never shrunk or rewritten in
// place: growth and compaction allocate new ones, so a search in flight keeps reading the arrays it started with
// while rows are appended behind it.
import { fromBf16, fromF16, toBf16, toF16, type Matrix } from '@aurola/kernels';

import type { CheckedFilter } from './validate.js';
import type { VectorDType } from './types.js';

type Words = Float32Array | Uint16Array;

const MIN_CAPACITY = 64;

/** Capacity grows by half again (amortised O(1) appends, at most 50 % slack). */
function capacityFor(need: number, current: number): number {
  let c = Math.max(current, MIN_CAPACITY);
  while (c < need) c = Math.ceil(c * 1.5);
  return c;
}

function grown<T extends Float32Array | Uint16Array | Int32Array | Float64Array | Uint8Array>(
  arr: T,
  need: number,
  make: (n: number) => T,
): T {
  if (need <= arr.length) return arr;
  const next = make(capacityFor(need, arr.length));
  next.set(arr);
  return next;
}

export const BYTES_PER_VALUE: Readonly<Record<VectorDType, number>> = { f32: 4, f16: 2, bf16: 2 };

/** f32 values → the storage words of `dtype` (a fresh array). */
export function encodeVectors(values: Float32Array, dtype: VectorDType): Words {
  return dtype === 'f32' ? Float32Array.from(values) : dtype === 'f16' ? toF16(values) : toBf16(values);
}

/** Storage words → f32 values. */
export function decodeVectors(words: Words, dtype: VectorDType): Float32Array {
  if (dtype === 'f32') return Float32Array.from(words as Float32Array);
  return dtype === 'f16' ? fromF16(words as Uint16Array) : fromBf16(words as Uint16Array);
}

/** Bytes of words, as stored in a BLOB (the machine's byte order: little-endian on every platform Node runs on). */
export function wordBytes(words: Words): Buffer {
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
}

/** Rows of `dim` words of one dtype, appended at the end. */
export class VectorRows {
  data: Words;
  rows = 0;

  constructor(
    readonly dim: number,
    readonly dtype: VectorDType,
    capacity = 0,
  ) {
    this.data = this.alloc(Math.max(capacity, MIN_CAPACITY) * dim);
  }

  private alloc(n: number): Words {
    return this.dtype === 'f32' ? new Float32Array(n) : new Uint16Array(n);
  }

  /** Appends rows given as storage words (length a multiple of dim). */
  append(words: Words): void {
    const add = words.length / this.dim;
    const need = (this.rows + add) * this.dim;
    if (need > this.data.length) {
      const next = this.alloc(capacityFor(this.rows + add, this.data.length / this.dim) * this.dim);
      next.set(this.data.subarray(0, this.rows * this.dim));
      this.data = next;
    }
    this.data.set(words, this.rows * this.dim);
    this.rows += add;
  }

  /** Appends one row from a BLOB's bytes. Returns false when the BLOB has the wrong size. */
  appendBytes(bytes: Uint8Array): boolean {
    const rowBytes = this.dim * BYTES_PER_VALUE[this.dtype];
    if (bytes.byteLength !== rowBytes) return false;
    const words = this.alloc(this.dim);
    new Uint8Array(words.buffer).set(bytes);
    this.append(words);
    return true;
  }

  /** The rows [0, rows) as a kernel matrix (a view: valid while no compaction replaces this object's data). */
  matrix(): Matrix {
    return { data: this.data.subarray(0, this.rows * this.dim), rows: this.rows, cols: this.dim, dtype: this.dtype };
  }

  row(r: number): Float32Array {
    return decodeVectors(this.data.subarray(r * this.dim, (r + 1) * this.dim), this.dtype);
  }

  /** A new VectorRows holding only the listed rows, in order. */
  select(keep: Int32Array): VectorRows {
    const out = new VectorRows(this.dim, this.dtype, keep.length);
    const d = this.dim;
    for (let i = 0; i < keep.length; i++) {
      const r = keep[i]!;
      out.data.set(this.data.subarray(r * d, (r + 1) * d), i * d);
    }
    out.rows = keep.length;
    return out;
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}

/** A string column stored as small integer codes. */
class Dictionary {
  private readonly codes = new Map<string, number>();

  code(value: string): number {
    let c = this.codes.get(value);
    if (c === undefined) {
      c = this.codes.size;
      this.codes.set(value, c);
    }
    return c;
  }

  /** A lookup table over codes: 1 where the code's value is listed. */
  mask(values: readonly string[]): Uint8Array {
    const m = new Uint8Array(this.codes.size);
    for (const v of values) {
      const c = this.codes.get(v);
      if (c !== undefined) m[c] = 1;
    }
    return m;
  }
}

/** Rows carrying one tag, ascending. */
class Postings {
  rows = new Int32Array(4);
  n = 0;

  push(row: number): void {
    this.rows = grown(this.rows, this.n + 1, (n) => new Int32Array(n));
    this.rows[this.n++] = row;
  }
}

export interface ClipRowInput {
  id: string;
  sqlRow: number;
  source: string;
  license: string;
  durationS: number;
  tags: readonly string[];
  captionRows: number;
}

/** What a search reads, fixed when it starts. */
export interface ClipSnapshot {
  matrix: Matrix;
  ids: readonly string[];
  sqlRows: Float64Array;
}

export interface CaptionSnapshot {
  matrix: Matrix;
  clipRows: Int32Array;
  captionIndex: Int32Array;
  clips: ClipSnapshot;
}

export interface Bitmap {
  bytes: Uint8Array;
  count: number;
}

function popcount(bytes: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    b = b - ((b >> 1) & 0x55);
    b = (b & 0x33) + ((b >> 2) & 0x33);
    c += (b + (b >> 4)) & 0x0f;
  }
  return c;
}

/** The clip gallery and the caption gallery of one index, in memory. */
export class Galleries {
  clipVectors: VectorRows;
  captionVectors: VectorRows;
  /** Rows appended so far (live and tombstoned). */
  get rows(): number {
    return this.clipVectors.rows;
  }
  live = new Uint8Array(MIN_CAPACITY / 8);
  liveCount = 0;
  liveCaptions = 0;
  ids: string[] = [];
  sqlRows = new Float64Array(MIN_CAPACITY);
  sourceCode = new Int32Array(MIN_CAPACITY);
  licenseCode = new Int32Array(MIN_CAPACITY);
  duration = new Float64Array(MIN_CAPACITY);
  captionCount = new Int32Array(MIN_CAPACITY);
  /** Per caption row: its clip's row and its index among the clip's captions. */
  captionClip = new Int32Array(MIN_CAPACITY);
  captionIndex = new Int32Array(MIN_CAPACITY);
  private readonly sources = new Dictionary();
  private readonly licenses = new Dictionary();
  private tags = new Map<string, Postings>();
  private readonly rowOf = new Map<string, number>();

  constructor(
    readonly dim: number,
    readonly dtype: VectorDType,
  ) {
    this.clipVectors = new VectorRows(dim, dtype);
    this.captionVectors = new VectorRows(dim, dtype);
  }

  /** Sizes the buffers for `clips` clips and `captions` caption rows (before loading an index: no slack). */
  reserve(clips: number, captions: number): void {
    const v = new VectorRows(this.dim, this.dtype, clips);
    v.append(this.clipVectors.matrix().data as Words);
    this.clipVectors = v;
    const c = new VectorRows(this.dim, this.dtype, captions);
    c.append(this.captionVectors.matrix().data as Words);
    this.captionVectors = c;
  }

  /** Row of a live clip. */
  row(id: string): number | undefined {
    return this.rowOf.get(id);
  }

  /** Appends one clip whose vector was already appended to clipVectors (row = rows - 1). */
  private appendColumns(c: ClipRowInput, row: number): void {
    const need = row + 1;
    this.live = grown(this.live, Math.ceil(need / 8), (n) => new Uint8Array(n));
    this.sqlRows = grown(this.sqlRows, need, (n) => new Float64Array(n));
    this.sourceCode = grown(this.sourceCode, need, (n) => new Int32Array(n));
    this.licenseCode = grown(this.licenseCode, need, (n) => new Int32Array(n));
    this.duration = grown(this.duration, need, (n) => new Float64Array(n));
    this.captionCount = grown(this.captionCount, need, (n) => new Int32Array(n));
    this.live[row >> 3]! |= 1 << (row & 7);
    this.liveCount++;
    this.ids.push(c.id);
    this.rowOf.set(c.id, row);
    this.sqlRows[row] = c.sqlRow;
    this.sourceCode[row] = this.sources.code(c.source);
    this.licenseCode[row] = this.licenses.code(c.license);
    this.duration[row] = c.durationS;
    this.captionCount[row] = c.captionRows;
    this.liveCaptions += c.captionRows;
    for (const t of new Set(c.tags)) {
      let p = this.tags.get(t);
      if (!p) this.tags.set(t, (p = new Postings()));
      p.push(row);
    }
  }

  /** Adds a clip: its vector (storage words), columns, and caption vectors (captionRows × dim words, or none). */
  add(c: ClipRowInput, vector: Uint16Array | Float32Array, captions: Uint16Array | Float32Array | null): void {
    const row = this.clipVectors.rows;
    this.clipVectors.append(vector);
    this.appendCaptions(row, c.captionRows, captions);
    this.appendColumns(c, row);
  }

  /** Adds a clip read back from disk: its vector as BLOB bytes. False when the BLOB has the wrong size. */
  addStored(c: ClipRowInput, vectorBytes: Uint8Array): boolean {
    const row = this.clipVectors.rows;
    if (!this.clipVectors.appendBytes(vectorBytes)) return false;
    this.appendColumns(c, row);
    return true;
  }

  /** Appends one caption row read back from disk for the clip at `row`. */
  addStoredCaption(row: number, index: number, vectorBytes: Uint8Array): boolean {
    if (!this.captionVectors.appendBytes(vectorBytes)) return false;
    this.indexCaptionRows(row, index, 1);
    this.captionCount[row]! += 1;
    if (this.isLive(row)) this.liveCaptions++;
    return true;
  }

  private appendCaptions(row: number, count: number, words: Uint16Array | Float32Array | null): void {
    if (count === 0 || words === null) return;
    this.captionVectors.append(words);
    this.indexCaptionRows(row, 0, count);
  }

  private indexCaptionRows(row: number, firstIndex: number, count: number): void {
    const start = this.captionVectors.rows - count;
    this.captionClip = grown(this.captionClip, start + count, (n) => new Int32Array(n));
    this.captionIndex = grown(this.captionIndex, start + count, (n) => new Int32Array(n));
    for (let i = 0; i < count; i++) {
      this.captionClip[start + i] = row;
      this.captionIndex[start + i] = firstIndex + i;
    }
  }

  isLive(row: number): boolean {
    return ((this.live[row >> 3]! >> (row & 7)) & 1) === 1;
  }

  /** Tombstones a live clip; returns its SQLite row, or undefined when the id is not live. */
  remove(id: string): number | undefined {
    const row = this.rowOf.get(id);
    if (row === undefined) return undefined;
    this.rowOf.delete(id);
    this.live[row >> 3]! &= ~(1 << (row & 7));
    this.liveCount--;
    this.liveCaptions -= this.captionCount[row]!;
    return this.sqlRows[row]!;
  }

  /** Undoes remove() (used when the SQLite transaction that should have deleted the rows failed). */
  restore(id: string, row: number): void {
    this.rowOf.set(id, row);
    this.live[row >> 3]! |= 1 << (row & 7);
    this.liveCount++;
    this.liveCaptions += this.captionCount[row]!;
  }

  get tombstones(): number {
    return this.rows - this.liveCount;
  }

  clipSnapshot(): ClipSnapshot {
    return { matrix: this.clipVectors.matrix(), ids: this.ids, sqlRows: this.sqlRows };
  }

  captionSnapshot(): CaptionSnapshot {
    return {
      matrix: this.captionVectors.matrix(),
      clipRows: this.captionClip,
      captionIndex: this.captionIndex,
      clips: this.clipSnapshot(),
    };
  }

  /** The clip rows a filter allows (tombstones never), as a fresh bitmap over `rows` rows. */
  clipBitmap(filter: CheckedFilter | null): Bitmap {
    const n = this.rows;
    const bytes = this.live.slice(0, Math.ceil(n / 8));
    if (filter === null) return { bytes, count: this.liveCount };
    for (const tag of filter.tags) {
      const p = this.tags.get(tag);
      if (!p) return { bytes: bytes.fill(0), count: 0 };
      const mask = new Uint8Array(bytes.length);
      for (let i = 0; i < p.n; i++) {
        const r = p.rows[i]!;
        mask[r >> 3]! |= 1 << (r & 7);
      }
      for (let i = 0; i < bytes.length; i++) bytes[i]! &= mask[i]!;
    }
    const src = filter.sources ? this.sources.mask(filter.sources) : null;
    const lic = filter.licenses ? this.licenses.mask(filter.licenses) : null;
    const { minDurationS: lo, maxDurationS: hi } = filter;
    for (let byte = 0; byte < bytes.length; byte++) {
      let b = bytes[byte]!;
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if (((b >> bit) & 1) === 0) continue;
        const r = (byte << 3) | bit;
        const d = this.duration[r]!;
        if ((src && src[this.sourceCode[r]!] !== 1) || (lic && lic[this.licenseCode[r]!] !== 1) || d < lo || d > hi) {
          b &= ~(1 << bit);
        }
      }
      bytes[byte] = b;
    }
    return { bytes, count: popcount(bytes) };
  }

  /** The caption rows whose clip a filter allows. */
  captionBitmap(filter: CheckedFilter | null): Bitmap {
    const clips = this.clipBitmap(filter).bytes;
    const n = this.captionVectors.rows;
    const bytes = new Uint8Array(Math.ceil(n / 8));
    let count = 0;
    for (let c = 0; c < n; c++) {
      const r = this.captionClip[c]!;
      if ((clips[r >> 3]! >> (r & 7)) & 1) {
        bytes[c >> 3]! |= 1 << (c & 7);
        count++;
      }
    }
    return { bytes, count };
  }

  /** Drops tombstoned rows (and their captions): new arrays, live rows in their order. */
  compact(): void {
    const n = this.rows;
    const keep = new Int32Array(this.liveCount);
    const remap = new Int32Array(n).fill(-1);
    for (let r = 0, k = 0; r < n; r++) if (this.isLive(r)) (remap[r] = k), (keep[k++] = r);
    const m = keep.length;
    const cap = capacityFor(m, 0);
    const pick = <T extends Int32Array | Float64Array>(src: T, make: (n: number) => T): T => {
      const out = make(cap);
      for (let i = 0; i < m; i++) out[i] = src[keep[i]!]!;
      return out;
    };
    this.clipVectors = this.clipVectors.select(keep);
    this.sqlRows = pick(this.sqlRows, (x) => new Float64Array(x));
    this.sourceCode = pick(this.sourceCode, (x) => new Int32Array(x));
    this.licenseCode = pick(this.licenseCode, (x) => new Int32Array(x));
    this.duration = pick(this.duration, (x) => new Float64Array(x));
    this.captionCount = pick(this.captionCount, (x) => new Int32Array(x));
    this.ids = Array.from(keep, (r) => this.ids[r]!);
    this.rowOf.clear();
    this.ids.forEach((id, r) => this.rowOf.set(id, r));
    this.live = new Uint8Array(Math.ceil(cap / 8));
    for (let r = 0; r < m; r++) this.live[r >> 3]! |= 1 << (r & 7);
    const tags = new Map<string, Postings>();
    for (const [tag, p] of this.tags) {
      const q = new Postings();
      for (let i = 0; i < p.n; i++) {
        const r = remap[p.rows[i]!]!;
        if (r >= 0) q.push(r);
      }
      if (q.n > 0) tags.set(tag, q);
    }
    this.tags = tags;
    // Captions of live clips, in order; their clip rows renumbered.
    const nc = this.captionVectors.rows;
    let kc = 0;
    for (let c = 0; c < nc; c++) if (remap[this.captionClip[c]!]! >= 0) kc++;
    const keepCaptions = new Int32Array(kc);
    for (let c = 0, k = 0; c < nc; c++) if (remap[this.captionClip[c]!]! >= 0) keepCaptions[k++] = c;
    const capCap = capacityFor(kc, 0);
    const clipOf = new Int32Array(capCap);
    const indexOf = new Int32Array(capCap);
    for (let i = 0; i < kc; i++) {
      clipOf[i] = remap[this.captionClip[keepCaptions[i]!]!]!;
      indexOf[i] = this.captionIndex[keepCaptions[i]!]!;
    }
    this.captionVectors = this.captionVectors.select(keepCaptions);
    this.captionClip = clipOf;
    this.captionIndex = indexOf;
  }

  /** Typed buffers held (capacity included). */
  get bytes(): number {
    let postings = 0;
    for (const p of this.tags.values()) postings += p.rows.byteLength;
    return (
      this.clipVectors.bytes +
      this.captionVectors.bytes +
      this.live.byteLength +
      this.sqlRows.byteLength +
      this.sourceCode.byteLength +
      this.licenseCode.byteLength +
      this.duration.byteLength +
      this.captionCount.byteLength +
      this.captionClip.byteLength +
      this.captionIndex.byteLength +
      postings
    );
  }
}
