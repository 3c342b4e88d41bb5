// aurola's model on the native engine, with its weights readable and writable as libs/backbone's DecoderWeights —
// the layout the ONNX writer exports and the float64 reference runs — so that a trained model becomes a model
// directory in one call.
import { randomDecoderWeights, checkDecoderWeights, writeModelDirectory, type DecoderArchitecture, type DecoderWeights, type ModelConfig } from '@aurola/backbone';
import { EngineModel } from '@aurola/kernels';

export interface CreateModelOptions {
  /** Initial weights from randomDecoderWeights(arch, nMels, seed). Default 1. */
  seed?: number | string;
  /** Engine threads; 0 (default) = all cores. Results do not depend on it. */
  threads?: number;
}

/** Walks a tensor name ("layers.3.wq", "audio.convs.0.bias") down a DecoderWeights object. */
function tensorOf(weights: DecoderWeights, name: string): Float32Array {
  let node: unknown = weights;
  for (const key of name.split('.')) node = (node as Record<string, unknown>)?.[key];
  if (!(node instanceof Float32Array)) throw new Error(`the weights have no tensor ${name}`);
  return node;
}

export class TrainableModel {
  private constructor(
    readonly arch: DecoderArchitecture,
    readonly nMels: number,
    readonly engine: EngineModel,
  ) {}

  /** A model with fresh random weights. */
  static create(arch: DecoderArchitecture, nMels: number, opts: CreateModelOptions = {}): TrainableModel {
    return TrainableModel.fromWeights(arch, randomDecoderWeights(arch, nMels, opts.seed ?? 1), opts.threads ?? 0);
  }

  static fromWeights(arch: DecoderArchitecture, weights: DecoderWeights, threads = 0): TrainableModel {
    checkDecoderWeights(arch, weights);
    const engine = new EngineModel({ ...arch, nMels: weights.nMels }, threads);
    const model = new TrainableModel(arch, weights.nMels, engine);
    model.setWeights(weights);
    return model;
  }

  get numParams(): number {
    return this.engine.numParams;
  }

  /** A copy of the current weights. */
  weights(): DecoderWeights {
    const weights = randomDecoderWeights(this.arch, this.nMels, 0); // the right shapes, overwritten below
    const params = this.engine.params();
    for (const t of this.engine.tensors()) tensorOf(weights, t.name).set(params.subarray(t.offset, t.offset + t.count));
    return weights;
  }

  setWeights(weights: DecoderWeights): void {
    checkDecoderWeights(this.arch, weights);
    const params = this.engine.params();
    for (const t of this.engine.tensors()) {
      const src = tensorOf(weights, t.name);
      if (src.length !== t.count) throw new RangeError(`tensor ${t.name} has ${src.length} values, the engine ${t.count}`);
      params.set(src, t.offset);
    }
  }

  /** Writes the current weights as a model directory (config.json's architecture must be this model's). */
  async export(dir: string, model: { config: ModelConfig; tokenizerJson: object; tokenizerConfig: object }): Promise<void> {
    await writeModelDirectory(dir, { ...model, weights: this.weights() });
  }

  close(): void {
    this.engine.close();
  }
}
