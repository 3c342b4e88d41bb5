// The worker side of WorkerBackbone: one OnnxMllmBackbone per thread, loaded on the first job (and again by a
// replacement worker), answering embedText, embedAudio and scorePairs.
import { parentPort } from 'node:worker_threads';

import { serveJobs } from '@aurola/jobs';

import type { EmbedOptions, RerankDirection, ScorePair } from './backbone.js';
import type { ModelConfig } from './config.js';
import { OnnxMllmBackbone, type LoadOptions } from './onnx-backbone.js';

export type BackboneJob = { load: { dir: string; opts: LoadOptions } } & (
  | { op: 'info' }
  | { op: 'embedText'; texts: string[]; opts: EmbedOptions }
  | { op: 'embedAudio'; clips: Float32Array[]; opts: EmbedOptions }
  | { op: 'scorePairs'; pairs: ScorePair[]; direction: RerankDirection }
);

export interface BackboneInfo {
  name: string;
  id: string;
  dim: number;
  config: ModelConfig;
}

let backbone: Promise<OnnxMllmBackbone> | undefined;

async function handle(job: BackboneJob): Promise<unknown> {
  backbone ??= OnnxMllmBackbone.load(job.load.dir, job.load.opts);
  const b = await backbone;
  switch (job.op) {
    case 'info':
      return { name: b.name, id: b.id, dim: b.dim, config: b.config } satisfies BackboneInfo;
    case 'embedText':
      return b.embedText(job.texts, job.opts);
    case 'embedAudio':
      return b.embedAudio(job.clips, job.opts);
    case 'scorePairs':
      return b.scorePairs(job.pairs, job.direction);
  }
}

if (parentPort) serveJobs(parentPort, handle);
