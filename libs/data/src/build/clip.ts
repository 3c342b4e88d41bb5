// One source item → one manifest clip: decode, downmix and resample to 16 kHz, cut to the maximum duration,
// measure, tag, caption, and write the audio as 16-bit WAV. Clips that carry nothing to learn from (digital
// silence, a few milliseconds) are refused with a reason, so a build can report them instead of training on them.
import { join } from 'node:path';

import { decodeFile, describeAudio, encodeWav, prepareAudio } from '@aurola/audio';

import { RuleCaptioner, type Captioner, type Captions } from '../annotate/captioner.js';
import { describeInWords } from '../annotate/descriptors.js';
import { makeRng } from '../annotate/rng.js';
import { tagsFromLabels } from '../annotate/tags.js';
import { writeFileAtomic } from '../fs.js';
import type { ClipRecord } from '../manifest.js';
import type { SourceItem } from '../sources/item.js';

/** A clip before it is given a split and tag clusters. */
export type BuiltClip = Omit<ClipRecord, 'split' | 'tagClusters'>;

export interface BuildClipOptions {
  /** The build folder: audio goes to `<outDir>/audio/<id>.wav`, recorded relative to it. */
  outDir: string;
  /** Longer recordings are cut to their first `maxDurationS` seconds. Default 10. */
  maxDurationS?: number;
  /** Default RuleCaptioner. */
  captioner?: Captioner;
  /** Captions are drawn from `makeRng(`${seed}/${id}`)`, so a clip's captions do not depend on build order. */
  seed?: number | string;
}

export const CLIP_SAMPLE_RATE = 16000;
/** Shorter clips are refused: single waveform cycles, not sounds (a closed hi-hat lasts 40 ms or more). */
export const MIN_CLIP_S = 0.03;
/** Clips whose peak is below this (dBFS) are refused as silent. */
export const SILENT_PEAK_DB = -60;
/** Resampling can overshoot full scale by a little; such clips are scaled to this peak instead of clipping. */
const MAX_PEAK = 0.99;

/** A clip refused by buildClip (the item decoded fine). */
export class ClipRejectedError extends Error {
  constructor(
    readonly itemId: string,
    readonly reason: 'silent' | 'too-short',
    detail: string,
  ) {
    super(`${itemId}: ${detail}`);
    this.name = 'ClipRejectedError';
  }
}

/** The audio path of a clip inside the build folder. */
export const clipAudioPath = (id: string): string => `audio/${id}.wav`;

export interface AnnotateClipOptions {
  /** Default RuleCaptioner. */
  captioner?: Captioner;
  /** Captions are drawn from `makeRng(`${seed}/${id}`)`. Default 0. */
  seed?: number | string;
}

/**
 * Tags and captions of a decoded item (16 kHz mono `x`): the item's own tags, then tags from its labels; the
 * acoustic descriptors in words; the captioner's long and short captions. What buildClip writes into a manifest,
 * and what the indexer stores with a clip.
 */
export async function annotateClip(item: SourceItem, x: Float32Array, opts: AnnotateClipOptions = {}): Promise<Captions> {
  const words = describeInWords(describeAudio(x, CLIP_SAMPLE_RATE));
  const tags = [...new Set([...(item.tags ?? []), ...tagsFromLabels(item.labels)].map((t) => t.trim().toLowerCase()))]
    .filter((t) => t !== '');
  const captioner = opts.captioner ?? new RuleCaptioner();
  return captioner.caption(
    {
      tags,
      words,
      source: item.source,
      ...(item.transcript !== undefined ? { transcript: item.transcript } : {}),
      ...(item.humanCaptions ? { humanCaptions: item.humanCaptions } : {}),
    },
    makeRng(`${opts.seed ?? 0}/${item.id}`),
  );
}

/** Decodes, measures and captions `item`; writes its audio under `opts.outDir`. Throws AudioDecodeError or ClipRejectedError. */
export async function buildClip(item: SourceItem, opts: BuildClipOptions): Promise<BuiltClip> {
  const maxS = opts.maxDurationS ?? 10;
  const decoded = await decodeFile(item.file, { name: item.file, maxDurationS: maxS + 1 });
  const x = prepareAudio(decoded.channels, decoded.sampleRate, {
    targetRate: CLIP_SAMPLE_RATE,
    maxS,
    pad: 'none',
  });
  const durationS = x.length / CLIP_SAMPLE_RATE;
  if (durationS < MIN_CLIP_S) {
    throw new ClipRejectedError(item.id, 'too-short', `${(durationS * 1000).toFixed(0)} ms is too short`);
  }
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]!));
  if (peak === 0 || 20 * Math.log10(peak) < SILENT_PEAK_DB) {
    throw new ClipRejectedError(item.id, 'silent', `peak ${peak === 0 ? '-inf' : (20 * Math.log10(peak)).toFixed(1)} dBFS`);
  }
  if (peak > MAX_PEAK) for (let i = 0; i < x.length; i++) x[i]! *= MAX_PEAK / peak;

  const captions = await annotateClip(item, x, opts);

  const audio = clipAudioPath(item.id);
  await writeFileAtomic(join(opts.outDir, audio), encodeWav([x], CLIP_SAMPLE_RATE));
  return {
    id: item.id,
    audio,
    durationS,
    source: item.source,
    license: item.license,
    captionLong: captions.captionLong,
    captionShort: captions.captionShort,
    tags: captions.tags,
    ...(item.recording !== undefined ? { recordings: [item.recording] } : {}),
  };
}
