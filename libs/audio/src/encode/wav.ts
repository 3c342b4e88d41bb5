// WAV writer: 16-bit PCM (what datasets and players expect; 96 dB of range is plenty for clips normalised for
// training) or 32-bit float. Samples are interleaved from planar channels; 16-bit rounds to nearest and saturates
// at full scale, so a sample just above 1.0 never wraps around.
import { checkRate, checkSignal, show } from '../dsp/validate.js';

export interface EncodeWavOptions {
  /** 'pcm16' (default) or 'float32'. */
  encoding?: 'pcm16' | 'float32';
}

const HEADER_BYTES = 44;
const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;

/** Encodes planar channels (all the same length) as a RIFF/WAVE file. */
export function encodeWav(channels: Float32Array[], sampleRate: number, opts: EncodeWavOptions = {}): Uint8Array {
  if (!Array.isArray(channels) || channels.length === 0 || channels.length > 65535) {
    throw new TypeError(`channels must be a non-empty array of Float32Array, got ${show(channels)}`);
  }
  channels.forEach((c, i) => checkSignal(`channels[${i}]`, c, false));
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) throw new RangeError('channels must all have the same length');
  const rate = checkRate('sampleRate', sampleRate, true);
  const encoding = opts.encoding ?? 'pcm16';
  if (encoding !== 'pcm16' && encoding !== 'float32') {
    throw new TypeError(`opts.encoding must be 'pcm16' or 'float32', got ${show(encoding)}`);
  }
  const bytesPerSample = encoding === 'pcm16' ? 2 : 4;
  const blockAlign = channels.length * bytesPerSample;
  const dataBytes = frames * blockAlign;
  if (HEADER_BYTES + dataBytes > 0xffffffff) throw new RangeError('audio too long for a WAV file (4 GiB)');
  const out = new Uint8Array(HEADER_BYTES + dataBytes);
  const view = new DataView(out.buffer);
  const text = (offset: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[offset + i] = s.charCodeAt(i);
  };
  text(0, 'RIFF');
  view.setUint32(4, HEADER_BYTES - 8 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, encoding === 'pcm16' ? FORMAT_PCM : FORMAT_FLOAT, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bytesPerSample * 8, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  let offset = HEADER_BYTES;
  for (let i = 0; i < frames; i++) {
    for (const channel of channels) {
      const x = channel[i]!;
      if (encoding === 'float32') {
        view.setFloat32(offset, x, true);
      } else {
        // NaN becomes silence rather than an arbitrary value.
        const clamped = x >= 1 ? 32767 : x <= -1 ? -32768 : Number.isNaN(x) ? 0 : Math.round(x * 32768);
        view.setInt16(offset, Math.min(32767, clamped), true);
      }
      offset += bytesPerSample;
    }
  }
  return out;
}
