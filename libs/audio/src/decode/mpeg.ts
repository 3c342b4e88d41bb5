// MPEG audio framing: ID3v2 tags to skip, and frame headers to recognise layer III and learn its channel mode
// (mpg123-decoder always returns two channels, duplicating mono).
import { startsWith, syncsafe32 } from './bytes.js';
import { fail } from './errors.js';
import { MAX_METADATA_BYTES } from './types.js';

export interface FrameHeader {
  layer: 1 | 2 | 3;
  sampleRate: number;
  channels: 1 | 2;
  /** Bytes in the frame, header included. */
  length: number;
}

export interface MpegInfo extends FrameHeader {
  /** Offset of the first frame. */
  offset: number;
}

const ID3_HEADER_BYTES = 10;
/** How far past an ID3 tag to look for the first frame (some taggers leave junk or zero padding). */
const SYNC_SEARCH_BYTES = 64 * 1024;
const RATES = [44100, 48000, 32000];
// Layer III bit rates in kbit/s by bitrate index, for MPEG-1 and for MPEG-2/2.5. Frame lengths computed from
// them are right for layer III only; layers I and II are recognised just to be reported as unsupported.
const KBPS_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const KBPS_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/** Offset just after any ID3v2 tags at `start` (several may be stacked); `start` when there are none. */
export function skipId3(b: Uint8Array, start = 0): number {
  let off = start;
  while (startsWith(b, off, 'ID3')) {
    if (off + ID3_HEADER_BYTES > b.length) fail('truncated', 'the input ends inside an ID3v2 header');
    const size = syncsafe32(b, off + 6);
    const footer = (b[off + 5]! & 0x10) !== 0 ? ID3_HEADER_BYTES : 0;
    const end = off + ID3_HEADER_BYTES + size + footer;
    if (end > b.length) {
      const what = `the ID3v2 tag declares ${size} bytes but only ${b.length - off - ID3_HEADER_BYTES} remain`;
      fail(size > MAX_METADATA_BYTES ? 'header-too-large' : 'truncated', what);
    }
    off = end;
  }
  return off;
}

/** Parses a 4-byte MPEG audio frame header; undefined when the bytes are not one. */
export function frameHeader(b: Uint8Array, o: number): FrameHeader | undefined {
  if (o + 4 > b.length || b[o] !== 0xff || (b[o + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[o + 1]! >> 3) & 3; // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
  const layerBits = (b[o + 1]! >> 1) & 3; // 1: III, 2: II, 3: I, 0: reserved
  const bitrateIndex = b[o + 2]! >> 4;
  const rateIndex = (b[o + 2]! >> 2) & 3;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3)
    return undefined;
  const sampleRate = RATES[rateIndex]! / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const kbps = (version === 3 ? KBPS_V1_L3 : KBPS_V2_L3)[bitrateIndex]!;
  const padding = (b[o + 2]! >> 1) & 1;
  const length = Math.floor(((version === 3 ? 144_000 : 72_000) * kbps) / sampleRate) + padding;
  const channels = b[o + 3]! >> 6 === 3 ? 1 : 2;
  return { layer: (4 - layerBits) as 1 | 2 | 3, sampleRate, channels, length };
}

/**
 * Finds the first frame at `start`, or — after an ID3 tag, when `search` is set — within the next 64 KiB.
 * A header found by searching must be followed by another one (or by the end of the input), so that a stray
 * 0xFFE pattern in junk is not taken for audio.
 */
export function findFirstFrame(b: Uint8Array, start: number, search: boolean): MpegInfo | undefined {
  const last = search ? Math.min(b.length - 4, start + SYNC_SEARCH_BYTES) : start;
  for (let o = start; o <= last; o++) {
    const h = frameHeader(b, o);
    if (!h) continue;
    const next = o + h.length;
    const confirmed = next + 4 > b.length || frameHeader(b, next)?.sampleRate === h.sampleRate;
    if (!search || confirmed) return { ...h, offset: o };
  }
  return undefined;
}
