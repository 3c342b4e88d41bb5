// A fixed pool of worker threads running one module's `handle(job)`; jobs queue until a worker is free. A job
// that throws rejects its own promise only (the error's name and message cross the thread boundary); a worker
// that dies rejects its job and is replaced, so one bad input never stops a build or an index run.
import { Worker } from 'node:worker_threads';

interface Pending<R> {
  job: unknown;
  resolve: (value: R) => void;
  reject: (error: Error) => void;
}

// At the package root, so that the pool finds it both from src/ (sources) and from dist/ (built).
const TS_WORKER = new URL('../ts-worker.mjs', import.meta.url);

type Reply<R> = { ok: true; result: R } | { ok: false; error: { name: string; message: string } };

/** An error re-created on this side of the thread boundary, with the worker-side name. */
export class WorkerJobError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class WorkerPool<J, R> {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending<R>>();
  private readonly queue: Pending<R>[] = [];
  private closed = false;

  constructor(
    private readonly module: URL,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  run(job: J): Promise<R> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
  }

  private spawn(): Worker {
    // Run from TypeScript sources (tsx, Vitest), a worker needs its own tsx registration and the monorepo's
    // source export condition; run from built JavaScript it needs neither.
    const worker = this.module.pathname.endsWith('.ts')
      ? new Worker(TS_WORKER, {
          workerData: { module: this.module.href },
          execArgv: [...process.execArgv.filter((a) => !a.startsWith('--conditions')), '--conditions=aurola-source'],
        })
      : new Worker(this.module);
    worker.on('message', (reply: Reply<R>) => {
      const pending = this.busy.get(worker);
      if (!pending) return;
      this.busy.delete(worker);
      this.idle.push(worker);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new WorkerJobError(reply.error.name, reply.error.message));
      this.dispatch();
    });
    // 'error' (an uncaught exception in the worker) is always followed by 'exit'; replace the worker once, on exit.
    let cause = '';
    worker.on('error', (error) => (cause = error.message));
    worker.on('exit', (code) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      if (this.closed) return;
      pending?.reject(new WorkerJobError('WorkerExit', `worker thread died (exit code ${code}) ${cause}`.trim()));
      this.idle.push(this.spawn());
      this.dispatch();
    });
    return worker;
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.postMessage(pending.job);
    }
  }
}

/** The worker side: answers each message with `handle(message)`'s result or error. */
export function serveJobs<J, R>(port: import('node:worker_threads').MessagePort, handle: (job: J) => Promise<R>): void {
  port.on('message', (job: J) => {
    handle(job).then(
      (result) => port.postMessage({ ok: true, result }),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({ ok: false, error: { name: e.name, message: e.message } });
      },
    );
  });
}
