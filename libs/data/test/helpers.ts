// Shared by the data tests: a minimal manifest record and a middle-of-the-road set of acoustic descriptors.
import type { AcousticDescriptors } from '../src/annotate/index.js';
import type { ClipRecord } from '../src/manifest.js';

/** A one-second training clip with the given tags (and source recordings, for mixtures). */
export const testClip = (id: string, tags: string[], recordings?: string[]): ClipRecord => ({
  id,
  audio: `${id}.flac`,
  durationS: 1,
  source: 'test',
  license: 'CC0-1.0',
  captionLong: 'a sound',
  captionShort: 'a sound',
  tags,
  tagClusters: [],
  split: 'train',
  ...(recordings ? { recordings } : {}),
});

/** A plain, unremarkable clip: every aspect in its middle band (no words at all). */
export const PLAIN_DESCRIPTORS: Readonly<AcousticDescriptors> = Object.freeze({
  durationS: 3,
  rmsDb: -24,
  peakDb: -6,
  loudnessLufs: -23,
  spectralCentroidHz: 2000,
  pitchHz: null,
  voicedRatio: 0.3,
  onsetCount: 0,
  onsetRate: 0,
  silenceRatio: 0.15,
  spectralFlatness: 0.2,
});
