import { readFile } from 'node:fs/promises';
import { decodeWithWasm, type CodecOutput } from './codecs.js';
import { probe, type Probe } from './detect.js';
import { AudioDecodeError, DecodeProblem, fail } from './errors.js';
import { stripTrailingTags, type FlacInfo } from './flac-meta.js';
import type { OggScan } from './ogg.js';
import type { DecodedAudio, DecodeOptions } from './types.js';
import { finishAudio } from './validate.js';
import { decodeWav } from './wav.js';
import { downmix } from '../dsp/duration.js';

/**
 * Decodes WAV, FLAC (native or in Ogg), Ogg Vorbis, Ogg Opus or MP3 bytes into planar float PCM at the file's
 * own sample rate. The format is detected from the bytes, not from a name. Bad input of any kind rejects with
 * an AudioDecodeError naming `opts.name` (default '<bytes>') and a reason; invalid options throw RangeError.
 */
export async function decodeAudio(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeAudio: bytes must be a Uint8Array');
  const { maxDurationS } = opts;
  if (maxDurationS !== undefined && !(maxDurationS > 0)) {
    throw new RangeError(`decodeAudio: maxDurationS must be > 0, got ${maxDurationS}`);
  }
  try {
    return await decodeProbed(bytes, probe(bytes), maxDurationS);
  } catch (error) {
    throw toDecodeError(opts.name ?? '<bytes>', error);
  }
}

/** Reads and decodes a file; errors name the path (or `opts.name`). Unreadable files fail as 'io-error'. */
export async function decodeFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const name = opts.name ?? path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new AudioDecodeError(name, 'io-error', describe(error), { cause: error });
  }
  return decodeAudio(bytes, { ...opts, name });
}

/** Mono downmix: the mean of the channels, as a new array (the input is left untouched). */
export function toMono(audio: Pick<DecodedAudio, 'channels'>): Float32Array {
  const mono = downmix(audio.channels);
  return mono === audio.channels[0] ? Float32Array.from(mono) : mono;
}

async function decodeProbed(bytes: Uint8Array, p: Probe, maxDurationS?: number): Promise<DecodedAudio> {
  switch (p.format) {
    case 'wav':
      return finishAudio(decodeWav(bytes, maxDurationS), 'wav', maxDurationS);
    case 'flac': {
      const input = p.ogg ? wholePages(bytes, p.ogg) : stripTrailingTags(bytes);
      const out = await decodeWithWasm('flac', input, maxDurationS);
      // codec-parser silently drops frames that fail their CRC, so "nothing decoded" only means "cut short"
      // when less than the smallest frame (per STREAMINFO) follows the metadata.
      const cutShort = p.ogg ? p.ogg.truncated : input.length - p.flac.audioOffset < p.flac.minFrameBytes;
      requireAudio(out, cutShort, p.flac.totalFrames > 0);
      return finishAudio(renormaliseFlac(out, p.flac), 'flac', maxDurationS);
    }
    case 'ogg-vorbis': {
      const out = await decodeWithWasm('vorbis', wholePages(bytes, p.ogg), maxDurationS);
      requireAudio(out, p.ogg.truncated, (p.ogg.lastGranule ?? 0) > 0);
      return finishAudio(out, 'ogg-vorbis', maxDurationS);
    }
    case 'opus': {
      const out = await decodeWithWasm('opus', wholePages(bytes, p.ogg), maxDurationS);
      requireAudio(out, p.ogg.truncated, (p.ogg.lastGranule ?? 0) > p.ogg.preSkip);
      return finishAudio(trimOpusEnd(out, p.ogg), 'opus', maxDurationS);
    }
    case 'mp3': {
      const out = await decodeWithWasm('mpeg', bytes, maxDurationS);
      const firstFrameEnd = p.mpeg.offset + p.mpeg.length;
      requireAudio(out, firstFrameEnd > bytes.length, true);
      // mpg123-decoder always returns two channels, duplicating mono; keep the stream's real layout.
      const channels = p.mpeg.channels === 1 ? out.channels.slice(0, 1) : out.channels;
      return finishAudio({ ...out, channels }, 'mp3', maxDurationS);
    }
  }
}

function wholePages(bytes: Uint8Array, ogg: OggScan): Uint8Array {
  return bytes.subarray(0, ogg.completeBytes);
}

/**
 * A decoder that produced nothing: the input was cut short (`truncated`), or its headers promised audio that
 * did not decode (`promised`, or the decoder reported errors: corrupt), or the stream is genuinely empty.
 */
function requireAudio(out: CodecOutput, truncated: boolean, promised: boolean): void {
  if (out.channels.length > 0 && out.channels[0]!.length > 0) return;
  const reported = out.errors.length ? `; decoder said: ${out.errors.join(' | ')}` : '';
  if (truncated) fail('truncated', `the input ends before any complete audio frame${reported}`);
  if (promised || out.errors.length) fail('corrupt', `no audio frame could be decoded${reported}`);
  fail('zero-length', 'the stream holds no audio frames');
}

/**
 * The FLAC decoder scales integers by 1 / (2^(bits-1) - 1); WAV (and most tools) use 1 / 2^(bits-1). Recover
 * the integers and rescale so both agree exactly: a FLAC made from a WAV decodes to identical samples. The
 * recovery is exact up to 24 bits (a float32 holds 24 significant bits); 32-bit FLAC is only rescaled.
 */
function renormaliseFlac(out: CodecOutput, info: FlacInfo): CodecOutput {
  const bits = info.bitsPerSample;
  const decoderScale = 2 ** (bits - 1) - 1;
  const ourScale = 2 ** (bits - 1);
  for (const channel of out.channels) {
    for (let i = 0; i < channel.length; i++) {
      const int = channel[i]! * decoderScale;
      channel[i] = (bits <= 24 ? Math.round(int) : int) / ourScale;
    }
  }
  return out;
}

/**
 * An Ogg Opus stream's last granule position minus the pre-skip is its exact length at 48 kHz.
 * ogg-opus-decoder removes the pre-skip at the start but compares the granule with a count that no longer
 * includes it, leaving pre-skip samples too many at the end; cut them when the stream is whole.
 */
function trimOpusEnd(out: CodecOutput, ogg: OggScan): CodecOutput {
  if (ogg.truncated || ogg.lastGranule === undefined) return out;
  const exact = ogg.lastGranule - ogg.preSkip;
  if (exact <= 0 || out.channels[0]!.length <= exact) return out;
  return { ...out, channels: out.channels.map((c) => c.subarray(0, exact)) };
}

function toDecodeError(file: string, error: unknown): AudioDecodeError {
  if (error instanceof AudioDecodeError) return error;
  if (error instanceof DecodeProblem) return new AudioDecodeError(file, error.reason, error.detail);
  // Anything else was thrown from inside a decoder (a WASM trap, a parser bug tripped by bad data, even a
  // thrown string): the input is what broke it.
  return new AudioDecodeError(file, 'corrupt', `the decoder failed: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
