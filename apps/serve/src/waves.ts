// Search waves. The Searcher batches the queries that reach it within one turn of the event loop; HTTP requests,
// though, arrive one socket at a time, so under load a busy server would start many small overlapping batches that
// fight over the cores. The gate holds queries that arrive while a wave is being answered and lets them all go in
// the same turn once it is done: under load every wave is one big batch (one embedding call, one kernel call per
// filter), and no query waits longer than the wave before it plus its own. With no load a query starts at once.

export class WaveGate {
  private active = 0;
  private waiting: (() => void)[] = [];
  private waves = 0;

  /** Waves started so far (for /metrics). */
  get started(): number {
    return this.waves;
  }

  /** Queries waiting for the current wave to finish. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active > 0 || this.waiting.length > 0) {
      // the wave that releases us counts us in `active` before we resume
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.waves++;
      this.active++;
    }
    try {
      return await work();
    } finally {
      this.active--;
      if (this.active === 0 && this.waiting.length > 0) {
        const next = this.waiting;
        this.waiting = [];
        this.waves++;
        this.active += next.length;
        for (const go of next) go();
      }
    }
  }
}
