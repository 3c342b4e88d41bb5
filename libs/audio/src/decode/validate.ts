import { fail } from './errors.js';
import { MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, type AudioFormat, type DecodedAudio } from './types.js';

/** PCM as a parser or decoder produced it, before the checks every format shares. */
export interface RawAudio {
  sampleRate: number;
  channels: Float32Array[];
}

/** Rejects channel counts and sample rates no real audio has; called on headers before allocating anything. */
export function checkLayout(channels: number, sampleRate: number, where: string): void {
  if (!Number.isInteger(channels) || channels <= 0) fail('no-channels', `${where} declares ${channels} channels`);
  if (channels > MAX_CHANNELS)
    fail('too-many-channels', `${where} declares ${channels} channels (max ${MAX_CHANNELS})`);
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    fail('bad-sample-rate', `${where} declares a sample rate of ${sampleRate} Hz`);
  }
}

/** How many frames `maxDurationS` allows at this rate (at least one); Infinity when there is no limit. */
export function frameLimit(maxDurationS: number | undefined, sampleRate: number): number {
  return maxDurationS === undefined ? Infinity : Math.max(1, Math.floor(maxDurationS * sampleRate));
}

/**
 * The checks and clean-up every format goes through: sane layout, equal channel lengths, at least one frame,
 * the duration limit, and finite samples clamped to [-1, 1] (lossy decoders overshoot a little; float WAVs
 * may exceed full scale). NaN or infinity means the data is garbage, so it fails instead of being clamped.
 */
export function finishAudio(raw: RawAudio, format: AudioFormat, maxDurationS: number | undefined): DecodedAudio {
  checkLayout(raw.channels.length, raw.sampleRate, 'the decoded stream');
  const lengths = new Set(raw.channels.map((c) => c.length));
  if (lengths.size !== 1) fail('corrupt', `decoded channels differ in length (${[...lengths].join(', ')})`);
  const frames = Math.min(raw.channels[0]!.length, frameLimit(maxDurationS, raw.sampleRate));
  if (frames === 0) fail('zero-length', 'the stream holds no audio frames');
  const channels = raw.channels.map((c) => sanitise(c.length === frames ? c : c.slice(0, frames)));
  return { sampleRate: raw.sampleRate, channels, durationS: frames / raw.sampleRate, format };
}

function sanitise(samples: Float32Array): Float32Array {
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    if (!Number.isFinite(x)) fail('corrupt', `sample ${i} is ${x}`);
    if (x > 1) samples[i] = 1;
    else if (x < -1) samples[i] = -1;
  }
  return samples;
}
