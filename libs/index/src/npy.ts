// NumPy .npy (format 1.0) for float32 matrices: what `exportNpy` writes and what numpy.load reads.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

import { IndexError } from './errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The header of a C-order little-endian float32 array of the given shape, padded to a multiple of 64 bytes. */
export function npyHeader(rows: number, cols: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(Buffer.from(text, 'latin1'), 10);
  return out;
}

/**
 * Writes rows × cols float32 values produced row block by row block (`block(start, count)` returns count × cols
 * values) to `file`, atomically: a temporary file, fsync, rename.
 */
export function writeNpyBlocks(file: string, rows: number, cols: number, block: (start: number, count: number) => Float32Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, npyHeader(rows, cols));
    const step = Math.max(1, Math.floor((1 << 22) / Math.max(1, cols)));
    for (let start = 0; start < rows; start += step) {
      const values = block(start, Math.min(step, rows - start));
      writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Reads a 2-D little-endian float32 .npy written by writeNpyBlocks (or numpy.save of such an array). */
export function readNpy(file: string): { data: Float32Array; rows: number; cols: number } {
  const bytes = readFileSync(file);
  const bad = (why: string): never => {
    throw new IndexError('bad-argument', `${file} is not a 2-D float32 .npy file: ${why}`);
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) bad('no \\x93NUMPY magic');
  const major = bytes[6]!;
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLen).toString('latin1');
  if (!/'descr':\s*'<f4'/.test(header)) bad(`dtype is not '<f4' (${header.trim()})`);
  if (/'fortran_order':\s*True/.test(header)) bad('Fortran order');
  const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  if (!shape) bad(`shape is not 2-D (${header.trim()})`);
  const rows = Number(shape![1]);
  const cols = Number(shape![2]);
  const body = bytes.subarray(start + headerLen);
  if (body.length !== rows * cols * 4) bad(`${body.length} data bytes for shape (${rows}, ${cols})`);
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(body);
  return { data, rows, cols };
}
