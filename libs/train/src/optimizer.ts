// AdamW with decoupled weight decay, global-norm gradient clipping and a learning-rate schedule. The moments live
// here (so checkpoints hold them); the update runs in the engine. Norm weights and biases are not decayed.
import { checkNonNegative, checkPositive } from '@aurola/args';

import type { TrainableModel } from './model.js';
import { learningRate, type CosineSchedule } from './schedule.js';

export interface AdamWSettings {
  schedule: CosineSchedule;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Global gradient-norm clip; default 1; 0 disables. */
  clipNorm?: number;
}

export interface StepReport {
  step: number;
  lr: number;
  gradNorm: number;
}

const NOT_DECAYED = /(Norm|bias|Bias)$/;

export class AdamW {
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Steps taken. */
  step = 0;
  private readonly decayMask: Uint8Array;

  constructor(
    private readonly model: TrainableModel,
    readonly settings: AdamWSettings,
  ) {
    this.m = new Float32Array(model.numParams);
    this.v = new Float32Array(model.numParams);
    this.decayMask = Uint8Array.from(model.engine.tensors(), (t) => (NOT_DECAYED.test(t.name) ? 0 : 1));
    checkNonNegative('settings.weightDecay', settings.weightDecay ?? 0.01);
    checkNonNegative('settings.clipNorm', settings.clipNorm ?? 1);
  }

  /** Applies the accumulated gradients (clipped), then zeroes them. */
  apply(): StepReport {
    const step = this.step + 1;
    const lr = learningRate(this.settings.schedule, step);
    const gradNorm = this.model.engine.gradNorm();
    if (!Number.isFinite(gradNorm)) throw new Error(`gradient norm is ${gradNorm} at step ${step}; not applying it`);
    const clip = this.settings.clipNorm ?? 1;
    this.model.engine.adamwStep({
      m: this.m,
      v: this.v,
      step,
      lr,
      beta1: this.settings.beta1 ?? 0.9,
      beta2: this.settings.beta2 ?? 0.999,
      eps: checkPositive('settings.eps', this.settings.eps ?? 1e-8),
      weightDecay: this.settings.weightDecay ?? 0.01,
      decayMask: this.decayMask,
      gradScale: clip > 0 && gradNorm > clip ? clip / gradNorm : 1,
    });
    this.model.engine.zeroGrads();
    this.step = step;
    return { step, lr, gradNorm };
  }
}
