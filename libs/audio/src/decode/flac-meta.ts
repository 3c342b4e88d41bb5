// FLAC stream header checks, done before the WASM decoder sees the bytes so that bad headers get precise
// reasons (and the renormalisation in codecs.ts knows the bit depth).
import { startsWith, u24be, u32be, u32le } from './bytes.js';
import { fail } from './errors.js';
import { checkLayout } from './validate.js';

export interface FlacInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Frames per channel from STREAMINFO; 0 means unknown. */
  totalFrames: number;
  /** Smallest encoded frame in bytes from STREAMINFO; 0 means unknown. */
  minFrameBytes: number;
  /** Offset of the first audio frame (end of the metadata); 0 for Ogg FLAC, where pages wrap the frames. */
  audioOffset: number;
}

const STREAMINFO_BYTES = 34;
const BLOCK_INVALID = 127;

/** Checks the metadata blocks after 'fLaC' at `start` and returns STREAMINFO. */
export function readFlacHeader(b: Uint8Array, start: number): FlacInfo {
  let off = start + 4;
  if (off + 4 + STREAMINFO_BYTES > b.length) fail('truncated', 'the input ends inside the FLAC STREAMINFO block');
  if ((b[off]! & 0x7f) !== 0 || u24be(b, off + 1) !== STREAMINFO_BYTES) {
    fail('corrupt', 'the first FLAC metadata block is not a 34-byte STREAMINFO');
  }
  const info = readStreamInfo(b, off + 4);
  // Walk the remaining blocks (each moves on by >= 4 bytes) so that a block running past the input is caught.
  for (let last = false; !last; ) {
    if (off + 4 > b.length) fail('truncated', 'the input ends inside the FLAC metadata');
    const type = b[off]! & 0x7f;
    const length = u24be(b, off + 1);
    last = (b[off]! & 0x80) !== 0;
    if (type === BLOCK_INVALID) fail('corrupt', 'a FLAC metadata block has the invalid type 127');
    off += 4 + length;
    if (off > b.length) fail('truncated', `a FLAC metadata block declares ${length} bytes, past the end of the input`);
  }
  if (off >= b.length)
    fail(info.totalFrames === 0 ? 'zero-length' : 'truncated', 'no FLAC audio frames after the metadata');
  return { ...info, audioOffset: off };
}

/** STREAMINFO's packed fields: 20-bit rate, 3-bit channels-1, 5-bit bits-1, 36-bit total samples. */
export function readStreamInfo(b: Uint8Array, o: number): FlacInfo {
  const sampleRate = (u24be(b, o + 10) >>> 4) & 0xfffff;
  const channels = ((b[o + 12]! >>> 1) & 0x7) + 1;
  const bitsPerSample = (((b[o + 12]! & 1) << 4) | (b[o + 13]! >>> 4)) + 1;
  const totalFrames = (b[o + 13]! & 0x0f) * 2 ** 32 + u32be(b, o + 14);
  checkLayout(channels, sampleRate, 'FLAC STREAMINFO');
  if (bitsPerSample < 4) fail('corrupt', `FLAC STREAMINFO declares ${bitsPerSample} bits per sample`);
  return { sampleRate, channels, bitsPerSample, totalFrames, minFrameBytes: u24be(b, o + 4), audioOffset: 0 };
}

const ID3V1_BYTES = 128;
const APE_FOOTER_BYTES = 32;

/**
 * Drops ID3v1 and APEv2 tags that some taggers append to FLAC files. codec-parser accepts the last frame only
 * if its CRC-16 holds over everything up to the end of the input, so trailing bytes would cost that frame
 * (for a short file, all of its audio). Other junk after the last frame still does.
 */
export function stripTrailingTags(b: Uint8Array): Uint8Array {
  for (let pass = 0; pass < 4; pass++) {
    const end = b.length;
    if (end >= ID3V1_BYTES && startsWith(b, end - ID3V1_BYTES, 'TAG')) {
      b = b.subarray(0, end - ID3V1_BYTES);
    } else if (end >= APE_FOOTER_BYTES && startsWith(b, end - APE_FOOTER_BYTES, 'APETAGEX')) {
      const size = u32le(b, end - APE_FOOTER_BYTES + 12); // items + footer
      const header = (b[end - 9]! & 0x80) !== 0 ? APE_FOOTER_BYTES : 0; // flags bit 31: a header precedes
      if (size + header > end) break;
      b = b.subarray(0, end - size - header);
    } else break;
  }
  return b;
}
