// Checkpoints: a folder with model.safetensors (weights by tensor name), optimizer.safetensors (AdamW's m and v)
// and state.json (step, architecture, anything the trainer adds). Written file by file atomically, state.json last,
// so a folder with a state.json is complete; restoring one continues training exactly (same next loss).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { DecoderArchitecture } from '@aurola/backbone';

import type { AdamW } from './optimizer.js';
import type { TrainableModel } from './model.js';
import { readSafetensors, writeSafetensors, type F32Tensor } from './safetensors.js';

export interface CheckpointState {
  step: number;
  arch: DecoderArchitecture;
  nMels: number;
  /** Whatever the trainer needs to resume (data order, RNG seeds, metrics). */
  extra?: Record<string, unknown>;
}

function byTensor(model: TrainableModel, flat: Float32Array): Record<string, F32Tensor> {
  const out: Record<string, F32Tensor> = {};
  for (const t of model.engine.tensors()) out[t.name] = { shape: [t.count], data: flat.subarray(t.offset, t.offset + t.count) };
  return out;
}

function intoFlat(model: TrainableModel, tensors: Record<string, F32Tensor>, flat: Float32Array, file: string): void {
  for (const t of model.engine.tensors()) {
    const src = tensors[t.name];
    if (!src || src.data.length !== t.count) {
      throw new Error(`${file}: tensor ${t.name} is ${src ? `${src.data.length} values, expected ${t.count}` : 'missing'}`);
    }
    flat.set(src.data, t.offset);
  }
}

export async function saveCheckpoint(dir: string, model: TrainableModel, optimizer: AdamW, extra?: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'model.safetensors'), byTensor(model, model.engine.params()));
  const moments: Record<string, F32Tensor> = {};
  for (const [name, t] of Object.entries(byTensor(model, optimizer.m))) moments[`m.${name}`] = t;
  for (const [name, t] of Object.entries(byTensor(model, optimizer.v))) moments[`v.${name}`] = t;
  await writeSafetensors(join(dir, 'optimizer.safetensors'), moments, { step: String(optimizer.step) });
  const state: CheckpointState = { step: optimizer.step, arch: model.arch, nMels: model.nMels, ...(extra ? { extra } : {}) };
  await writeFile(join(dir, 'state.json.tmp'), `${JSON.stringify(state, null, 2)}\n`);
  await rename(join(dir, 'state.json.tmp'), join(dir, 'state.json'));
}

/** The state of a checkpoint folder (throws when it is incomplete). */
export async function readCheckpointState(dir: string): Promise<CheckpointState> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  } catch (error) {
    throw new Error(`${dir} is not a complete checkpoint (state.json: ${(error as Error).message})`);
  }
}

/** Loads weights and optimiser moments into a model and optimiser built for the same architecture. */
export async function loadCheckpoint(dir: string, model: TrainableModel, optimizer: AdamW): Promise<CheckpointState> {
  const state = await readCheckpointState(dir);
  if (JSON.stringify(state.arch) !== JSON.stringify(model.arch) || state.nMels !== model.nMels) {
    throw new Error(`${dir}: the checkpoint's architecture differs from the model's`);
  }
  const weights = await readSafetensors(join(dir, 'model.safetensors'));
  intoFlat(model, weights.tensors, model.engine.params(), join(dir, 'model.safetensors'));
  const moments = await readSafetensors(join(dir, 'optimizer.safetensors'));
  const pick = (prefix: string) =>
    Object.fromEntries(Object.entries(moments.tensors).filter(([n]) => n.startsWith(prefix)).map(([n, t]) => [n.slice(prefix.length), t]));
  intoFlat(model, pick('m.'), optimizer.m, join(dir, 'optimizer.safetensors'));
  intoFlat(model, pick('v.'), optimizer.v, join(dir, 'optimizer.safetensors'));
  optimizer.step = state.step;
  return state;
}
