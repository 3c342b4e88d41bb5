// Ogg page walk: identifies the codec from the first packet, checks its identification header, and notes
// what the decoders need to be held to (truncation, the final granule position).
import { ascii, startsWith, u16le, u32le, u64le } from './bytes.js';
import { fail } from './errors.js';
import { readStreamInfo, type FlacInfo } from './flac-meta.js';
import { checkLayout } from './validate.js';

export interface OggScan {
  codec: 'vorbis' | 'opus' | 'flac';
  /** The input ends inside a page. */
  truncated: boolean;
  /** End of the last complete page: decoders get only whole pages (a cut page decodes to noise). */
  completeBytes: number;
  /** Granule position of the last complete page when the file holds one logical stream; else undefined. */
  lastGranule: number | undefined;
  /** Opus pre-skip (48 kHz samples the decoder drops at the start); 0 for other codecs. */
  preSkip: number;
  /** Present for Ogg FLAC. */
  flac?: FlacInfo;
}

const PAGE_HEADER_BYTES = 27;

export function scanOgg(b: Uint8Array): OggScan {
  const first = pageAt(b, 0);
  if (!first || first.end > b.length) fail('truncated', 'the input ends inside the first Ogg page');
  const packet = b.subarray(first.body, first.end);
  const scan: OggScan = { ...identify(packet), truncated: false, completeBytes: b.length, lastGranule: undefined };
  const serial = u32le(b, 14);
  let singleStream = true;
  let granule: number | undefined;
  // Pages are at least 27 bytes, so the walk ends; it stops quietly at bytes that are not a page (the decoder
  // resynchronises on its own), and flags a page cut short by the end of the input.
  for (let page = pageAt(b, 0); page; page = pageAt(b, page.end)) {
    if (page.end > b.length) {
      scan.truncated = true;
      scan.completeBytes = page.start;
      break;
    }
    singleStream &&= u32le(b, page.start + 14) === serial;
    if (u32le(b, page.start + 6) !== 0xffffffff || u32le(b, page.start + 10) !== 0xffffffff) {
      granule = u64le(b, page.start + 6); // all ones means "no packet ends on this page"
    }
  }
  scan.lastGranule = singleStream ? granule : undefined;
  return scan;
}

interface Page {
  start: number;
  body: number;
  end: number;
}

function pageAt(b: Uint8Array, start: number): Page | undefined {
  if (start + PAGE_HEADER_BYTES > b.length || !startsWith(b, start, 'OggS')) return undefined;
  const segments = b[start + 26]!;
  const body = start + PAGE_HEADER_BYTES + segments;
  if (body > b.length) return { start, body, end: body };
  let size = 0;
  for (let i = 0; i < segments; i++) size += b[start + PAGE_HEADER_BYTES + i]!;
  return { start, body, end: body + size };
}

type Identified = Pick<OggScan, 'codec' | 'preSkip' | 'flac'>;

function identify(p: Uint8Array): Identified {
  if (p[0] === 1 && startsWith(p, 1, 'vorbis')) return vorbisHeader(p);
  if (startsWith(p, 0, 'OpusHead')) return opusHeader(p);
  if (p[0] === 0x7f && startsWith(p, 1, 'FLAC')) return flacHeader(p);
  const known: [string, string][] = [
    ['Speex', 'Speex'],
    ['\x80theora', 'Theora'],
    ['fishead', 'Skeleton'],
  ];
  const name = known.find(([magic]) => startsWith(p, 0, magic))?.[1];
  fail(
    'unsupported-encoding',
    name ? `Ogg ${name} streams are not supported` : `unknown Ogg codec ${JSON.stringify(ascii(p, 0, 8))}`,
  );
}

function vorbisHeader(p: Uint8Array): Identified {
  if (p.length < 16) fail('truncated', 'the Vorbis identification header is cut short');
  if (u32le(p, 7) !== 0) fail('unsupported-encoding', `Vorbis version ${u32le(p, 7)}`);
  checkLayout(p[11]!, u32le(p, 12), 'the Vorbis identification header');
  return { codec: 'vorbis', preSkip: 0 };
}

function opusHeader(p: Uint8Array): Identified {
  if (p.length < 19) fail('truncated', 'the OpusHead packet is cut short');
  if (p[8]! >> 4 !== 0) fail('unsupported-encoding', `Opus major version ${p[8]! >> 4}`);
  checkLayout(p[9]!, 48000, 'OpusHead'); // Opus always decodes at 48 kHz; the stored input rate is informational
  return { codec: 'opus', preSkip: u16le(p, 10) };
}

function flacHeader(p: Uint8Array): Identified {
  // 0x7F "FLAC" major minor header-count(2) "fLaC" block-header(4) STREAMINFO(34)
  if (p.length < 13 + 4 + 34 || !startsWith(p, 9, 'fLaC')) fail('corrupt', 'malformed Ogg FLAC mapping header');
  return { codec: 'flac', preSkip: 0, flac: readStreamInfo(p, 17) };
}
