// Batch encoding for the decoder graph: int64 tensors, row-major [batch, length].
import { checkInt, show } from '@aurola/args';

export interface PaddedBatch {
  /** Token ids [batch, length], right-padded with padId. */
  ids: BigInt64Array;
  /** 1 over each sequence's tokens, 0 over its padding [batch, length]. */
  attentionMask: BigInt64Array;
  batch: number;
  /** The longest sequence's length. */
  length: number;
  /** Each sequence's length. */
  lengths: number[];
}

/** Right-pads `sequences` to the longest one. An empty batch gives batch = length = 0. */
export function padBatch(sequences: readonly (readonly number[])[], padId: number): PaddedBatch {
  if (!Array.isArray(sequences)) throw new TypeError(`sequences must be an array of id arrays, got ${show(sequences)}`);
  const pad = BigInt(checkInt('padId', padId));
  const lengths = sequences.map((s, b) => {
    if (!Array.isArray(s)) throw new TypeError(`sequences[${b}] must be an array of ids, got ${show(s)}`);
    return s.length;
  });
  const batch = sequences.length;
  const length = lengths.reduce((m, n) => Math.max(m, n), 0);
  const ids = new BigInt64Array(batch * length).fill(pad);
  const attentionMask = new BigInt64Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const s = sequences[b] as readonly number[];
    const row = b * length;
    for (let i = 0; i < s.length; i++) {
      const id = s[i];
      if (!Number.isSafeInteger(id)) throw new RangeError(`sequences[${b}][${i}] must be an integer id, got ${show(id)}`);
      ids[row + i] = BigInt(id as number);
      attentionMask[row + i] = 1n;
    }
  }
  return { ids, attentionMask, batch, length, lengths };
}

/**
 * The 1-D position ids [batch, length]: 0, 1, …, n−1 over each row's real tokens (mask ≠ 0), 0 on padding.
 */
export function positionIds(attentionMask: BigInt64Array, batch: number, length: number): BigInt64Array {
  if (!(attentionMask instanceof BigInt64Array)) throw new TypeError(`attentionMask must be a BigInt64Array, got ${show(attentionMask)}`);
  checkInt('batch', batch);
  checkInt('length', length);
  if (batch < 0 || length < 0) throw new RangeError(`batch and length must be >= 0, got ${batch} and ${length}`);
  if (attentionMask.length !== batch * length) {
    throw new RangeError(`attentionMask has ${attentionMask.length} entries, expected batch × length = ${batch} × ${length}`);
  }
  const out = new BigInt64Array(batch * length);
  for (let b = 0; b < batch; b++) {
    let next = 0n;
    for (let i = b * length, end = i + length; i < end; i++) {
      if (attentionMask[i] !== 0n) out[i] = next++;
    }
  }
  return out;
}
