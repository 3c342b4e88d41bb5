export { decodeAudio, decodeFile, toMono } from './decode.js';
export { detectAudioFormat } from './detect.js';
export { releaseDecoders } from './codecs.js';
export { AudioDecodeError, type DecodeErrorReason } from './errors.js';
export {
  MAX_CHANNELS,
  MAX_METADATA_BYTES,
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
  type AudioFormat,
  type DecodedAudio,
  type DecodeOptions,
} from './types.js';
