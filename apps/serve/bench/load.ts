// Load benchmark: `npm run bench -w @aurola/serve [-- --clips 100000 --duration 10 --connections 1,16,64]`.
// Starts bench/server.ts as a child process (a synthetic index of 100 000 clips, the real model for the query
// embeddings, the real Searcher and server), then drives POST /v1/search with random short text queries through
// autocannon for a bounded time at each concurrency, without and with a source filter, and prints p50/p99 latency
// (measured per response, in ms) and queries/s. Re-ranking is off. The embedding of each text query is part of the
// measured path.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';

import { makeRng } from '@aurola/args';

import { BENCH_WORDS, SOURCES } from './words.js';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1,16,64' },
    model: { type: 'string' },
    threads: { type: 'string' },
    'model-workers': { type: 'string' },
    json: { type: 'string' },
  },
});

interface Ready {
  ready: true;
  port: number;
  model: string;
  clips: number;
  dim: number;
  dtype: string;
  buildS: number;
}

interface Row {
  filter: string;
  connections: number;
  requests: number;
  qps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  /** Mean queries per Searcher batch (one model call) and per ranking round (one kernel call), from /metrics. */
  batch: number;
  round: number;
}

/** Searches answered, search batches and ranking rounds so far, from /metrics. */
async function counters(port: number): Promise<{ searches: number; batches: number; rounds: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let searches = 0;
  for (const m of text.matchAll(/^aurola_search_duration_seconds_count\{[^}]*\} (\d+)$/gm)) searches += Number(m[1]);
  const batches = Number(/^aurola_search_batches_total (\d+)$/m.exec(text)?.[1] ?? NaN);
  const rounds = Number(/^aurola_search_rank_rounds_total (\d+)$/m.exec(text)?.[1] ?? NaN);
  return { searches, batches, rounds };
}

function startServer(): Promise<{ child: ChildProcess; info: Ready }> {
  const args = ['--clips', values.clips!];
  if (values.model) args.push('--model', values.model);
  if (values.threads) args.push('--threads', values.threads);
  if (values['model-workers']) args.push('--model-workers', values['model-workers']);
  const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), args, {
    execArgv: ['--conditions=aurola-source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, info: m as Ready }));
    child.once('exit', (code) => reject(new Error(`the benchmark server exited (${code}) before it was ready`)));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function drive(port: number, connections: number, seconds: number, filter: object | undefined, seed: number): Promise<Row> {
  const rng = makeRng(seed);
  const text = () => Array.from({ length: 2 + Math.floor(rng() * 6) }, () => BENCH_WORDS[Math.floor(rng() * BENCH_WORDS.length)]).join(' ');
  const latencies: number[] = [];
  const before = await counters(port);
  // without a callback autocannon returns its emitter, which is also a promise of the result
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/v1/search',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ text: text(), k: 10, ...(filter ? { filter } : {}) }) }),
      },
    ],
  }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === 200) latencies.push(responseTime);
  });
  const result = await instance;
  const after = await counters(port);
  latencies.sort((a, b) => a - b);
  return {
    filter: filter ? JSON.stringify(filter) : 'none',
    connections,
    requests: latencies.length,
    qps: latencies.length / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    batch: (after.searches - before.searches) / Math.max(1, after.batches - before.batches),
    round: (after.searches - before.searches) / Math.max(1, after.rounds - before.rounds),
  };
}

const concurrencies = values.connections!.split(',').map(Number);
const seconds = Number(values.duration);
const warmup = Number(values.warmup);
process.stdout.write(`starting the server: ${values.clips} synthetic clips…\n`);
const { child, info } = await startServer();
try {
  process.stdout.write(
    `index: ${info.clips} clips, d=${info.dim}, ${info.dtype} (built in ${info.buildS.toFixed(1)} s)\nmodel: ${info.model}\n` +
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${seconds} s per run after ${warmup} s of warm-up; k=10, no re-ranking\n\n`,
  );
  const rows: Row[] = [];
  let seed = 1;
  for (const filter of [undefined, { source: SOURCES[3] }]) {
    for (const c of concurrencies) {
      if (warmup > 0) await drive(info.port, c, warmup, filter, 1000 + seed);
      const row = await drive(info.port, c, seconds, filter, seed++);
      rows.push(row);
      process.stdout.write(
        `filter ${row.filter.padEnd(28)} c=${String(c).padStart(3)}  p50 ${row.p50.toFixed(2).padStart(7)} ms  p99 ${row.p99.toFixed(2).padStart(7)} ms  ` +
          `${row.qps.toFixed(0).padStart(5)} q/s  batch ${row.batch.toFixed(1).padStart(4)}  round ${row.round.toFixed(1).padStart(4)}  (${row.requests} ok, ${row.non2xx} non-2xx, ${row.errors} errors)\n`,
      );
    }
  }
  process.stdout.write('\n| filter | concurrency | p50 ms | p99 ms | queries/s | queries per batch | queries per ranking round |\n|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.filter === 'none' ? 'none' : `\`${r.filter}\``} | ${r.connections} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.qps.toFixed(0)} | ${r.batch.toFixed(1)} | ${r.round.toFixed(1)} |\n`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ ...info, seconds, rows }, null, 2));
} finally {
  child.kill('SIGTERM');
}
