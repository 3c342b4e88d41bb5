// A progress line for long work: count, rate, elapsed and ETA. On a terminal it redraws one line in place; in a
// log (CI, a pipe) it prints a line every few seconds instead, so logs stay readable.
export interface ProgressOptions {
  /** Where to draw; default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Unit of the rate, e.g. 'clips'. */
  unit?: string;
  /** Seconds between lines when the stream is not a terminal. Default 10. */
  logEveryS?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(rest).padStart(2, '0')}s` : `${rest}s`;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly unit: string;
  private readonly logEveryMs: number;
  private readonly start = Date.now();
  private lastDraw = 0;
  private done = 0;
  private failed = 0;
  private note = '';

  constructor(
    private readonly label: string,
    private readonly total: number,
    opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.unit = opts.unit ?? 'items';
    this.logEveryMs = (opts.logEveryS ?? 10) * 1000;
  }

  /** Counts one finished item, or `count` at once (failed ones are counted and shown separately). */
  tick(ok = true, count = 1): void {
    this.done += count;
    if (!ok) this.failed += count;
    const now = Date.now();
    const tty = this.stream.isTTY === true;
    if (this.done >= this.total || now - this.lastDraw >= (tty ? 100 : this.logEveryMs)) {
      this.lastDraw = now;
      this.draw(tty);
    }
  }

  /** A short status shown at the end of the line from the next redraw on, e.g. the loss of a training step. */
  setNote(note: string): void {
    this.note = note;
  }

  line(): string {
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const left = this.total - this.done;
    const eta = left <= 0 ? 0 : rate > 0 ? left / rate : Number.POSITIVE_INFINITY;
    const pct = this.total > 0 ? (100 * this.done) / this.total : 100;
    const width = 24;
    const filled = Math.round((width * pct) / 100);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const failed = this.failed > 0 ? `, ${this.failed} failed` : '';
    return (
      `${this.label} [${bar}] ${this.done}/${this.total} (${pct.toFixed(0)}%${failed}) ` +
      `${rate.toFixed(1)} ${this.unit}/s, ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}` +
      (this.note ? `, ${this.note}` : '')
    );
  }

  private draw(tty: boolean): void {
    if (tty) this.stream.write(`\r\x1b[K${this.line()}${this.done >= this.total ? '\n' : ''}`);
    else this.stream.write(`${this.line()}\n`);
  }
}
