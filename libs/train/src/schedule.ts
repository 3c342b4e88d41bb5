// Learning-rate schedule: linear warm-up from 0, then a cosine decay to minLr at totalSteps (flat after).
import { checkNonNegative, checkPositive, checkPositiveInt } from '@aurola/args';

export interface CosineSchedule {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  /** Default 0. */
  minLr?: number;
}

/** The learning rate of step `step` (counting from 1). */
export function learningRate(schedule: CosineSchedule, step: number): number {
  const lr = checkPositive('schedule.lr', schedule.lr);
  const total = checkPositiveInt('schedule.totalSteps', schedule.totalSteps);
  const warmup = checkNonNegative('schedule.warmupSteps', schedule.warmupSteps);
  const minLr = checkNonNegative('schedule.minLr', schedule.minLr ?? 0);
  checkPositiveInt('step', step);
  if (step <= warmup) return (lr * step) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
}
