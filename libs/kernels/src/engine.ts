// The training engine of native/ (include/aurola_engine.h): aurola's decoder-only audio-language model with its
// forward and backward passes and AdamW, as a typed class. Parameters and gradients are Float32Array views on the
// engine's own memory (valid as long as any view is reachable); forward and backward run off the event loop.
import { native } from './addon.js';

export interface EngineConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositions: number;
  audioConvs: { kernel: number; stride: number; channels: number }[];
  nMels: number;
}

/** One right-padded batch (see @aurola/train's packBatch). */
export interface EngineBatchInput {
  batch: number;
  length: number;
  ids: Int32Array;
  mask: Uint8Array;
  positions: Int32Array;
  readAt: Int32Array;
  audioSeq?: Int32Array;
  audioAt?: Int32Array;
  audioFrames?: Int32Array;
  audioFeatures?: Float32Array;
  selectIds?: Int32Array;
}

export interface EngineTensor {
  name: string;
  offset: number;
  count: number;
}

export interface AdamWOptions {
  m: Float32Array;
  v: Float32Array;
  /** Counts from 1 (bias correction). */
  step: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay?: number;
  /** One byte per tensor: 1 = decayed. */
  decayMask?: Uint8Array;
  /** Gradients are multiplied by this first (clipping, averaging accumulated micro-batches). */
  gradScale?: number;
}

interface NativeModel {
  readonly numParams: number;
  tensors(): EngineTensor[];
  params(): Float32Array;
  grads(): Float32Array;
  audioTokens(frames: number): number;
  forward(batch: EngineBatchInput): Promise<{ hidden: Float32Array; logits: Float32Array }>;
  backward(dHidden: Float32Array | null, dLogits: Float32Array | null): Promise<void>;
  zeroGrads(): void;
  gradNorm(): number;
  adamwStep(opts: AdamWOptions): void;
  activationBytes(): number;
  close(): void;
}

export class EngineModel {
  private readonly model: NativeModel;

  /** `threads` 0 = all cores. Throws an Error naming a bad config field. */
  constructor(
    readonly config: EngineConfig,
    threads = 0,
  ) {
    const Model = (native() as unknown as { Model: new (c: EngineConfig & { threads: number }) => NativeModel }).Model;
    this.model = new Model({ ...config, threads });
  }

  get numParams(): number {
    return this.model.numParams;
  }

  /** Every tensor's name ("layers.0.wq"), offset into params() and element count, in layout order. */
  tensors(): EngineTensor[] {
    return this.model.tensors();
  }

  params(): Float32Array {
    return this.model.params();
  }

  grads(): Float32Array {
    return this.model.grads();
  }

  audioTokens(frames: number): number {
    return this.model.audioTokens(frames);
  }

  /** Final-norm hidden states at readAt [batch × hidden] and the logits of selectIds there [batch × selected]. */
  forward(batch: EngineBatchInput): Promise<{ hidden: Float32Array; logits: Float32Array }> {
    return this.model.forward(batch);
  }

  /** Accumulates parameter gradients of the last forward. */
  backward(dHidden: Float32Array | null, dLogits: Float32Array | null = null): Promise<void> {
    return this.model.backward(dHidden, dLogits);
  }

  zeroGrads(): void {
    this.model.zeroGrads();
  }

  gradNorm(): number {
    return this.model.gradNorm();
  }

  adamwStep(opts: AdamWOptions): void {
    this.model.adamwStep(opts);
  }

  /** Bytes the engine holds for activations and backward temporaries. */
  activationBytes(): number {
    return this.model.activationBytes();
  }

  close(): void {
    this.model.close();
  }
}
