// Plain float64 TypeScript reference for the kernels, written independently of the native code: f16/bf16 decoding
// and rounding from the bit layouts, similarity, full-sort top-k, and the Hybrid-NCE loss straight from the
// DESIGN.md §2 formula (B×B float64 matrices) with finite-difference gradients. Also a seeded PRNG and
// comparison helpers that report the worst element.
import type { DType, Matrix, NceDirection } from '../src/index.js';

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness

/** The suite's seed: $AUROLA_TEST_SEED when set (to replay a failure), else fresh every run. */
export function testSeed(): number {
  const env = process.env.AUROLA_TEST_SEED;
  if (env !== undefined && env !== '') return Number(env) >>> 0;
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 2 ** 32)) >>> 0;
}

/** A generator for one test case: the suite seed mixed with the case name (FNV-1a), so cases replay alone. */
export function caseRng(seed: number, name: string): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return new Rng((seed ^ h) >>> 0);
}

/** sfc32: small, fast, good enough for test data. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 2 ** 32;
  }
  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length)]!;
  }
  /** A child generator, so that adding draws in one test does not shift the data of another. */
  fork(): Rng {
    return new Rng(this.u32());
  }
}

// ---------------------------------------------------------------------------------------------------------------
// f16 / bf16 from bits

/** IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
export function decodeF16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 31) return man === 0 ? sign * Infinity : NaN;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** bfloat16: 1 sign, 8 exponent (bias 127), 7 mantissa bits. */
export function decodeBf16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 7) & 0xff;
  const man = h & 0x7f;
  if (exp === 0) return sign * man * 2 ** -133;
  if (exp === 255) return man === 0 ? sign * Infinity : NaN;
  return sign * (1 + man / 128) * 2 ** (exp - 127);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Exact floor(log2(a)) for a finite a > 0. */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  return e;
}

/**
 * Round-to-nearest-even encoding of a number into a binary format with `manBits` mantissa bits and exponent bias
 * `bias` (maximum biased exponent `maxExp` = all ones). Returns the 16-bit word; NaN gives the canonical quiet NaN.
 */
function encodeHalf(x: number, manBits: number, bias: number, maxExp: number): number {
  const signBit = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const inf = maxExp << manBits;
  if (Number.isNaN(x)) return inf | (1 << (manBits - 1));
  const a = Math.abs(x);
  if (a === Infinity) return signBit | inf;
  if (a === 0) return signBit;
  const minNormalExp = 1 - bias;
  const e = exponentOf(a);
  let word: number;
  if (e < minNormalExp) {
    // Subnormal: a multiple of 2^(minNormalExp - manBits); a carry into 1 << manBits is the smallest normal.
    word = roundHalfEven(a / 2 ** (minNormalExp - manBits));
  } else {
    let m = roundHalfEven((a / 2 ** e - 1) * 2 ** manBits);
    let be = e + bias;
    if (m === 2 ** manBits) {
      m = 0;
      be++;
    }
    word = be >= maxExp ? inf : (be << manBits) | m;
  }
  return signBit | word;
}

export function encodeF16(x: number): number {
  return encodeHalf(x, 10, 15, 31);
}

export function encodeBf16(x: number): number {
  return encodeHalf(x, 7, 127, 255);
}

export function decodeWord(dtype: DType, w: number): number {
  return dtype === 'f16' ? decodeF16(w) : decodeBf16(w);
}

/** The float64 values a matrix holds (f16/bf16 decoded from bits by the reference decoder). */
export function valuesOf(m: Matrix): Float64Array {
  const out = new Float64Array(m.data.length);
  const dtype = m.dtype ?? 'f32';
  if (dtype === 'f32') for (let i = 0; i < out.length; i++) out[i] = m.data[i]!;
  else for (let i = 0; i < out.length; i++) out[i] = decodeWord(dtype, m.data[i]!);
  return out;
}

/** Stores float64 values in `dtype` (f32 by Math.fround, f16/bf16 by the reference encoder). */
export function store(values: ArrayLike<number>, dtype: DType): Float32Array | Uint16Array {
  if (dtype === 'f32') return Float32Array.from(values);
  const enc = dtype === 'f16' ? encodeF16 : encodeBf16;
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = enc(Math.fround(values[i]!));
  return out;
}

export interface RandomMatrixOptions {
  /** L2-normalise every row (before the storage rounding). */
  normalize?: boolean;
  /** Draw integers in [-range, range] instead of normals: dot products are then exact in f32. */
  intRange?: number;
  scale?: number;
}

/** A random rows×cols matrix stored in `dtype`, with the exact float64 values it holds. */
export function randomMatrix(
  rng: Rng,
  rows: number,
  cols: number,
  dtype: DType = 'f32',
  opts: RandomMatrixOptions = {},
): { m: Matrix; v: Float64Array } {
  const raw = new Float64Array(rows * cols);
  for (let i = 0; i < raw.length; i++) {
    raw[i] = opts.intRange !== undefined ? rng.int(-opts.intRange, opts.intRange + 1) : rng.normal() * (opts.scale ?? 1);
  }
  if (opts.normalize) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += raw[r * cols + c]! ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let c = 0; c < cols; c++) raw[r * cols + c]! *= inv;
    }
  }
  const m: Matrix = { data: store(raw, dtype), rows, cols, dtype };
  return { m, v: valuesOf(m) };
}

// ---------------------------------------------------------------------------------------------------------------
// Similarity and top-k

/** S = Q·Cᵀ in float64, and Σ_k |q_ik c_jk| (for f32 error bounds). */
export function refSimilarity(
  q: Float64Array,
  c: Float64Array,
  qRows: number,
  nRows: number,
  d: number,
): { s: Float64Array; abs: Float64Array } {
  const s = new Float64Array(qRows * nRows);
  const abs = new Float64Array(qRows * nRows);
  for (let i = 0; i < qRows; i++) {
    for (let j = 0; j < nRows; j++) {
      let acc = 0;
      let accAbs = 0;
      for (let k = 0; k < d; k++) {
        const p = q[i * d + k]! * c[j * d + k]!;
        acc += p;
        accAbs += Math.abs(p);
      }
      s[i * nRows + j] = acc;
      abs[i * nRows + j] = accAbs;
    }
  }
  return { s, abs };
}

export function allowed(bitmap: Uint8Array | null, j: number): boolean {
  return bitmap === null || ((bitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

/**
 * Full-sort top-k of one score row: allowed rows sorted by (score desc, index asc), NaN below every number;
 * returns the first min(k, allowed) row ids.
 */
export function refTopK(scores: ArrayLike<number>, k: number, bitmap: Uint8Array | null = null): number[] {
  const ids: number[] = [];
  for (let j = 0; j < scores.length; j++) if (allowed(bitmap, j)) ids.push(j);
  ids.sort((x, y) => {
    const a = scores[x]!;
    const b = scores[y]!;
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    if (an !== bn) return an ? 1 : -1;
    if (!an && a !== b) return b - a > 0 ? 1 : -1;
    return x - y;
  });
  return ids.slice(0, k);
}

// ---------------------------------------------------------------------------------------------------------------
// Hybrid-NCE

export interface NceParams {
  tau: number;
  alpha: number;
  beta: number;
  lambda: number;
  groups: ArrayLike<number> | null;
  direction: NceDirection;
}

/** Logits s_ij for the anchors of one direction: a2t rows are audio i against text j; t2a the transpose. */
function scoresFor(A: Float64Array, T: Float64Array, B: number, d: number, dir: 'a2t' | 't2a'): Float64Array {
  const [X, Y] = dir === 'a2t' ? [A, T] : [T, A];
  return refSimilarity(X, Y, B, B, d).s;
}

function isPositive(groups: ArrayLike<number> | null, i: number, j: number): boolean {
  return groups !== null && i !== j && groups[i]! >= 0 && groups[i] === groups[j];
}

/** w_ij of the formula for one direction's logits (0 outside the negatives N(i)). */
export function nceWeights(S: Float64Array, B: number, p: NceParams): Float64Array {
  const W = new Float64Array(B * B);
  for (let i = 0; i < B; i++) {
    let n = 0;
    let mx = -Infinity;
    for (let j = 0; j < B; j++) {
      if (j === i || isPositive(p.groups, i, j)) continue;
      n++;
      mx = Math.max(mx, (p.beta * S[i * B + j]!) / p.tau);
    }
    if (n === 0) continue;
    let z = 0;
    for (let j = 0; j < B; j++) {
      if (j === i || isPositive(p.groups, i, j)) continue;
      z += Math.exp((p.beta * S[i * B + j]!) / p.tau - mx);
    }
    for (let j = 0; j < B; j++) {
      if (j === i || isPositive(p.groups, i, j)) continue;
      W[i * B + j] = (n * Math.exp((p.beta * S[i * B + j]!) / p.tau - mx)) / z;
    }
  }
  return W;
}

/** One direction's loss from its logits; `W` = frozen weights, or null to compute them from S. */
function nceFromScores(S: Float64Array, B: number, p: NceParams, W: Float64Array | null): number {
  const w = W ?? nceWeights(S, B, p);
  let total = 0;
  for (let i = 0; i < B; i++) {
    let m = -Infinity;
    for (let j = 0; j < B; j++) m = Math.max(m, S[i * B + j]! / p.tau);
    let P = Math.exp(S[i * B + i]! / p.tau - m);
    let neg = 0;
    for (let j = 0; j < B; j++) {
      if (j === i) continue;
      const e = Math.exp(S[i * B + j]! / p.tau - m);
      if (isPositive(p.groups, i, j)) P += p.lambda * e;
      else neg += w[i * B + j]! * e;
    }
    total += -(Math.log(P) - Math.log(p.alpha * P + neg));
  }
  return total / B;
}

/** Frozen weights of every direction the params use, at the given inputs. */
export function frozenWeights(
  A: Float64Array,
  T: Float64Array,
  B: number,
  d: number,
  p: NceParams,
): { a2t: Float64Array; t2a: Float64Array } {
  return {
    a2t: nceWeights(scoresFor(A, T, B, d, 'a2t'), B, p),
    t2a: nceWeights(scoresFor(A, T, B, d, 't2a'), B, p),
  };
}

/**
 * The Hybrid-NCE loss of DESIGN.md §2 in float64. With `frozen`, the hard-negative weights are those constants
 * (the detached variant's loss surface) instead of functions of A and T.
 */
export function refHybridNce(
  A: Float64Array,
  T: Float64Array,
  B: number,
  d: number,
  p: NceParams,
  frozen?: { a2t: Float64Array; t2a: Float64Array },
): number {
  const one = (dir: 'a2t' | 't2a') => nceFromScores(scoresFor(A, T, B, d, dir), B, p, frozen ? frozen[dir] : null);
  if (p.direction === 'both') return (one('a2t') + one('t2a')) / 2;
  return one(p.direction);
}

/** Plain InfoNCE, a2t: −mean_i log softmax_j(a_i·t_j / τ)[i], written without any of the Hybrid-NCE machinery. */
export function refInfoNce(A: Float64Array, T: Float64Array, B: number, d: number, tau: number): number {
  let total = 0;
  for (let i = 0; i < B; i++) {
    const logits: number[] = [];
    for (let j = 0; j < B; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += A[i * d + k]! * T[j * d + k]!;
      logits.push(s / tau);
    }
    const mx = Math.max(...logits);
    const lse = mx + Math.log(logits.reduce((acc, l) => acc + Math.exp(l - mx), 0));
    total += lse - logits[i]!;
  }
  return total / B;
}

/** Central finite-difference gradient of f(A, T) with respect to every element of A and of T. */
export function fdGradient(
  f: (A: Float64Array, T: Float64Array) => number,
  A: Float64Array,
  T: Float64Array,
  h = 1e-5,
): { dA: Float64Array; dT: Float64Array } {
  const grad = (X: Float64Array) => {
    const g = new Float64Array(X.length);
    for (let i = 0; i < X.length; i++) {
      const x0 = X[i]!;
      X[i] = x0 + h;
      const up = f(A, T);
      X[i] = x0 - h;
      const down = f(A, T);
      X[i] = x0;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  };
  return { dA: grad(A), dT: grad(T) };
}

/** Central finite difference of f along the direction (V, U): d/dh f(A + hV, T + hU) at h = 0. */
export function fdDirectional(
  f: (A: Float64Array, T: Float64Array) => number,
  A: Float64Array,
  T: Float64Array,
  V: Float64Array,
  U: Float64Array,
  h = 1e-5,
): number {
  const shift = (X: Float64Array, D: Float64Array, s: number) => X.map((x, i) => x + s * D[i]!);
  return (f(shift(A, V, h), shift(T, U, h)) - f(shift(A, V, -h), shift(T, U, -h))) / (2 * h);
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison

export interface Tolerance {
  /** Allowed |got − want| relative to `scale` (default: |want| elementwise). */
  rel: number;
  abs: number;
}

/**
 * Asserts |got[i] − want[i]| ≤ abs + rel·scale[i] for every i (scale defaults to |want[i]|), and throws one Error
 * naming the worst element, its values and `context` (which carries the seed and case).
 */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
  context: string,
  scale?: ArrayLike<number> | number,
): void {
  if (got.length !== want.length) throw new Error(`${context}: length ${got.length}, expected ${want.length}`);
  let worst = -1;
  let worstExcess = 0;
  let maxErr = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const sc = scale === undefined ? Math.abs(w) : typeof scale === 'number' ? scale : scale[i]!;
    const err = Math.abs(g - w);
    const bound = tol.abs + tol.rel * sc;
    if (!(err <= bound)) {
      const excess = Number.isNaN(err) ? Infinity : err / bound;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
    if (err > maxErr) maxErr = err;
  }
  if (worst >= 0) {
    throw new Error(
      `${context}: element ${worst} got ${got[worst]}, expected ${want[worst]} ` +
        `(|diff| ${Math.abs(got[worst]! - want[worst]!).toExponential(3)}, tolerance abs ${tol.abs} + rel ${tol.rel}; ` +
        `max |diff| over all ${maxErr.toExponential(3)})`,
    );
  }
}

/** max_i |x_i|. */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** Random direction with entries N(0, 1). */
export function randomDirection(rng: Rng, n: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}
