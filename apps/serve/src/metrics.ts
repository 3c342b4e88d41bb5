// Prometheus text exposition (format 0.0.4), hand-written: counters and histograms with labels, and gauges read at
// scrape time. Small on purpose — the server needs a handful of series, not a client library.

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export class Counter {
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const s = this.series.get(k);
    if (s) s.value += by;
    else this.series.set(k, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.series.get(key(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.series.values()) lines.push(`${this.name}${renderLabels(s.labels)} ${num(s.value)}`);
    return lines.join('\n');
  }
}

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  count(labels: Labels = {}): number {
    return this.series.get(key(labels))?.count ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${renderLabels(s.labels, ['le', num(b)])} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${renderLabels(s.labels, ['le', '+Inf'])} ${s.count}`);
      lines.push(`${this.name}_sum${renderLabels(s.labels)} ${num(s.sum)}`);
      lines.push(`${this.name}_count${renderLabels(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | { labels: Labels; value: number }[],
    /** 'counter' for a monotonic total kept elsewhere and read at scrape time. */
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    const v = this.read();
    if (typeof v === 'number') lines.push(`${this.name} ${num(v)}`);
    else for (const s of v) lines.push(`${this.name}${renderLabels(s.labels)} ${num(s.value)}`);
    return lines.join('\n');
  }
}

/** The server's metrics. */
export class ServerMetrics {
  readonly requests = new Counter('aurola_http_requests_total', 'HTTP requests by method, route pattern and status code.');
  readonly requestSeconds = new Histogram('aurola_http_request_duration_seconds', 'HTTP request duration by route pattern.');
  readonly searchSeconds = new Histogram(
    'aurola_search_duration_seconds',
    'Search latency inside the server (query embedding, index search, optional re-ranking) by query mode.',
  );
  readonly searchResults = new Counter('aurola_search_results_total', 'Hits returned by searches, by query mode.');
  readonly uploads = new Counter('aurola_audio_uploads_total', 'Uploaded audio files by outcome (decoded, refused).');
  private readonly gauges: Gauge[] = [];
  private readonly started = Date.now();

  constructor(indexSize: () => number, search?: () => { batches: number; rankRounds: number; queued: number; textCacheHits: number }) {
    this.gauges.push(new Gauge('aurola_index_clips', 'Clips in the index.', indexSize));
    if (search) {
      this.gauges.push(
        new Gauge('aurola_search_batches_total', 'Search micro-batches (one model call per modality).', () => search().batches, 'counter'),
        new Gauge(
          'aurola_search_rank_rounds_total',
          'Ranking rounds (one kernel call per filter over the queries embedded since the round before).',
          () => search().rankRounds,
          'counter',
        ),
        new Gauge('aurola_search_queued', 'Searches waiting for a free model worker, to go together as the next batch.', () => search().queued),
        new Gauge('aurola_search_text_cache_hits_total', 'Text searches answered from the cache of text vectors (no model call).', () => search().textCacheHits, 'counter'),
      );
    }
    this.gauges.push(
      new Gauge('aurola_process_uptime_seconds', 'Seconds since the server started.', () => (Date.now() - this.started) / 1000),
      new Gauge('aurola_process_resident_memory_bytes', 'Resident set size of the server process.', () => process.memoryUsage.rss()),
      new Gauge('aurola_process_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed),
    );
  }

  render(): string {
    return [this.requests, this.requestSeconds, this.searchSeconds, this.searchResults, this.uploads, ...this.gauges].map((m) => m.render()).join('\n') + '\n';
  }
}
