// safetensors (https://github.com/huggingface/safetensors, the format's README): an 8-byte little-endian header
// length, a JSON header mapping each tensor name to { dtype, shape, data_offsets: [begin, end) } relative to the
// data area (plus an optional "__metadata__" object of strings), then the raw little-endian data. We write F32 only
// (weights and optimiser moments), pad the header with spaces so the data starts 8-byte aligned, and check
// everything on read: a truncated or tampered file is an error naming the file, never garbage weights.
import { open, readFile, rename } from 'node:fs/promises';

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: not a readable safetensors file (${reason})`);
    this.name = 'SafetensorsError';
  }
}

/** Largest header we accept: the format's own limit (100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const elements = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Serialises tensors (in the given order) and string metadata. */
export function encodeSafetensors(tensors: Record<string, F32Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new RangeError('"__metadata__" cannot name a tensor');
    if (!t.shape.every((n) => Number.isInteger(n) && n >= 0) || elements(t.shape) !== t.data.length) {
      throw new RangeError(`tensor ${name}: shape [${t.shape}] does not hold ${t.data.length} values`);
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Parses a safetensors file held in memory; `file` names it in errors. Tensors are copied out (aligned). */
export function decodeSafetensors(bytes: Uint8Array, file = '<bytes>'): { tensors: Record<string, F32Tensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SafetensorsError(file, 'shorter than the 8-byte header length');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    throw new SafetensorsError(file, `header length ${headerLength} runs past the file (${bytes.length} bytes)`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, dataStart)).toString('utf8'));
  } catch (error) {
    throw new SafetensorsError(file, `header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(file, 'header is not an object');
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, F32Tensor> = {};
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e?.dtype !== 'F32') throw new SafetensorsError(file, `tensor ${name} has dtype ${String(e?.dtype)}; only F32 is read`);
    const shape = e.shape;
    const offsets = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) throw new SafetensorsError(file, `tensor ${name} has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isInteger(n))) {
      throw new SafetensorsError(file, `tensor ${name} has bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin < 0 || end < begin || end > dataLength) throw new SafetensorsError(file, `tensor ${name} lies outside the data (${begin}–${end} of ${dataLength})`);
    if (end - begin !== elements(shape) * 4) throw new SafetensorsError(file, `tensor ${name}: ${end - begin} bytes for shape [${shape}]`);
    spans.push([begin, end, name]);
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { shape: shape as number[], data: new Float32Array(copy.buffer) };
  }
  // The format forbids holes and overlaps: the spans must tile the data area exactly.
  spans.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== expected) throw new SafetensorsError(file, `tensor ${name} starts at ${begin}, expected ${expected} (hole or overlap)`);
    expected = end;
  }
  if (expected !== dataLength) throw new SafetensorsError(file, `${dataLength - expected} bytes of data belong to no tensor`);
  return { tensors, metadata };
}

/** Writes atomically (temp file, fsync, rename): a checkpoint is either the old one or the new one. */
export async function writeSafetensors(path: string, tensors: Record<string, F32Tensor>, metadata?: Record<string, string>): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(encodeSafetensors(tensors, metadata));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export async function readSafetensors(path: string): Promise<{ tensors: Record<string, F32Tensor>; metadata: Record<string, string> }> {
  return decodeSafetensors(new Uint8Array(await readFile(path)), path);
}
