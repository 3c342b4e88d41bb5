// Format detection from the bytes alone (never the file name), plus the per-format header checks that give
// bad input a precise reason before any decoder runs.
import { ascii, startsWith } from './bytes.js';
import { fail } from './errors.js';
import { readFlacHeader, type FlacInfo } from './flac-meta.js';
import { findFirstFrame, skipId3, type MpegInfo } from './mpeg.js';
import { scanOgg, type OggScan } from './ogg.js';
import type { AudioFormat } from './types.js';

export type Probe =
  | { format: 'wav' }
  | { format: 'flac'; flac: FlacInfo; ogg?: OggScan }
  | { format: 'ogg-vorbis' | 'opus'; ogg: OggScan }
  | { format: 'mp3'; mpeg: MpegInfo };

const MAGICS = ['RIFF', 'RF64', 'BW64', 'fLaC', 'OggS', 'ID3'];
// Containers we recognise but do not read, for a clearer message than "unknown".
const OTHER_FORMATS: [offset: number, magic: string, name: string][] = [
  [0, 'RIFX', 'big-endian RIFF (RIFX) WAV'],
  [0, 'FORM', 'AIFF/IFF'],
  [4, 'ftyp', 'MP4/M4A'],
  [0, '.snd', 'Sun/NeXT AU'],
  [0, 'caff', 'Core Audio (CAF)'],
  [0, '\x1aE\xdf\xa3', 'Matroska/WebM'],
  [0, '0&\xb2u', 'ASF/WMA'],
  [0, 'wvpk', 'WavPack'],
  [0, 'MAC ', "Monkey's Audio"],
];

/**
 * The format the bytes hold, or undefined when they are not one this package decodes or its headers are
 * broken. Reads headers only (cheap); a defined answer does not promise the audio data decodes.
 */
export function detectAudioFormat(b: Uint8Array): AudioFormat | undefined {
  try {
    return probe(b).format;
  } catch {
    return undefined;
  }
}

/** Detects the format and checks its headers; fails with a reason for anything it cannot decode. */
export function probe(b: Uint8Array): Probe {
  if (b.length === 0) fail('empty', 'the input has no bytes');
  const found = probeFormat(b);
  if (found) return found;
  if (b.length < 4 && (MAGICS.some((m) => m.startsWith(ascii(b, 0, b.length))) || b[0] === 0xff)) {
    fail('truncated', `the ${b.length}-byte input ends inside the format signature`);
  }
  const other = OTHER_FORMATS.find(([offset, magic]) => startsWith(b, offset, magic));
  if (other) fail('unsupported-format', `${other[2]} is not supported`);
  fail('unsupported-format', 'no WAV, FLAC, Ogg or MP3 signature at the start of the input');
}

/** The probe for the first signature that matches, its headers checked; undefined when none matches. */
function probeFormat(b: Uint8Array): Probe | undefined {
  if (startsWith(b, 0, 'RIFF') || startsWith(b, 0, 'RF64') || startsWith(b, 0, 'BW64')) {
    if (b.length < 12 || startsWith(b, 8, 'WAVE')) return { format: 'wav' };
    fail('unsupported-format', `a RIFF '${ascii(b, 8, 4).replace(/[^\x20-\x7e]/g, '?')}' file, not WAVE`);
  }
  if (startsWith(b, 0, 'OggS')) return oggProbe(scanOgg(b));
  const start = startsWith(b, 0, 'ID3') ? skipId3(b) : 0; // FLAC and MP3 files may begin with ID3 tags
  if (startsWith(b, start, 'fLaC')) {
    return { format: 'flac', flac: readFlacHeader(b, start) };
  }
  if (start > 0 && start >= b.length) fail('truncated', 'nothing follows the ID3v2 tag');
  const mpeg = findFirstFrame(b, start, start > 0);
  if (mpeg) {
    if (mpeg.layer !== 3) fail('unsupported-encoding', `MPEG layer ${mpeg.layer === 1 ? 'I' : 'II'} audio`);
    return { format: 'mp3', mpeg };
  }
  if (start > 0) fail('unsupported-format', 'no MPEG audio frame after the ID3v2 tag');
  return undefined;
}

function oggProbe(ogg: OggScan): Probe {
  if (ogg.codec === 'flac') return { format: 'flac', flac: ogg.flac!, ogg };
  return { format: ogg.codec === 'vorbis' ? 'ogg-vorbis' : 'opus', ogg };
}
