// Band-limited resampling between any two integer sample rates: Kaiser-windowed sinc filters evaluated in
// polyphase form. Output sample n sits exactly at input time n·from/to (every filter is centred on its output, so
// there is no group delay to compensate), and the signal is taken as zero outside its ends.
//
// Large downsampling ratios run in two stages: a short integer decimator whose pass band reaches the final stop
// edge (its aliases land where the second stage removes them), then the steep rational filter at the lower rate.
// The steep filter's length in input samples grows with the input rate, so this roughly halves the work for
// 44.1/48 kHz → 16 kHz.
import { checkOptions, checkPositive, checkRate, checkSignal, show } from './validate.js';

export interface ResampleOptions {
  /** −6 dB point of the low-pass, as a fraction of the lower Nyquist frequency. Default 0.998. */
  cutoff?: number;
  /** Full width of the Kaiser transition band, as a fraction of the lower Nyquist frequency. Default 0.04. */
  transition?: number;
  /** Stop-band attenuation in dB (sets the Kaiser β and, with `transition`, the filter length). Default 80. */
  attenuationDb?: number;
}

export interface ResampleRangeOptions extends ResampleOptions {
  /** First output sample to compute. Default 0. */
  offset?: number;
  /** Number of output samples to compute. Default: the rest of the round(x.length · to / from) samples. */
  length?: number;
}

// With the defaults at 16 kHz out: −1 dB at ≈ 7.92 kHz, −6 dB at 7.98 kHz, ≥ 80 dB from ≈ 8.16 kHz. Only the
// 8.0–8.16 kHz band can alias, and it folds onto 7.84–8.0 kHz, itself in the transition band.
const DEFAULTS = { cutoff: 0.998, transition: 0.04, attenuationDb: 80 } as const;

/** Ratios needing more phases than this interpolate linearly between the nearest of this many phases. */
const MAX_PHASES = 4096;

/** A decimating first stage is used when its transition band can be at least this fraction of its Nyquist. */
const MIN_DECIMATOR_TRANSITION = 0.4;

interface Plan {
  up: number;
  down: number;
  /** Rows of `table`: phase p holds the taps for the fractional position p / phases (plus one row for 1.0). */
  phases: number;
  /** Taps per phase, even; output at input time q + f reads x[q − half + 1 .. q + half]. */
  taps: number;
  half: number;
  table: Float32Array;
}

/** A low-pass in Hz: −6 dB at `cutoffHz`, transition `transitionHz` wide, `attenuationDb` beyond it. */
interface LowPass {
  cutoffHz: number;
  transitionHz: number;
  attenuationDb: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the β used here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; term > 1e-17 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

/** Kaiser's β for a stop-band attenuation in dB. */
function kaiserBeta(attenuationDb: number): number {
  const a = attenuationDb;
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a > 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  return 0;
}

function makePlan(fromRate: number, toRate: number, lp: LowPass): Plan {
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // In units of input samples: cutoff fc (cycles/sample), half-length from Kaiser's length estimate.
  const fc = lp.cutoffHz / fromRate;
  const dOmega = (2 * Math.PI * lp.transitionHz) / fromRate;
  const halfWidth = Math.max(1, (lp.attenuationDb - 7.95) / (2.285 * dOmega) / 2);
  const half = Math.ceil(halfWidth);
  const taps = 2 * half;
  const beta = kaiserBeta(lp.attenuationDb);
  const i0Beta = besselI0(beta);
  const phases = Math.min(up, MAX_PHASES);
  const table = new Float32Array((phases + 1) * taps);
  const row = new Float64Array(taps);
  for (let p = 0; p <= phases; p++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const t = p / phases + half - 1 - j; // distance from the output time to tap j's input sample
      const r = t / halfWidth;
      const window = Math.abs(r) < 1 ? besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta : 0;
      const arg = 2 * fc * t;
      row[j] = 2 * fc * (arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg)) * window;
      sum += row[j]!;
    }
    // Each phase sums to 1, so DC passes exactly at every output position.
    for (let j = 0; j < taps; j++) table[p * taps + j] = row[j]! / sum;
  }
  return { up, down, phases, taps, half, table };
}

/** The filter stages from `fromRate` to `toRate` (none when the rates are equal). */
function designStages(fromRate: number, toRate: number, o: Required<ResampleOptions>): Plan[] {
  if (fromRate === toRate) return [];
  const lowNyquist = Math.min(fromRate, toRate) / 2;
  const main: LowPass = {
    cutoffHz: o.cutoff * lowNyquist,
    transitionHz: o.transition * lowNyquist,
    attenuationDb: o.attenuationDb,
  };
  // The decimator must pass everything below the main filter's stop edge and stop from its mirror image.
  const stopHz = main.cutoffHz + main.transitionHz;
  let factor = Math.floor((fromRate * (1 - MIN_DECIMATOR_TRANSITION / 2)) / (2 * stopHz));
  while (factor >= 2 && fromRate % factor !== 0) factor--;
  if (factor < 2) return [makePlan(fromRate, toRate, main)];
  const midRate = fromRate / factor;
  const decimator: LowPass = {
    cutoffHz: midRate / 2,
    // Kaiser's estimate reaches full attenuation slightly past half the width each side of the cutoff.
    transitionHz: 0.9 * (midRate - 2 * stopHz),
    attenuationDb: o.attenuationDb,
  };
  return [makePlan(fromRate, midRate, decimator), makePlan(midRate, toRate, main)];
}

const stageCache = new Map<string, Plan[]>();

function getStages(fromRate: number, toRate: number, o: Required<ResampleOptions>): Plan[] {
  const key = `${fromRate}/${toRate}/${o.cutoff}/${o.transition}/${o.attenuationDb}`;
  let stages = stageCache.get(key);
  if (!stages) {
    if (stageCache.size >= 32) stageCache.clear();
    stages = designStages(fromRate, toRate, o);
    stageCache.set(key, stages);
  }
  return stages;
}

/** Σ table[rowStart + j] · buf[start + j] over the taps, reading buf as zero outside its bounds. */
function dot(buf: Float32Array, start: number, table: Float32Array, rowStart: number, taps: number): number {
  const j0 = Math.max(0, -start);
  const j1 = Math.min(taps, buf.length - start);
  // Four accumulators let the multiply-adds overlap instead of waiting on one another.
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let j = j0;
  for (; j + 3 < j1; j += 4) {
    a0 += table[rowStart + j]! * buf[start + j]!;
    a1 += table[rowStart + j + 1]! * buf[start + j + 1]!;
    a2 += table[rowStart + j + 2]! * buf[start + j + 2]!;
    a3 += table[rowStart + j + 3]! * buf[start + j + 3]!;
  }
  for (; j < j1; j++) a0 += table[rowStart + j]! * buf[start + j]!;
  return a0 + a1 + (a2 + a3);
}

/**
 * out[i] = y[n0 + i], where buf[j] holds input sample bufStart + j (zero elsewhere); n0 may be negative.
 * Positions advance in exact integer arithmetic: n·down = q·up + phi.
 */
function render(plan: Plan, buf: Float32Array, bufStart: number, n0: number, out: Float32Array): void {
  const { up, down, phases, taps, half, table } = plan;
  const stepQ = Math.floor(down / up);
  const stepPhi = down % up;
  let q = Math.floor((n0 * down) / up);
  let phi = n0 * down - q * up;
  for (let i = 0; i < out.length; i++) {
    const pos = (phi * phases) / up;
    const p = Math.floor(pos);
    const frac = pos - p;
    const start = q - half + 1 - bufStart;
    let acc = dot(buf, start, table, p * taps, taps);
    if (frac > 0) acc += frac * (dot(buf, start, table, (p + 1) * taps, taps) - acc);
    out[i] = acc;
    q += stepQ;
    phi += stepPhi;
    if (phi >= up) {
      phi -= up;
      q++;
    }
  }
}

/** The input samples [start, end) that outputs [n0, n1) read (n1 > n0). */
function inputSpan(plan: Plan, n0: number, n1: number): [number, number] {
  const first = Math.floor((n0 * plan.down) / plan.up) - plan.half + 1;
  const last = Math.floor(((n1 - 1) * plan.down) / plan.up) + plan.half;
  return [first, last + 1];
}

function checkFilterOptions(opts: ResampleOptions | undefined): Required<ResampleOptions> {
  const o = checkOptions('opts', opts);
  const cutoff = o.cutoff === undefined ? DEFAULTS.cutoff : checkPositive('opts.cutoff', o.cutoff);
  const transition = o.transition === undefined ? DEFAULTS.transition : checkPositive('opts.transition', o.transition);
  const attenuationDb =
    o.attenuationDb === undefined ? DEFAULTS.attenuationDb : checkPositive('opts.attenuationDb', o.attenuationDb);
  if (cutoff > 1) throw new RangeError(`opts.cutoff must be at most 1 (the lower Nyquist frequency), got ${cutoff}`);
  if (transition > 1) throw new RangeError(`opts.transition must be at most 1, got ${transition}`);
  return { cutoff, transition, attenuationDb };
}

function checkRates(fromRate: unknown, toRate: unknown): [number, number] {
  return [checkRate('fromRate', fromRate, true), checkRate('toRate', toRate, true)];
}

function checkCount(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${show(value)}`);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be an integer >= 0, got ${show(value)}`);
  }
  return value;
}

/** Number of output samples for `inputLength` input samples: round(inputLength · to / from). */
export function resampledLength(inputLength: number, fromRate: number, toRate: number): number {
  return Math.round((inputLength * toRate) / fromRate);
}

/**
 * Resamples x from `fromRate` to `toRate` (positive integers, Hz) with a band-limited windowed-sinc filter.
 * Returns round(x.length · to / from) samples; `offset`/`length` compute only that range of them (to cut a long
 * recording without resampling all of it). Equal rates return a copy.
 */
export function resample(x: Float32Array, fromRate: number, toRate: number, opts?: ResampleRangeOptions): Float32Array {
  checkSignal('x', x, false);
  const [from, to] = checkRates(fromRate, toRate);
  const o = checkOptions('opts', opts);
  const total = resampledLength(x.length, from, to);
  const offset = checkCount('opts.offset', o.offset, 0);
  const length = checkCount('opts.length', o.length, Math.max(0, total - offset));
  if (offset + length > total) {
    throw new RangeError(`opts.offset + opts.length (${offset + length}) exceeds the ${total} output samples`);
  }
  const stages = getStages(from, to, checkFilterOptions(o));
  if (stages.length === 0 || length === 0) return x.slice(offset, offset + length);
  // Work out, from the last stage back, which samples each stage must produce; then render them forwards.
  const spans: [number, number][] = [[offset, offset + length]];
  for (let s = stages.length - 1; s > 0; s--) spans.unshift(inputSpan(stages[s]!, ...spans[0]!));
  let buf = x;
  let bufStart = 0;
  stages.forEach((plan, s) => {
    const [n0, n1] = spans[s]!;
    const out = new Float32Array(n1 - n0);
    render(plan, buf, bufStart, n0, out);
    [buf, bufStart] = [out, n0];
  });
  return buf;
}

/** One filter stage fed incrementally: emits outputs from index `first` on, each once its input is all there. */
class StageStream {
  private buf = new Float32Array(0);
  private bufLen = 0;
  /** Absolute index of buf[0]; input starts at `inStart` and is zero before it. */
  private bufStart: number;
  private next: number;

  constructor(
    private readonly plan: Plan,
    inStart: number,
    first: number,
  ) {
    this.bufStart = inStart;
    this.next = first;
  }

  /** Adds input; returns the outputs below `limit` whose taps have all arrived. */
  push(chunk: Float32Array, limit: number): Float32Array {
    this.append(chunk);
    // Output n is complete when its last tap, floor(n·down/up) + half, has arrived.
    const { up, down, half } = this.plan;
    const lastQ = this.bufStart + this.bufLen - 1 - half;
    return this.emit(Math.min(limit, Math.ceil(((lastQ + 1) * up) / down)));
  }

  /** Emits every output below `until`, reading the input as zero past its end. */
  finish(until: number): Float32Array {
    return this.emit(until);
  }

  private emit(until: number): Float32Array {
    const out = new Float32Array(Math.max(0, until - this.next));
    render(this.plan, this.buf.subarray(0, this.bufLen), this.bufStart, this.next, out);
    this.next += out.length;
    this.discardBefore(inputSpan(this.plan, this.next, this.next + 1)[0]);
    return out;
  }

  private append(chunk: Float32Array): void {
    if (this.bufLen + chunk.length > this.buf.length) {
      const grown = new Float32Array(Math.max(2 * this.buf.length, this.bufLen + chunk.length));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(chunk, this.bufLen);
    this.bufLen += chunk.length;
  }

  /** Drops input before absolute index `first`: no later output reads it. */
  private discardBefore(first: number): void {
    const drop = Math.min(this.bufLen, first - this.bufStart);
    if (drop <= 0) return;
    this.buf.copyWithin(0, drop, this.bufLen);
    this.bufLen -= drop;
    this.bufStart += drop;
  }
}

/**
 * Streaming form of `resample`: push chunks as they arrive, then flush once. The concatenated outputs equal
 * `resample(wholeInput, fromRate, toRate, opts)` exactly; each output is emitted once all the input its filters
 * read has arrived (a latency of about half the filter length).
 */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  private readonly stages: Plan[];
  private readonly streams: StageStream[];
  private received = 0;
  private flushed = false;

  constructor(fromRate: number, toRate: number, opts?: ResampleOptions) {
    [this.fromRate, this.toRate] = checkRates(fromRate, toRate);
    this.stages = getStages(this.fromRate, this.toRate, checkFilterOptions(opts));
    // Each stage produces, from its first output on, exactly what the next one reads: from the next stage's
    // first input, which lies before time 0 (the filters reach back), to where that stage will need it.
    let first = 0;
    const streams: StageStream[] = [];
    for (let s = this.stages.length - 1; s >= 0; s--) {
      const inStart = s === 0 ? 0 : inputSpan(this.stages[s]!, 0, 1)[0];
      streams.unshift(new StageStream(this.stages[s]!, inStart, first));
      first = inStart;
    }
    this.streams = streams;
  }

  /** Adds input and returns the output samples that are now complete. */
  push(chunk: Float32Array): Float32Array {
    checkSignal('chunk', chunk, false);
    if (this.flushed) throw new Error('Resampler.push called after flush');
    this.received += chunk.length;
    const total = resampledLength(this.received, this.fromRate, this.toRate);
    let data = this.streams.length === 0 ? chunk.slice() : chunk;
    this.streams.forEach((stream, s) => {
      data = stream.push(data, s === this.streams.length - 1 ? total : Infinity);
    });
    return data;
  }

  /** Ends the stream: returns the remaining outputs (the input reads as zero past its end). */
  flush(): Float32Array {
    if (this.flushed) throw new Error('Resampler.flush called twice');
    this.flushed = true;
    // How far each stage must go: the final total, and for earlier stages whatever the next stage reads for it.
    const until: number[] = [resampledLength(this.received, this.fromRate, this.toRate)];
    for (let s = this.stages.length - 1; s > 0; s--) {
      const end = until[0]!;
      until.unshift(end > 0 ? inputSpan(this.stages[s]!, 0, end)[1] : 0);
    }
    let data: Float32Array = new Float32Array(0);
    this.streams.forEach((stream, s) => {
      const pushed = stream.push(data, until[s]!);
      data = concat(pushed, stream.finish(until[s]!));
    });
    return data;
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
