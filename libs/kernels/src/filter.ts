// RowFilter: which corpus rows a search may return, as the bitmap the native top-k reads
// (row j is allowed when bit j is set: bytes[j >> 3] >> (j & 7) & 1).
import { checkInt, show } from './validate.js';

function popcount8(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

export class RowFilter {
  /** Number of rows the filter covers (the corpus size it is meant for). */
  readonly size: number;
  /** The bitmap, ⌈size / 8⌉ bytes; bits past `size` stay zero. */
  readonly bytes: Uint8Array;

  /** A filter over `size` rows, every row allowed when `allowAll`, none otherwise (the default). */
  constructor(size: number, allowAll = false) {
    const n = checkInt('size', size);
    if (n < 0 || n > 2 ** 31 - 1) throw new RangeError(`size must be an integer in [0, 2^31), got ${n}`);
    this.size = n;
    this.bytes = new Uint8Array(Math.ceil(n / 8));
    if (allowAll && n > 0) {
      this.bytes.fill(0xff);
      const tail = n & 7;
      if (tail) this.bytes[this.bytes.length - 1] = (1 << tail) - 1;
    }
  }

  /** A filter allowing exactly the rows i < size for which `allowed(i)` is true. */
  static fromPredicate(size: number, allowed: (row: number) => boolean): RowFilter {
    const f = new RowFilter(size);
    for (let i = 0; i < f.size; i++) if (allowed(i)) f.bytes[i >> 3]! |= 1 << (i & 7);
    return f;
  }

  /** A filter allowing exactly the listed rows. */
  static fromRows(size: number, rows: Iterable<number>): RowFilter {
    const f = new RowFilter(size);
    for (const r of rows) f.allow(r);
    return f;
  }

  private index(row: number): number {
    if (!Number.isInteger(row) || row < 0 || row >= this.size) {
      throw new RangeError(`row must be an integer in [0, ${this.size}), got ${show(row)}`);
    }
    return row;
  }

  allow(row: number): this {
    const i = this.index(row);
    this.bytes[i >> 3]! |= 1 << (i & 7);
    return this;
  }

  disallow(row: number): this {
    const i = this.index(row);
    this.bytes[i >> 3]! &= ~(1 << (i & 7));
    return this;
  }

  has(row: number): boolean {
    const i = this.index(row);
    return ((this.bytes[i >> 3]! >> (i & 7)) & 1) === 1;
  }

  /** Number of allowed rows. */
  count(): number {
    let c = 0;
    for (const b of this.bytes) c += popcount8(b);
    return c;
  }
}

/**
 * Checks a search filter against the corpus size `n`. A RowFilter must cover exactly n rows; a raw Uint8Array
 * bitmap must hold at least ⌈n/8⌉ bytes (bits past n are ignored).
 */
export function checkFilter(name: string, value: unknown, n: number): Uint8Array | null {
  if (value === undefined || value === null) return null;
  if (value instanceof RowFilter) {
    if (value.size !== n) {
      throw new RangeError(`${name} covers ${value.size} rows but the corpus has ${n}: the filter must cover every row`);
    }
    return value.bytes;
  }
  if (value instanceof Uint8Array) {
    const need = Math.ceil(n / 8);
    if (value.length < need) {
      throw new RangeError(
        `${name} bitmap is too short: ${value.length} bytes, but ${n} corpus rows need ${need} (one bit per row)`,
      );
    }
    return value;
  }
  throw new TypeError(`${name} must be a RowFilter or a Uint8Array bitmap, got ${show(value)}`);
}
