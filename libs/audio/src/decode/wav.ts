// WAV reader: RIFF / RF64 / BW64 containers, PCM (8-bit unsigned, 16/24/32-bit signed) and IEEE float
// (32/64-bit), plain or WAVE_FORMAT_EXTENSIBLE.
//
// Decisions for damaged files:
// - a data chunk that claims more bytes than the input holds (an interrupted recording, or a streaming writer's
//   0xFFFFFFFF placeholder) is decoded as far as whole frames exist; it fails as 'truncated' only when not one
//   complete frame is there;
// - any other chunk running past the input is 'truncated', or 'header-too-large' when its declared size is
//   implausible (see chunkSizeCap), unless fmt and data were already found (then it is trailing junk);
// - an input that ends before the data chunk is 'truncated'; a data chunk without a fmt chunk is 'corrupt';
// - the RIFF size field is ignored (writers often get it wrong); bytes after the chunks we need are ignored.
import { ascii, dataView, u16le, u32le, u64le } from './bytes.js';
import { fail } from './errors.js';
import { MAX_METADATA_BYTES } from './types.js';
import { checkLayout, frameLimit, type RawAudio } from './validate.js';

interface ChunkRef {
  /** Offset of the chunk's payload. */
  offset: number;
  /** Declared payload size (may exceed what the input holds, for data). */
  size: number;
}

interface WavFormat {
  encoding: 'pcm' | 'float';
  channels: number;
  sampleRate: number;
  /** Bytes per sample container (a 20-bit sample in a 3-byte container counts 3). */
  bytesPerSample: number;
}

const FMT_MAX_BYTES = 1024; // WAVE_FORMAT_EXTENSIBLE needs 40; codec-specific extras stay far below this
const DATA_SIZE_UNKNOWN = 0xffffffff; // RF64/BW64 (size in ds64) or streaming writers (size never patched)
// The fixed tail of the KSDATAFORMAT_SUBTYPE GUIDs; the first two bytes hold the classic format tag.
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const KNOWN_TAGS: Record<number, string> = {
  0x0002: 'MS ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MPEG layer 3',
};

export function decodeWav(b: Uint8Array, maxDurationS?: number): RawAudio {
  if (b.length < 12) fail('truncated', `the ${b.length}-byte input ends inside the RIFF header`);
  const { fmt, data, ds64DataSize } = findChunks(b);
  const format = parseFmt(b, fmt);
  const frameBytes = format.bytesPerSample * format.channels;
  const declared = data.size === DATA_SIZE_UNKNOWN ? (ds64DataSize ?? Infinity) : data.size;
  const available = Math.min(declared, b.length - data.offset);
  const frames = Math.min(Math.floor(available / frameBytes), frameLimit(maxDurationS, format.sampleRate));
  if (frames === 0) {
    if (declared === 0) fail('zero-length', 'the data chunk is empty');
    fail('truncated', `the data chunk declares ${declared} bytes but the input ends before one whole frame`);
  }
  return { sampleRate: format.sampleRate, channels: readSamples(b, data.offset, frames, format) };
}

/** Walks the chunk list until both fmt and data are found. */
function findChunks(b: Uint8Array): { fmt: ChunkRef; data: ChunkRef; ds64DataSize?: number } {
  let fmt: ChunkRef | undefined;
  let data: ChunkRef | undefined;
  let ds64DataSize: number | undefined;
  // Each step moves on by at least 8 bytes, so the walk ends on any input.
  for (let off = 12; off + 8 <= b.length && !(fmt && data); ) {
    const id = ascii(b, off, 4);
    const chunk = { offset: off + 8, size: u32le(b, off + 4) };
    if (id !== 'data' && chunk.offset + chunk.size > b.length) chunkOverrun(id, chunk.size, b.length - chunk.offset);
    if (id === 'fmt ') fmt ??= chunk;
    else if (id === 'data') data ??= chunk;
    else if (id === 'ds64' && chunk.size >= 16) ds64DataSize = u64le(b, chunk.offset + 8);
    off = chunk.offset + chunk.size + (chunk.size & 1); // chunks are padded to an even size
  }
  if (!data) fail('truncated', `the input ends before the data chunk${fmt ? '' : ' and the fmt chunk'}`);
  if (!fmt) fail('corrupt', 'no fmt chunk before the data');
  return ds64DataSize === undefined ? { fmt, data } : { fmt, data, ds64DataSize };
}

function chunkOverrun(id: string, size: number, left: number): never {
  const what = `the '${printable(id)}' chunk declares ${size} bytes but only ${left} remain`;
  fail(size > chunkSizeCap(id) ? 'header-too-large' : 'truncated', what);
}

function chunkSizeCap(id: string): number {
  return id === 'fmt ' || id === 'ds64' ? FMT_MAX_BYTES : MAX_METADATA_BYTES;
}

function printable(id: string): string {
  return id.replace(/[^\x20-\x7e]/g, '?');
}

function parseFmt(b: Uint8Array, fmt: ChunkRef): WavFormat {
  if (fmt.size < 16) fail('corrupt', `the fmt chunk has ${fmt.size} bytes, fewer than the 16 required`);
  if (fmt.size > FMT_MAX_BYTES) fail('header-too-large', `the fmt chunk declares ${fmt.size} bytes`);
  const o = fmt.offset;
  const channels = u16le(b, o + 2);
  const sampleRate = u32le(b, o + 4);
  const blockAlign = u16le(b, o + 12);
  const bits = u16le(b, o + 14);
  checkLayout(channels, sampleRate, 'the fmt chunk');
  const encoding = sampleEncoding(b, fmt);
  if (bits === 0) fail('corrupt', 'the fmt chunk declares 0 bits per sample');
  const bytesPerSample = containerBytes(blockAlign, channels, bits);
  const supported = encoding === 'pcm' ? bytesPerSample <= 4 : bytesPerSample === 4 || bytesPerSample === 8;
  if (!supported) fail('unsupported-encoding', `${bits}-bit ${encoding === 'pcm' ? 'integer PCM' : 'float'} samples`);
  return { encoding, channels, sampleRate, bytesPerSample };
}

/** The format tag, looking through WAVE_FORMAT_EXTENSIBLE to its sub-format GUID. */
function sampleEncoding(b: Uint8Array, fmt: ChunkRef): 'pcm' | 'float' {
  let tag = u16le(b, fmt.offset);
  if (tag === 0xfffe) {
    if (fmt.size < 40) fail('corrupt', `WAVE_FORMAT_EXTENSIBLE needs a 40-byte fmt chunk, not ${fmt.size}`);
    const guid = fmt.offset + 24;
    if (SUBTYPE_GUID_TAIL.some((v, i) => b[guid + 2 + i] !== v))
      fail('unsupported-encoding', 'an unknown sub-format GUID');
    tag = u16le(b, guid);
  }
  if (tag === 1) return 'pcm';
  if (tag === 3) return 'float';
  fail(
    'unsupported-encoding',
    `WAV format tag 0x${tag.toString(16).padStart(4, '0')}${KNOWN_TAGS[tag] ? ` (${KNOWN_TAGS[tag]})` : ''}`,
  );
}

/**
 * Bytes per sample. Block align is authoritative when consistent (it covers samples padded into larger
 * containers, e.g. 24 valid bits in 4 bytes); some writers leave it 0 or wrong, so fall back to the bit depth.
 */
function containerBytes(blockAlign: number, channels: number, bits: number): number {
  const minimum = Math.ceil(bits / 8);
  const fromAlign = blockAlign / channels;
  return Number.isInteger(fromAlign) && fromAlign >= minimum && fromAlign <= 8 ? fromAlign : minimum;
}

function readSamples(b: Uint8Array, start: number, frames: number, format: WavFormat): Float32Array[] {
  const read = sampleReader(dataView(b), format);
  const stride = format.bytesPerSample * format.channels;
  const channels: Float32Array[] = [];
  for (let c = 0; c < format.channels; c++) {
    const out = new Float32Array(frames);
    for (let f = 0, off = start + c * format.bytesPerSample; f < frames; f++, off += stride) out[f] = read(off);
    channels.push(out);
  }
  return channels;
}

/**
 * Integer samples map to int / 2^(bits-1), the usual convention (libsndfile, ffmpeg, Web Audio): -full scale
 * is exactly -1. Samples with fewer valid bits than their container are MSB-aligned, so the container's range
 * is the right divisor. 8-bit WAV is unsigned with 128 as silence.
 */
function sampleReader(v: DataView, format: WavFormat): (offset: number) => number {
  if (format.encoding === 'float') {
    return format.bytesPerSample === 4 ? (o) => v.getFloat32(o, true) : (o) => v.getFloat64(o, true);
  }
  switch (format.bytesPerSample) {
    case 1:
      return (o) => (v.getUint8(o) - 128) / 128;
    case 2:
      return (o) => v.getInt16(o, true) / 32768;
    case 3:
      return (o) => (v.getUint8(o) | (v.getUint8(o + 1) << 8) | (v.getInt8(o + 2) << 16)) / 8388608;
    default:
      return (o) => v.getInt32(o, true) / 2147483648;
  }
}
