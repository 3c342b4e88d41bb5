// The ONNX runner in worker threads. onnxruntime-node runs a session synchronously on the thread that calls it
// (microsoft/onnxruntime#19611), so a server that embeds on its main thread stops answering, and stops sending the
// results it already has, for as long as a batch takes. Here the sessions live in worker threads of their own (one
// by default, each with its own copy of the model); the caller's event loop stays free, and a searcher can rank
// one batch while the workers embed the next ones.
import { checkPositiveInt } from '@aurola/args';
import { WorkerPool } from '@aurola/jobs';

import type { Backbone, EmbedOptions, Embeddings, RerankDirection, ScorePair } from './backbone.js';
import type { ModelConfig } from './config.js';
import { readModelDirectory } from './model-directory.js';
import type { LoadOptions } from './onnx-backbone.js';
import type { BackboneJob, BackboneInfo } from './backbone-worker.js';

export interface WorkerLoadOptions extends LoadOptions {
  /**
   * Worker threads, each running its own copy of the model (default 1): calls made at the same time run in
   * parallel, up to this many. With several, give each few onnxruntime `threads` (1 on a small machine).
   */
  workers?: number;
}

// The elements are checked by the runner in the worker (its errors cross back with their name and message).
function checkArray(name: string, value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array, got ${value === null ? 'null' : typeof value}`);
}

export class WorkerBackbone implements Backbone {
  private closed = false;
  /** Jobs sent and not answered: close() waits for them (stopping a worker inside a session aborts the process). */
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly pool: WorkerPool<BackboneJob, unknown>,
    private readonly load: { dir: string; opts: LoadOptions },
    readonly name: string,
    readonly id: string,
    readonly dim: number,
    readonly dir: string,
    readonly config: ModelConfig,
    readonly concurrency: number,
  ) {}

  /**
   * Loads a model directory into new worker threads. The contract is checked here first, so that a bad directory
   * throws ModelDirectoryError on this thread; a worker that dies is replaced and loads the model again.
   */
  static async load(dir: string, opts: WorkerLoadOptions = {}): Promise<WorkerBackbone> {
    const { workers: workersOpt, ...runnerOpts } = opts;
    const workers = checkPositiveInt('opts.workers', workersOpt ?? 1);
    const { dir: root } = await readModelDirectory(dir);
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const pool = new WorkerPool<BackboneJob, unknown>(new URL(`./backbone-worker.${ext}`, import.meta.url), workers);
    const load = { dir: root, opts: runnerOpts };
    try {
      // One job per worker, all at once, so that every worker holds the model before the first real call.
      const [info] = (await Promise.all(Array.from({ length: workers }, () => pool.run({ load, op: 'info' })))) as BackboneInfo[];
      return new WorkerBackbone(pool, load, info!.name, info!.id, info!.dim, root, info!.config, workers);
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  async embedText(texts: readonly string[], opts: EmbedOptions = {}): Promise<Embeddings> {
    this.checkOpen();
    checkArray('texts', texts);
    return (await this.call({ load: this.load, op: 'embedText', texts: [...texts], opts })) as Embeddings;
  }

  async embedAudio(clips: readonly Float32Array[], opts: EmbedOptions = {}): Promise<Embeddings> {
    this.checkOpen();
    checkArray('clips', clips);
    return (await this.call({ load: this.load, op: 'embedAudio', clips: [...clips], opts })) as Embeddings;
  }

  async scorePairs(pairs: readonly ScorePair[], direction: RerankDirection): Promise<Float32Array> {
    this.checkOpen();
    checkArray('pairs', pairs);
    return (await this.call({ load: this.load, op: 'scorePairs', pairs: [...pairs], direction })) as Float32Array;
  }

  /** Stops the worker once the calls already made are answered; later calls throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.pool.close();
  }

  private call(job: BackboneJob): Promise<unknown> {
    const answer = this.pool.run(job);
    this.inFlight.add(answer);
    const settled = () => void this.inFlight.delete(answer);
    answer.then(settled, settled);
    return answer;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`backbone ${this.name} is closed`);
  }
}
