export { encodeWav, type EncodeWavOptions } from './wav.js';
