export type AudioFormat = 'wav' | 'flac' | 'ogg-vorbis' | 'opus' | 'mp3';

/** Decoded PCM: one Float32Array per channel (planar), samples in [-1, 1], all channels the same length. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
  durationS: number;
  /** The format found in the bytes (Ogg FLAC reports 'flac'). */
  format: AudioFormat;
}

export interface DecodeOptions {
  /** Name used in error messages (a path, an archive member…); '<bytes>' when absent. */
  name?: string;
  /** Keep at most this many seconds from the start; decoding stops early where the decoder streams. */
  maxDurationS?: number;
}

/** Sample rates outside this range are treated as a broken header rather than audio. */
export const MIN_SAMPLE_RATE = 1_000;
export const MAX_SAMPLE_RATE = 1_000_000;
/** More channels than this is taken as a broken header (the largest real layouts have 64 or fewer). */
export const MAX_CHANNELS = 256;
/**
 * A metadata block (WAV chunk, ID3 tag) declaring more than this many bytes and running past the input is
 * reported as 'header-too-large' rather than 'truncated': no real header is that large.
 */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024;
