// Work in rounds: items pushed while a round runs wait, and all of them go together as the next round. The Searcher
// ranks in rounds because a kernel call streams the whole index through memory however many queries it ranks.

export class Rounds<T> {
  private waiting: T[] = [];
  private running = false;
  private started = 0;

  /** A round whose `work` rejects goes to `failed` (so that its items can still be answered); the next one runs. */
  constructor(
    private readonly work: (round: T[]) => Promise<void>,
    private readonly failed: (error: unknown, round: T[]) => void,
  ) {}

  /** Rounds started so far. */
  get count(): number {
    return this.started;
  }

  push(items: readonly T[]): void {
    this.waiting.push(...items);
    void this.next();
  }

  private async next(): Promise<void> {
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    const round = this.waiting;
    this.waiting = [];
    this.started++;
    try {
      await this.work(round);
    } catch (error) {
      this.failed(error, round);
    } finally {
      this.running = false;
      void this.next();
    }
  }
}
