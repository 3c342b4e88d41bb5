// Worker thread of `aurola index add`: hashes a file (sha256 of its bytes), or reads, hashes, decodes and prepares
// one clip for the model — 16 kHz mono, cut to the model's longest input — and, for a folder's files, tags and
// captions it from its names and its sound (annotateClip, as `data build` does).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';

import { decodeAudio, prepareAudio } from '@aurola/audio';
import { annotateClip, CLIP_SAMPLE_RATE, MIN_CLIP_S, type SourceItem } from '@aurola/data';
import { serveJobs } from '@aurola/jobs';

export type IndexJob =
  | { kind: 'hash'; file: string }
  | {
      kind: 'decode';
      file: string;
      /** A folder's file: tags and captions are made here. */
      item?: SourceItem;
      /** A manifest's clip: its captions and tags as given. */
      given?: { captions: string[]; tags: string[] };
      /** Seconds the model reads (the rest is not embedded). */
      modelMaxS: number;
      /** Decoding stops here: the recorded duration of longer files is this. */
      maxDecodeS: number;
      seed: number | string;
    };

export interface DecodedClip {
  contentHash: string;
  durationS: number;
  /** 16 kHz mono, at most modelMaxS seconds. */
  audio: Float32Array;
  captions: string[];
  tags: string[];
}

export type IndexJobResult = string | DecodedClip;

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Unique, non-empty captions, in order. */
function captionList(...captions: (string | undefined)[]): string[] {
  return [...new Set(captions.map((c) => c?.trim() ?? '').filter((c) => c !== ''))];
}

async function decodeClip(job: Extract<IndexJob, { kind: 'decode' }>): Promise<DecodedClip> {
  const bytes = await readFile(job.file);
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  const decoded = await decodeAudio(bytes, { name: job.file, maxDurationS: job.maxDecodeS });
  const audio = prepareAudio(decoded.channels, decoded.sampleRate, { targetRate: CLIP_SAMPLE_RATE, maxS: job.modelMaxS, pad: 'none' });
  if (audio.length < MIN_CLIP_S * CLIP_SAMPLE_RATE) {
    throw new RangeError(`${job.file}: ${(decoded.durationS * 1000).toFixed(0)} ms of audio is too short to index (at least ${MIN_CLIP_S * 1000} ms)`);
  }
  if (job.item) {
    const c = await annotateClip(job.item, audio, { seed: job.seed });
    return { contentHash, durationS: decoded.durationS, audio, captions: captionList(c.captionLong, c.captionShort), tags: c.tags };
  }
  return { contentHash, durationS: decoded.durationS, audio, captions: captionList(...(job.given?.captions ?? [])), tags: job.given?.tags ?? [] };
}

export function handle(job: IndexJob): Promise<IndexJobResult> {
  return job.kind === 'hash' ? sha256File(job.file) : decodeClip(job);
}

if (parentPort) serveJobs(parentPort, handle);
