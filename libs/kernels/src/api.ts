// The public kernel functions. Each checks its arguments (validate.ts) before any native code runs (the addon is
// only touched after the checks), then calls the addon. The *Async variants run the kernel on the libuv thread pool: the event loop keeps running meanwhile, and
// the caller must not mutate the input arrays until the promise settles (the kernel reads them in place).
import { native, type DeviceCode, type NativeTopK } from './addon.js';
import type { Device, Matrix, NceDirection } from './dtype.js';
import { checkFilter, type RowFilter } from './filter.js';
import {
  checkBoolean,
  checkDevice,
  checkDirection,
  checkGroups,
  checkInt,
  checkMatrix,
  checkNonNegative,
  checkPositive,
  checkPositiveInt,
  checkSameCols,
  MAX_ROWS,
  show,
  type CheckedMatrix,
} from './validate.js';

// ---------------------------------------------------------------------------------------------------------------
// Library state

export interface KernelInfo {
  /** The addon was compiled with the CUDA kernels. */
  cudaBuilt: boolean;
  /** Usable CUDA devices (0 without CUDA build, driver or device). */
  cudaDevices: number;
  /** CPU instruction set the kernels dispatched to: 'avx512', 'avx2' or 'generic'. */
  isa: string;
  /** Threads the CPU kernels use. */
  threads: number;
}

export function kernelInfo(): KernelInfo {
  const i = native().info();
  return { cudaBuilt: i.cudaBuilt, cudaDevices: i.cudaDevices, isa: i.isa, threads: i.threads };
}

/** Sets the number of threads of the CPU kernels; `n <= 0` restores the default (the number of online cores). */
export function setThreads(n: number): void {
  const threads = checkInt('n', n);
  native().setThreads(threads);
}

/**
 * Peak bytes of scratch memory the kernels held at once since the last reset (inputs and outputs not counted;
 * CUDA device memory included). `reset` clears the peak after reading it.
 */
export function scratchPeakBytes(reset = false): number {
  const r = checkBoolean('reset', reset, false);
  return native().scratchPeakBytes(r);
}

let cudaAvailable: boolean | undefined;

/** Resolves a device option; 'cuda' without a usable device fails here, with a message saying why. */
function device(value: unknown): DeviceCode {
  const code = checkDevice('device', value);
  if (code === 2) {
    if (cudaAvailable === undefined) cudaAvailable = native().info().cudaDevices > 0;
    if (!cudaAvailable) {
      const why = native().info().cudaBuilt
        ? 'no CUDA device or driver is available'
        : 'the native addon was built without CUDA (no nvcc at build time)';
      throw new Error(`device 'cuda' was requested but ${why}; use device 'cpu' or 'auto'`);
    }
  }
  return code;
}

// ---------------------------------------------------------------------------------------------------------------
// dtype conversion

function toHalf(name: string, src: unknown, dst: 1 | 2): Uint16Array {
  if (!(src instanceof Float32Array)) throw new TypeError(`${name} must be a Float32Array, got ${show(src)}`);
  if (src.length === 0) return new Uint16Array(0);
  return native().convert(src, 0, dst) as Uint16Array;
}

function fromHalf(name: string, src: unknown, from: 1 | 2): Float32Array {
  if (!(src instanceof Uint16Array)) throw new TypeError(`${name} must be a Uint16Array, got ${show(src)}`);
  if (src.length === 0) return new Float32Array(0);
  return native().convert(src, from, 0) as Float32Array;
}

/** f32 → IEEE binary16 words, rounding to nearest even (overflow → ±Inf, NaN stays NaN). */
export function toF16(values: Float32Array): Uint16Array {
  return toHalf('values', values, 1);
}

/** f32 → bfloat16 words, rounding to nearest even (overflow → ±Inf, NaN stays NaN). */
export function toBf16(values: Float32Array): Uint16Array {
  return toHalf('values', values, 2);
}

/** IEEE binary16 words → f32 (exact). */
export function fromF16(words: Uint16Array): Float32Array {
  return fromHalf('words', words, 1);
}

/** bfloat16 words → f32 (exact). */
export function fromBf16(words: Uint16Array): Float32Array {
  return fromHalf('words', words, 2);
}

// ---------------------------------------------------------------------------------------------------------------
// Similarity

export interface KernelOptions {
  /** Where to run: 'auto' (default) picks CUDA when available, else the CPU. */
  device?: Device;
}

function similarityArgs(queries: Matrix, corpus: Matrix, opts: KernelOptions | undefined) {
  const q = checkMatrix('queries', queries);
  const c = checkMatrix('corpus', corpus);
  checkSameCols('queries', q, 'corpus', c);
  const dev = device(opts?.device);
  return [dev, q.data, q.code, c.data, c.code, q.rows, c.rows, q.cols] as const;
}

/**
 * All inner products S = Q·Cᵀ: a Float32Array of queries.rows × corpus.rows scores, row-major
 * (S[i * corpus.rows + j] = q_i · c_j). Meant for small outputs; use search() for top-k over a large corpus.
 */
export function similarity(queries: Matrix, corpus: Matrix, opts?: KernelOptions): Float32Array {
  const args = similarityArgs(queries, corpus, opts);
  return native().similarity(...args);
}

/** similarity() on the libuv thread pool. Do not mutate the inputs until the promise settles. */
export async function similarityAsync(queries: Matrix, corpus: Matrix, opts?: KernelOptions): Promise<Float32Array> {
  const args = similarityArgs(queries, corpus, opts);
  return native().similarityAsync(...args);
}

// ---------------------------------------------------------------------------------------------------------------
// Top-k search

export interface SearchOptions extends KernelOptions {
  /** How many corpus rows to return per query (at most the number of allowed rows are returned). */
  k: number;
  /** Only these corpus rows may be returned: a RowFilter over corpus.rows rows, or its raw bitmap. */
  filter?: RowFilter | Uint8Array;
}

export interface Hit {
  id: number;
  score: number;
}

/**
 * Top-k results of a batch of queries: per query `k` hits sorted by score descending, ties by lower row id.
 * `k` is the count actually returned per query: min(requested k, allowed corpus rows).
 */
export class SearchResult {
  constructor(
    /** Number of queries. */
    readonly queries: number,
    /** Hits per query. */
    readonly k: number,
    /** queries × k scores, row-major. */
    readonly scores: Float32Array,
    /** queries × k corpus row ids, row-major. */
    readonly ids: Int32Array,
  ) {}

  /** The hits of query `i`, best first. */
  hits(i: number): Hit[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.queries) {
      throw new RangeError(`query index must be an integer in [0, ${this.queries}), got ${show(i)}`);
    }
    const out: Hit[] = [];
    for (let r = 0, o = i * this.k; r < this.k; r++, o++) out.push({ id: this.ids[o]!, score: this.scores[o]! });
    return out;
  }
}

function searchArgs(queries: Matrix, corpus: Matrix, opts: SearchOptions) {
  const q = checkMatrix('queries', queries);
  const c: CheckedMatrix = checkMatrix('corpus', corpus, MAX_ROWS);
  checkSameCols('queries', q, 'corpus', c);
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`options must be an object { k, filter?, device? }`);
  const k = checkPositiveInt('k', opts.k);
  const allow = checkFilter('filter', opts.filter, c.rows);
  const dev = device(opts.device);
  // Native results have queries × k slots: never ask for more than the corpus holds.
  return [dev, q.data, q.code, c.data, c.code, q.rows, c.rows, q.cols, Math.min(k, c.rows), allow] as const;
}

/** Trims native results (q × kReq slots, k_out valid per row) to q × k_out. */
function toResult(qRows: number, kReq: number, r: NativeTopK): SearchResult {
  const kOut = r.k;
  if (kOut === kReq) return new SearchResult(qRows, kOut, r.scores, r.ids);
  const scores = new Float32Array(qRows * kOut);
  const ids = new Int32Array(qRows * kOut);
  for (let i = 0; i < qRows; i++) {
    scores.set(r.scores.subarray(i * kReq, i * kReq + kOut), i * kOut);
    ids.set(r.ids.subarray(i * kReq, i * kReq + kOut), i * kOut);
  }
  return new SearchResult(qRows, kOut, scores, ids);
}

/**
 * Exact inner-product top-k: for each query row, the `k` corpus rows with the largest score q·c, sorted by score
 * descending (ties: lower row id first; NaN scores last). The queries × corpus score matrix is never materialised.
 * Queries and corpus may have different dtypes.
 */
export function search(queries: Matrix, corpus: Matrix, opts: SearchOptions): SearchResult {
  const args = searchArgs(queries, corpus, opts);
  return toResult(args[5], args[8], native().searchTopK(...args));
}

/** search() on the libuv thread pool. Do not mutate the inputs (or the filter) until the promise settles. */
export async function searchAsync(queries: Matrix, corpus: Matrix, opts: SearchOptions): Promise<SearchResult> {
  const args = searchArgs(queries, corpus, opts);
  return toResult(args[5], args[8], await native().searchTopKAsync(...args));
}

// ---------------------------------------------------------------------------------------------------------------
// Hybrid-NCE

/** Options of the Hybrid-NCE loss. Defaults are the paper's main run (DESIGN.md §2). */
export interface HybridNceOptions extends KernelOptions {
  /** Temperature τ > 0. Default 0.05. */
  tau?: number;
  /** Weight α ≥ 0 of the positive term in the denominator. Default 1. */
  alpha?: number;
  /** Hard-negative reweighting strength β ≥ 0; 0 = uniform weights. Default 0.1. */
  beta?: number;
  /** Weight λ ≥ 0 of the extra positives (rows of the same group). Default 0.2. */
  lambda?: number;
  /**
   * One group id per pair (B ids, int32). Rows i ≠ j with groups[i] === groups[j] >= 0 are extra positives of each
   * other and leave each other's negatives; negative ids mean "no group". Default: no groups.
   */
  groups?: Int32Array | readonly number[];
  /** 'a2t' (default; audio rows against all texts, as the paper trains), 't2a', or 'both' (their mean). */
  direction?: NceDirection;
  /** Treat the hard-negative weights w_ij as constants in the backward pass. Default false (as the paper). */
  detachWeights?: boolean;
  /** Compute dAudio and dText. Default true. */
  grad?: boolean;
}

export interface HybridNceResult {
  loss: number;
  /** dL/dAudio, B × d f32 (null when grad is false). */
  dAudio: Float32Array | null;
  /** dL/dText, B × d f32 (null when grad is false). */
  dText: Float32Array | null;
}

function nceArgs(audio: Matrix, text: Matrix, opts: HybridNceOptions | undefined) {
  const a = checkMatrix('audio', audio);
  const t = checkMatrix('text', text);
  if (a.dtype !== t.dtype) {
    throw new TypeError(`audio.dtype ('${a.dtype}') and text.dtype ('${t.dtype}') must be the same`);
  }
  if (a.rows !== t.rows) {
    throw new RangeError(`audio.rows (${a.rows}) and text.rows (${t.rows}) must be equal: row i of each is pair i`);
  }
  checkSameCols('audio', a, 'text', t);
  const o = opts ?? {};
  if (typeof o !== 'object') throw new TypeError(`options must be an object, got ${show(o)}`);
  const tau = checkPositive('tau', o.tau ?? 0.05);
  const alpha = checkNonNegative('alpha', o.alpha ?? 1);
  const beta = checkNonNegative('beta', o.beta ?? 0.1);
  const lambda = checkNonNegative('lambda', o.lambda ?? 0.2);
  const groups = checkGroups('groups', o.groups, a.rows);
  const direction = checkDirection('direction', o.direction);
  const detach = checkBoolean('detachWeights', o.detachWeights, false);
  const grad = checkBoolean('grad', o.grad, true);
  const dev = device(o.device);
  return [dev, a.data, t.data, a.code, a.rows, a.cols, groups, tau, alpha, beta, lambda, direction, detach, grad] as const;
}

/**
 * The Hybrid-NCE loss over B (audio, text) pairs with s_ij = a_i · t_j (pass L2-normalised rows for cosine
 * similarity), and its gradient:
 *   P_i  = e^{s_ii/τ} + λ Σ_{j∈Pos(i), j≠i} e^{s_ij/τ}
 *   w_ij = |N(i)| e^{β s_ij/τ} / Σ_{k∈N(i)} e^{β s_ik/τ}          (N(i): the negatives of row i)
 *   L    = −(1/B) Σ_i log( P_i / (α P_i + Σ_{j∈N(i)} w_ij e^{s_ij/τ}) )
 * With λ = 0, β = 0, α = 1 and no groups this is plain InfoNCE. Memory is O(B·d): no B×B matrix is stored.
 */
export function hybridNce(audio: Matrix, text: Matrix, opts?: HybridNceOptions): HybridNceResult {
  const args = nceArgs(audio, text, opts);
  const r = native().hybridNce(...args);
  return { loss: r.loss, dAudio: r.dA, dText: r.dT };
}

/** hybridNce() on the libuv thread pool. Do not mutate the inputs until the promise settles. */
export async function hybridNceAsync(audio: Matrix, text: Matrix, opts?: HybridNceOptions): Promise<HybridNceResult> {
  const args = nceArgs(audio, text, opts);
  const r = await native().hybridNceAsync(...args);
  return { loss: r.loss, dAudio: r.dA, dText: r.dT };
}
