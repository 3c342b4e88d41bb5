/**
 * Why a decode failed, as a short machine-readable code (the message carries the details):
 * - `empty`: the input has no bytes at all;
 * - `zero-length`: a well-formed file that holds no audio frames;
 * - `truncated`: the input ends inside a header, or before any complete audio frame;
 * - `unsupported-format`: not a container this package reads (WAV, FLAC, Ogg, MP3), judged from the bytes;
 * - `unsupported-encoding`: a known container with a codec or sample layout not handled (ADPCM WAV, Ogg Speex…);
 * - `corrupt`: inconsistent header fields, missing mandatory chunks, non-finite samples, or a decoder failure;
 * - `no-channels` / `too-many-channels`: a channel count of 0, or above {@link MAX_CHANNELS};
 * - `bad-sample-rate`: a sample rate outside [{@link MIN_SAMPLE_RATE}, {@link MAX_SAMPLE_RATE}];
 * - `header-too-large`: a header or metadata block declares an implausible size and runs past the input;
 * - `io-error`: the file could not be read (decodeFile only).
 */
export type DecodeErrorReason =
  | 'empty'
  | 'zero-length'
  | 'truncated'
  | 'unsupported-format'
  | 'unsupported-encoding'
  | 'corrupt'
  | 'no-channels'
  | 'too-many-channels'
  | 'bad-sample-rate'
  | 'header-too-large'
  | 'io-error';

/** The only error decodeAudio/decodeFile reject with for bad input: it names the file and the reason. */
export class AudioDecodeError extends Error {
  override readonly name = 'AudioDecodeError';

  constructor(
    /** The file path or caller-given name, or '<bytes>' when none was given. */
    readonly file: string,
    readonly reason: DecodeErrorReason,
    /** Human-readable specifics (which field, what value); also part of the message. */
    readonly detail: string = '',
    options?: { cause?: unknown },
  ) {
    super(`${file}: cannot decode audio (${reason})${detail ? `: ${detail}` : ''}`, options);
  }
}

/**
 * Internal failure raised by the parsers, which do not know the file name; decodeAudio turns it into an
 * AudioDecodeError. Kept separate so that anything else thrown inside can be told apart as a decoder crash.
 */
export class DecodeProblem extends Error {
  constructor(
    readonly reason: DecodeErrorReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function fail(reason: DecodeErrorReason, detail: string): never {
  throw new DecodeProblem(reason, detail);
}
