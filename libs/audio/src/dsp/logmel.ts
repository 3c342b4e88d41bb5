// Whisper-style log-mel features (whisper/audio.py log_mel_spectrogram, and the Hugging Face
// WhisperFeatureExtractor that Qwen2.5-Omni uses): periodic Hann window of nFft samples, STFT with centre
// padding by reflection, power spectrum, Slaney mel filterbank, log10 of max(mel, 1e-10), the last frame dropped,
// then max(log, max − 8) and (x + 4) / 4.
import { RealFft } from './fft.js';
import { checkMelRange, melFilterbank, type MelFilterbank } from './mel.js';
import { checkBoolean, checkPositiveInt, checkRate, checkSignal, show } from './validate.js';

/** The audio feature spec of a model (the `audio` section of its config.json). */
export interface LogMelConfig {
  /** Hz; the input must already be at this rate (16000 for Whisper-style encoders). */
  sampleRate: number;
  /** FFT size and window length (400 = 25 ms at 16 kHz). */
  nFft: number;
  /** Frame step (160 = 10 ms at 16 kHz). */
  hopLength: number;
  /** Mel bands: 80 (Whisper v1–v2) or 128 (Whisper v3, Qwen2.5-Omni). */
  nMels: number;
  /** Default 0. */
  fMin?: number;
  /** Default sampleRate / 2. */
  fMax?: number;
  /** Whisper's dynamic-range clamp and (x + 4) / 4 scaling. Default true; false leaves plain log10 mel power. */
  whisperNormalize?: boolean;
  /** Zero-pad (or cut) the signal to exactly this many frames, as Whisper pads to 30 s = 3000 frames. */
  padToFrames?: number;
}

/** frames × nMels, row-major: data[t · nMels + m]. */
export interface LogMelFeatures {
  data: Float32Array;
  frames: number;
  nMels: number;
}

const LOG_FLOOR = 1e-10;

type Resolved = Required<Omit<LogMelConfig, 'padToFrames'>> & Pick<LogMelConfig, 'padToFrames'>;

function required(obj: Record<string, unknown>, key: string, where: string): unknown {
  const v = obj[key];
  if (v === undefined) throw new TypeError(`${where}${key} is required`);
  return v;
}

/** Validates a config object; `name` ("config", "config.audio") prefixes the keys in messages. */
function resolveConfig(obj: unknown, name: string): Resolved {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new TypeError(`${name} must be an object, got ${show(obj)}`);
  }
  const o = obj as Record<string, unknown>;
  const where = `${name}.`;
  const sampleRate = checkRate(`${where}sampleRate`, required(o, 'sampleRate', where), true);
  const nFft = checkPositiveInt(`${where}nFft`, required(o, 'nFft', where));
  const hopLength = checkPositiveInt(`${where}hopLength`, required(o, 'hopLength', where));
  const nMels = checkPositiveInt(`${where}nMels`, required(o, 'nMels', where));
  if (nFft < 2) throw new RangeError(`${where}nFft must be at least 2, got ${nFft}`);
  if (hopLength > nFft) {
    throw new RangeError(
      `${where}hopLength (${hopLength}) must not exceed ${where}nFft (${nFft}): frames would skip samples`,
    );
  }
  const [fMin, fMax] = checkMelRange(sampleRate, o.fMin, o.fMax, where);
  const whisperNormalize = checkBoolean(`${where}whisperNormalize`, o.whisperNormalize, true);
  const padToFrames = o.padToFrames === undefined ? undefined : checkPositiveInt(`${where}padToFrames`, o.padToFrames);
  return { sampleRate, nFft, hopLength, nMels, fMin, fMax, whisperNormalize, padToFrames };
}

/**
 * Reads the log-mel spec from a parsed config.json: either the whole config (its `audio` object is used) or the
 * `audio` section itself. Fills in the defaults; throws TypeError/RangeError naming the offending key.
 */
export function parseLogMelConfig(json: unknown): LogMelConfig {
  const audio = (json as { audio?: unknown } | null)?.audio;
  const whole = typeof audio === 'object' && audio !== null;
  return resolveConfig(whole ? audio : json, whole ? 'config.audio' : 'config');
}

/** numpy's 'reflect' padding: index i of an infinite mirror (without repeating the edge) of n samples. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** Computes log-mel features for one config; reuse it across signals (it keeps the FFT plan and filterbank). */
export class LogMelExtractor {
  readonly config: Readonly<LogMelConfig>;
  private readonly cfg: Resolved;
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  private readonly bank: MelFilterbank;

  constructor(config: LogMelConfig) {
    this.cfg = resolveConfig(config, 'config');
    this.config = Object.freeze({ ...this.cfg });
    const { nFft, nMels, sampleRate, fMin, fMax } = this.cfg;
    this.fft = new RealFft(nFft);
    this.window = new Float64Array(nFft);
    for (let j = 0; j < nFft; j++) this.window[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / nFft); // periodic
    this.bank = melFilterbank({ sampleRate, nFft, nMels, fMin, fMax });
  }

  /** Features of x (mono, at config.sampleRate). */
  compute(x: Float32Array): LogMelFeatures {
    checkSignal('x', x);
    const { hopLength, nFft, nMels, padToFrames, whisperNormalize } = this.cfg;
    const signal = padToFrames === undefined ? x : fitLength(x, padToFrames * hopLength);
    // torch.stft(center=True) gives 1 + L/hop frames; Whisper drops the last.
    const frames = Math.floor(signal.length / hopLength);
    if (frames === 0) {
      throw new RangeError(`x has ${x.length} samples; one frame needs at least hopLength = ${hopLength}`);
    }
    const data = new Float32Array(frames * nMels);
    const frame = new Float64Array(nFft);
    const power = new Float64Array(this.fft.bins);
    let max = -Infinity;
    for (let t = 0; t < frames; t++) {
      this.fillFrame(signal, t * hopLength - Math.floor(nFft / 2), frame);
      this.fft.power(frame, power);
      max = Math.max(max, this.applyMel(power, data, t * nMels));
    }
    if (whisperNormalize) {
      const floor = max - 8;
      for (let i = 0; i < data.length; i++) data[i] = (Math.max(data[i]!, floor) + 4) / 4;
    }
    return { data, frames, nMels };
  }

  /** Windowed samples from `start` (may be negative), mirrored at the ends. */
  private fillFrame(x: Float32Array, start: number, frame: Float64Array): void {
    const { window } = this;
    const n = frame.length;
    if (start >= 0 && start + n <= x.length) {
      for (let j = 0; j < n; j++) frame[j] = x[start + j]! * window[j]!;
    } else {
      for (let j = 0; j < n; j++) frame[j] = x[reflect(start + j, x.length)]! * window[j]!;
    }
  }

  /** log10 mel energies of one power spectrum into out[at..at + nMels); returns their maximum. */
  private applyMel(power: Float64Array, out: Float32Array, at: number): number {
    const { weights, bins, start, end, nMels } = this.bank;
    let max = -Infinity;
    for (let m = 0; m < nMels; m++) {
      let e = 0;
      for (let k = start[m]!, w = m * bins + k; k < end[m]!; k++, w++) e += weights[w]! * power[k]!;
      const v = Math.log10(Math.max(e, LOG_FLOOR));
      out[at + m] = v;
      max = Math.max(max, v);
    }
    return max;
  }
}

/** x cut or zero-padded to `length` samples. */
function fitLength(x: Float32Array, length: number): Float32Array {
  if (x.length === length) return x;
  const out = new Float32Array(length);
  out.set(x.subarray(0, length));
  return out;
}

/** Log-mel features of x under `config` (see LogMelExtractor to reuse the setup across many signals). */
export function logMelSpectrogram(x: Float32Array, config: LogMelConfig): LogMelFeatures {
  return new LogMelExtractor(config).compute(x);
}
