// Benchmark of the kernels through the TypeScript API.
//
//   npm run bench -w @aurola/kernels [-- options]        (or: npx tsx libs/kernels/bench/kernels.bench.ts ...)
//
// Options:
//   --quick              smaller shapes (N = 100000; B up to 4096) — the shapes `cpu_peers.py --quick` uses
//   --only REGEX         run only the cases whose name matches (also $AUROLA_BENCH_ONLY), e.g. --only 'search.*f16'
//   --peers FILE         JSON lines printed by ../shared/bench/cpu_peers.py: adds the speed-up against the matching
//                        peer case (FAISS IndexFlatIP for search, torch-cpu-autograd for hybrid-nce)
//   --device D           auto (default) | cpu | cuda
//   --threads N          CPU threads (default: all online cores)
//
// Prints one JSON object per case, then an aligned table. Times are the median over repetitions after one warm-up
// call (3 repetitions for the large cases, 5 otherwise). GFLOP/s counts 2·Q·N·d for search and 6·B²·d for
// Hybrid-NCE forward+backward (S = A·Tᵀ, dA = G·T, dT = Gᵀ·A; recomputed logits not counted). GB/s is the corpus
// bytes read once per search. Peak scratch is scratchPeakBytes() over the case's calls.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hybridNce, kernelInfo, scratchPeakBytes, search, setThreads, toF16, type Device, type Matrix } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    peers: { type: 'string' },
    device: { type: 'string', default: 'auto' },
    threads: { type: 'string' },
  },
});

const quick = args.quick ?? false;
const only = args.only ?? process.env.AUROLA_BENCH_ONLY;
const onlyRe = only ? new RegExp(only) : null;
const device = args.device as Device;
if (args.threads !== undefined) setThreads(Number(args.threads));

// ---------------------------------------------------------------------------------------------------------------
// Peer results

interface Peer {
  peer: string;
  ms: number;
  key: string;
}

/** Key a search case by Q,N,d,k and a Hybrid-NCE case by B,d, as both this script and cpu_peers.py name them. */
function searchKey(Q: number, N: number, d: number, k: number): string {
  return `search Q=${Q} N=${N} d=${d} k=${k}`;
}
function nceKey(B: number, d: number): string {
  return `nce B=${B} d=${d}`;
}

function loadPeers(file: string): Map<string, Peer> {
  const peers = new Map<string, Peer>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let r: { peer?: string; case?: string; ms?: number };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue;
    }
    if (!r.peer || !r.case || typeof r.ms !== 'number') continue;
    const s = /flat-search Q=(\d+) N=(\d+) d=(\d+) k=(\d+)/.exec(r.case);
    const h = /hybrid-nce fwd\+bwd B=(\d+) d=(\d+)/.exec(r.case);
    const key = s ? searchKey(+s[1]!, +s[2]!, +s[3]!, +s[4]!) : h ? nceKey(+h[1]!, +h[2]!) : null;
    if (key) peers.set(key, { peer: r.peer, ms: r.ms, key });
  }
  return peers;
}

const peers = args.peers ? loadPeers(args.peers) : new Map<string, Peer>();

// ---------------------------------------------------------------------------------------------------------------
// Data

/** xorshift128+-style generator: fast uniform floats for large inputs. */
function makeRandom(seed: number) {
  let a = seed >>> 0 || 1;
  let b = 0x9e3779b9;
  return () => {
    let t = a;
    const s = b;
    a = s;
    t ^= t << 23;
    t ^= t >>> 17;
    t ^= s ^ (s >>> 26);
    b = t;
    return ((a + b) >>> 0) / 2 ** 32 - 0.5;
  };
}

/** rows × d f32 with L2-normalised rows (uniform entries: cheap, and the kernels do not care about the shape). */
function normalizedRows(rows: number, d: number, seed: number): Float32Array {
  const rnd = makeRandom(seed);
  const x = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const v = rnd();
      x[r * d + c] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let c = 0; c < d; c++) x[r * d + c]! *= inv;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------------------------
// Timing

interface Row {
  case: string;
  ms: number;
  minMs: number;
  reps: number;
  gflops: number;
  gbps: number | null;
  scratchPeakBytes: number;
  peer: string | null;
  peerMs: number | null;
  speedup: number | null;
}

const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function time(fn: () => void, reps: number): { ms: number; minMs: number } {
  fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { ms: median(ts), minMs: Math.min(...ts) };
}

function runCase(name: string, key: string, flop: number, bytes: number | null, reps: number, fn: () => void) {
  if (onlyRe && !onlyRe.test(name)) return;
  scratchPeakBytes(true);
  const { ms, minMs } = time(fn, reps);
  const scratch = scratchPeakBytes(true);
  const peer = peers.get(key) ?? null;
  const row: Row = {
    case: name,
    ms: +ms.toFixed(3),
    minMs: +minMs.toFixed(3),
    reps,
    gflops: +(flop / ms / 1e6).toFixed(1),
    gbps: bytes === null ? null : +(bytes / ms / 1e6).toFixed(1),
    scratchPeakBytes: scratch,
    peer: peer?.peer ?? null,
    peerMs: peer?.ms ?? null,
    speedup: peer ? +(peer.ms / ms).toFixed(2) : null,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

// ---------------------------------------------------------------------------------------------------------------
// Cases

const info = kernelInfo();
console.log(JSON.stringify({ info, device, quick, only: only ?? null, peers: args.peers ?? null, node: process.version }));

const d = 512;
const N = quick ? 100_000 : 200_000;
const Qs = quick ? [1, 64, 256] : [1, 64, 256, 1024];
const ks = [10, 100];
const wantSearch = !onlyRe || Qs.some((Q) => ks.some((k) => onlyRe.test(`search Q=${Q} N=${N} d=${d} k=${k} f32`) || onlyRe.test(`search Q=1 N=${N} d=${d} k=${k} f16`)));

if (wantSearch) {
  const corpusData = normalizedRows(N, d, 1);
  const corpus: Matrix = { data: corpusData, rows: N, cols: d };
  const queryData = normalizedRows(Math.max(...Qs), d, 2);
  for (const Q of Qs) {
    const queries: Matrix = { data: queryData.subarray(0, Q * d), rows: Q, cols: d };
    for (const k of ks) {
      runCase(`search Q=${Q} N=${N} d=${d} k=${k} f32`, searchKey(Q, N, d, k), 2 * Q * N * d, N * d * 4, Q * N > 5e7 ? 3 : 5, () => {
        search(queries, corpus, { k, device });
      });
    }
  }
  const c16: Matrix = { data: toF16(corpusData), rows: N, cols: d, dtype: 'f16' };
  const q1: Matrix = { data: queryData.subarray(0, d), rows: 1, cols: d };
  for (const k of ks) {
    runCase(`search Q=1 N=${N} d=${d} k=${k} f16`, searchKey(1, N, d, k), 2 * N * d, N * d * 2, 5, () => {
      search(q1, c16, { k, device });
    });
  }
}

for (const B of quick ? [1024, 4096] : [1024, 4096, 8192]) {
  const name = `hybrid-nce fwd+bwd B=${B} d=${d} f32 a2t`;
  if (onlyRe && !onlyRe.test(name)) continue;
  const audio: Matrix = { data: normalizedRows(B, d, 3), rows: B, cols: d };
  const text: Matrix = { data: normalizedRows(B, d, 4), rows: B, cols: d };
  const rnd = makeRandom(5);
  const groups = Int32Array.from({ length: B }, () => Math.floor((rnd() + 0.5) * (B / 8 + 1)) - 1); // [-1, B/8)
  runCase(name, nceKey(B, d), 6 * B * B * d, null, B >= 8192 ? 3 : 5, () => {
    hybridNce(audio, text, { groups, direction: 'a2t', device }); // paper parameters: τ 0.05, α 1, β 0.1, λ 0.2
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Table

const size = (b: number) => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
const header = ['case', 'ms', 'GFLOP/s', 'GB/s', 'peak scratch', ...(peers.size ? ['peer ms', 'speed-up'] : [])];
const table = rows.map((r) => [
  r.case,
  r.ms.toFixed(2),
  r.gflops.toFixed(1),
  r.gbps === null ? '' : r.gbps.toFixed(1),
  size(r.scratchPeakBytes),
  ...(peers.size ? [r.peerMs === null ? '' : r.peerMs.toFixed(2), r.speedup === null ? '' : `${r.speedup.toFixed(2)}x`] : []),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`\n${info.isa}, ${info.threads} threads, device ${device}${quick ? ', quick' : ''}`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const t of table) console.log(line(t));
