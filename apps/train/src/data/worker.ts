// Worker thread of `data build`: builds one base clip, or renders one mixture from base clips already written.
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';

import { decodeFile, encodeWav, toMono } from '@aurola/audio';
import {
  buildClip,
  CLIP_SAMPLE_RATE,
  clipAudioPath,
  makeRng,
  mixtureRecord,
  renderMixture,
  writeFileAtomic,
  type BuiltClip,
  type ClipRecord,
  type MixturePlan,
  type SourceItem,
} from '@aurola/data';
import { serveJobs } from '@aurola/jobs';

export type BuildJob =
  | { kind: 'clip'; item: SourceItem; outDir: string; maxDurationS: number; seed: number | string }
  | { kind: 'mixture'; plan: MixturePlan; parts: ClipRecord[]; outDir: string; seed: number | string };

export type BuildJobResult = BuiltClip | ClipRecord;

async function renderMixtureJob(job: Extract<BuildJob, { kind: 'mixture' }>): Promise<ClipRecord> {
  const audio = new Map<string, Float32Array>();
  for (const part of job.parts) {
    const decoded = await decodeFile(join(job.outDir, part.audio), { name: part.audio });
    audio.set(part.id, toMono(decoded));
  }
  const x = renderMixture(job.plan, audio, CLIP_SAMPLE_RATE);
  const path = clipAudioPath(job.plan.id);
  await writeFileAtomic(join(job.outDir, path), encodeWav([x], CLIP_SAMPLE_RATE));
  const parts = new Map(job.parts.map((p) => [p.id, p]));
  return mixtureRecord(job.plan, parts, makeRng(`${job.seed}/${job.plan.id}`), path);
}

export function handle(job: BuildJob): Promise<BuildJobResult> {
  if (job.kind === 'clip') {
    return buildClip(job.item, { outDir: job.outDir, maxDurationS: job.maxDurationS, seed: job.seed });
  }
  return renderMixtureJob(job);
}

if (parentPort) serveJobs(parentPort, handle);
