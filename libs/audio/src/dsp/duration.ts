// Fitting audio to the model's input: mono downmix, 16 kHz, at most 30 s (DESIGN.md §2: "Audio is 16 kHz mono,
// cut to 30 s").
import { resample, resampledLength, type ResampleOptions } from './resample.js';
import { checkNonNegative, checkOneOf, checkOptions, checkPositive, checkRate, checkSignal, show } from './validate.js';

export interface FitDurationOptions {
  /** Longer input is cut to this many seconds. */
  maxS: number;
  /** Shorter input is zero-padded to this many seconds (needs pad 'zero', which is then the default). */
  minS?: number;
  /** 'zero' pads short input to `minS`, or to `maxS` when minS is not given; 'none' (default) leaves it. */
  pad?: 'zero' | 'none';
  /** Which part a cut keeps, and where padding goes: 'start' (default: keep the start, pad at the end) or 'center'. */
  mode?: 'start' | 'center';
}

interface Fit {
  /** Samples to keep: [start, start + keep) of the input… */
  start: number;
  keep: number;
  /** …placed at this offset in an output of `length` zeros. */
  at: number;
  length: number;
}

function checkFit(opts: FitDurationOptions): Required<FitDurationOptions> {
  const o = checkOptions('opts', opts);
  if (o.maxS === undefined) throw new TypeError('opts.maxS is required');
  const maxS = checkPositive('opts.maxS', o.maxS);
  const pad = checkOneOf('opts.pad', o.pad, ['zero', 'none'] as const, o.minS === undefined ? 'none' : 'zero');
  const mode = checkOneOf('opts.mode', o.mode, ['start', 'center'] as const, 'start');
  if (o.minS !== undefined && pad === 'none') {
    throw new RangeError("opts.minS pads short input, so it cannot go with opts.pad 'none'");
  }
  const minS = o.minS === undefined ? (pad === 'zero' ? maxS : 0) : checkNonNegative('opts.minS', o.minS);
  if (minS > maxS) throw new RangeError(`opts.minS (${minS}) must not exceed opts.maxS (${maxS})`);
  return { maxS, minS, pad, mode };
}

/** Where the kept samples of an input of `length` samples come from and go to. */
function planFit(length: number, sampleRate: number, o: Required<FitDurationOptions>): Fit {
  const maxLen = Math.round(o.maxS * sampleRate);
  const minLen = Math.round(o.minS * sampleRate);
  const keep = Math.min(length, maxLen);
  const out = Math.max(keep, minLen);
  const centered = o.mode === 'center';
  return {
    start: centered ? Math.floor((length - keep) / 2) : 0,
    keep,
    at: centered ? Math.floor((out - keep) / 2) : 0,
    length: out,
  };
}

function applyFit(x: Float32Array, fit: Fit): Float32Array {
  const out = new Float32Array(fit.length);
  out.set(x.subarray(fit.start, fit.start + fit.keep), fit.at);
  return out;
}

/**
 * Cuts x to at most `maxS` seconds and, with pad 'zero', pads it with silence to at least `minS` (default
 * `maxS`) seconds. Always returns a new array.
 */
export function fitDuration(x: Float32Array, sampleRate: number, opts: FitDurationOptions): Float32Array {
  checkSignal('x', x, false);
  const rate = checkRate('sampleRate', sampleRate);
  return applyFit(x, planFit(x.length, rate, checkFit(opts)));
}

/** Mean of the channels (all of one length); one channel is returned as is. */
export function downmix(channels: Float32Array[]): Float32Array {
  if (!Array.isArray(channels)) throw new TypeError(`channels must be an array of Float32Array, got ${show(channels)}`);
  if (channels.length === 0) throw new RangeError('channels is empty (0 channels)');
  channels.forEach((c, i) => checkSignal(`channels[${i}]`, c, false));
  const length = channels[0]!.length;
  channels.forEach((c, i) => {
    if (c.length !== length) {
      throw new RangeError(`channels[${i}] has ${c.length} samples but channels[0] has ${length}`);
    }
  });
  if (channels.length === 1) return channels[0]!;
  const out = new Float32Array(length);
  for (const c of channels) for (let i = 0; i < length; i++) out[i]! += c[i]!;
  for (let i = 0; i < length; i++) out[i]! /= channels.length;
  return out;
}

export interface PrepareAudioOptions extends ResampleOptions {
  /** Output sample rate. Default 16000. */
  targetRate?: number;
  /** Cut to this many seconds. Default 30. */
  maxS?: number;
  minS?: number;
  pad?: 'zero' | 'none';
  mode?: 'start' | 'center';
}

/**
 * The model's input from decoded channels: mean downmix, resample to `targetRate` (16 kHz), then fitDuration
 * (30 s by default). Only the kept part is resampled, so a long recording costs no more than its first 30 s.
 */
export function prepareAudio(channels: Float32Array[], sampleRate: number, opts?: PrepareAudioOptions): Float32Array {
  const o = checkOptions('opts', opts);
  const from = checkRate('sampleRate', sampleRate, true);
  const to = o.targetRate === undefined ? 16000 : checkRate('opts.targetRate', o.targetRate, true);
  const fit = checkFit({ maxS: o.maxS ?? 30, minS: o.minS, pad: o.pad, mode: o.mode });
  const mono = downmix(channels);
  const plan = planFit(resampledLength(mono.length, from, to), to, fit);
  const kept = resample(mono, from, to, { ...o, offset: plan.start, length: plan.keep });
  return applyFit(kept, { ...plan, start: 0 });
}
