// FFTs of any length: a mixed-radix decimation-in-time complex FFT (the kissfft scheme: factors 4, 2, 3, 5, then
// any other prime; 4, 2 and 5 have butterflies of their own, the others a generic one), and a real-input FFT on top
// of it. Whisper's n_fft = 400 = 4·4·5·5, which a radix-2 FFT cannot do; a prime length still works, in O(N·p) time.

/** Factors of n, 4s first (fewest passes), then 2, 3, 5 and the remaining primes. */
function factorize(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  for (const p of [4, 2, 3]) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  for (let p = 5; rest > 1; p += 2) {
    if (p * p > rest) p = rest;
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  return factors;
}

/** Forward complex FFT (e^{−2πi·kn/N}) of a fixed length n. */
export class ComplexFft {
  readonly n: number;
  private readonly factors: number[];
  /** Twiddles W^k = e^{−2πik/n}: real and imaginary parts. */
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** perm[i]: the input index that the digit-reversed output position i starts from. */
  private readonly perm: Uint32Array;
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
    this.n = n;
    this.factors = factorize(n);
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.wr[k] = Math.cos((2 * Math.PI * k) / n);
      this.wi[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.perm = new Uint32Array(n);
    this.fillPerm(0, 0, 1, 0);
    const maxP = Math.max(1, ...this.factors);
    this.scratchRe = new Float64Array(maxP);
    this.scratchIm = new Float64Array(maxP);
  }

  /** The leaf order of the DIT recursion: output block `out` of level `level` reads input with stride `stride`. */
  private fillPerm(out: number, input: number, stride: number, level: number): void {
    const p = this.factors[level];
    if (p === undefined) {
      this.perm[out] = input;
      return;
    }
    const m = this.n / (stride * p);
    for (let k = 0; k < p; k++) this.fillPerm(out + k * m, input + k * stride, stride * p, level + 1);
  }

  /** Transforms (inRe, inIm) into (outRe, outIm); the outputs must not alias the inputs. */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const { n, perm } = this;
    for (let i = 0; i < n; i++) {
      const j = perm[i]!;
      outRe[i] = inRe[j]!;
      outIm[i] = inIm[j]!;
    }
    // Levels from the innermost (last factor) out; each level's blocks are independent butterflies.
    let stride = n;
    let m = 1;
    for (let level = this.factors.length - 1; level >= 0; level--) {
      const p = this.factors[level]!;
      stride /= p;
      for (let base = 0; base < n; base += p * m) {
        if (p === 4) this.butterfly4(outRe, outIm, base, stride, m);
        else if (p === 2) this.butterfly2(outRe, outIm, base, stride, m);
        else if (p === 5) this.butterfly5(outRe, outIm, base, stride, m);
        else this.butterfly(outRe, outIm, base, stride, m, p);
      }
      m *= p;
    }
  }

  private butterfly2(re: Float64Array, im: Float64Array, base: number, stride: number, m: number): void {
    const { wr, wi } = this;
    for (let u = 0, a = base, b = base + m; u < m; u++, a++, b++) {
      const c = wr[u * stride]!;
      const s = wi[u * stride]!;
      const tr = re[b]! * c - im[b]! * s;
      const ti = re[b]! * s + im[b]! * c;
      re[b] = re[a]! - tr;
      im[b] = im[a]! - ti;
      re[a]! += tr;
      im[a]! += ti;
    }
  }

  /** Radix 4 with three twiddle products per four outputs (kissfft's kf_bfly4). */
  private butterfly4(re: Float64Array, im: Float64Array, base: number, stride: number, m: number): void {
    const { wr, wi } = this;
    for (let u = 0; u < m; u++) {
      const i0 = base + u;
      const i1 = i0 + m;
      const i2 = i1 + m;
      const i3 = i2 + m;
      const t1 = u * stride;
      const t2 = 2 * t1;
      const t3 = 3 * t1;
      const ar = re[i1]! * wr[t1]! - im[i1]! * wi[t1]!;
      const ai = re[i1]! * wi[t1]! + im[i1]! * wr[t1]!;
      const br = re[i2]! * wr[t2]! - im[i2]! * wi[t2]!;
      const bi = re[i2]! * wi[t2]! + im[i2]! * wr[t2]!;
      const cr = re[i3]! * wr[t3]! - im[i3]! * wi[t3]!;
      const ci = re[i3]! * wi[t3]! + im[i3]! * wr[t3]!;
      const dr = re[i0]! - br; // x0 − x2·W²
      const di = im[i0]! - bi;
      const er = re[i0]! + br; // x0 + x2·W²
      const ei = im[i0]! + bi;
      const sr = ar + cr; // x1·W + x3·W³
      const si = ai + ci;
      const fr = ar - cr; // x1·W − x3·W³
      const fi = ai - ci;
      re[i0] = er + sr;
      im[i0] = ei + si;
      re[i2] = er - sr;
      im[i2] = ei - si;
      // ∓i·(x1·W − x3·W³) for outputs 1 and 3.
      re[i1] = dr + fi;
      im[i1] = di - fr;
      re[i3] = dr - fi;
      im[i3] = di + fr;
    }
  }

  /**
   * Radix 5 (Whisper's n_fft = 400 has two factors 5): the 5-point DFT of the twiddled inputs y0..y4 through the
   * sums a = y1 + y4, c = y2 + y3 and differences b = y1 − y4, d = y2 − y3, since e^{∓2πik/5} pair up as
   * conjugates: X1,4 = y0 + c1·a + c2·c ∓ i(s1·b + s2·d), X2,3 = y0 + c2·a + c1·c ∓ i(s2·b − s1·d).
   */
  private butterfly5(re: Float64Array, im: Float64Array, base: number, stride: number, m: number): void {
    const { wr, wi } = this;
    const c1 = Math.cos((2 * Math.PI) / 5);
    const c2 = Math.cos((4 * Math.PI) / 5);
    const s1 = Math.sin((2 * Math.PI) / 5);
    const s2 = Math.sin((4 * Math.PI) / 5);
    for (let u = 0; u < m; u++) {
      const i0 = base + u;
      const i1 = i0 + m;
      const i2 = i1 + m;
      const i3 = i2 + m;
      const i4 = i3 + m;
      const t = u * stride;
      const y1r = re[i1]! * wr[t]! - im[i1]! * wi[t]!;
      const y1i = re[i1]! * wi[t]! + im[i1]! * wr[t]!;
      const y2r = re[i2]! * wr[2 * t]! - im[i2]! * wi[2 * t]!;
      const y2i = re[i2]! * wi[2 * t]! + im[i2]! * wr[2 * t]!;
      const y3r = re[i3]! * wr[3 * t]! - im[i3]! * wi[3 * t]!;
      const y3i = re[i3]! * wi[3 * t]! + im[i3]! * wr[3 * t]!;
      const y4r = re[i4]! * wr[4 * t]! - im[i4]! * wi[4 * t]!;
      const y4i = re[i4]! * wi[4 * t]! + im[i4]! * wr[4 * t]!;
      const y0r = re[i0]!;
      const y0i = im[i0]!;
      const ar = y1r + y4r;
      const ai = y1i + y4i;
      const br = y1r - y4r;
      const bi = y1i - y4i;
      const cr = y2r + y3r;
      const ci = y2i + y3i;
      const dr = y2r - y3r;
      const di = y2i - y3i;
      re[i0] = y0r + ar + cr;
      im[i0] = y0i + ai + ci;
      // Outputs 1 and 4: P ∓ i·T, with −i·(x + iy) = y − ix.
      const p1r = y0r + c1 * ar + c2 * cr;
      const p1i = y0i + c1 * ai + c2 * ci;
      const t1r = s1 * br + s2 * dr;
      const t1i = s1 * bi + s2 * di;
      re[i1] = p1r + t1i;
      im[i1] = p1i - t1r;
      re[i4] = p1r - t1i;
      im[i4] = p1i + t1r;
      // Outputs 2 and 3.
      const p2r = y0r + c2 * ar + c1 * cr;
      const p2i = y0i + c2 * ai + c1 * ci;
      const t2r = s2 * br - s1 * dr;
      const t2i = s2 * bi - s1 * di;
      re[i2] = p2r + t2i;
      im[i2] = p2i - t2r;
      re[i3] = p2r - t2i;
      im[i3] = p2i + t2r;
    }
  }

  /**
   * Any radix p: combines p sub-transforms of length m at `base` into one of length p·m. The twiddle index
   * stride·k·q (mod n) folds the DIT twiddle and the size-p DFT into one table lookup; O(p²) per group of p.
   */
  private butterfly(re: Float64Array, im: Float64Array, base: number, stride: number, m: number, p: number): void {
    const { n, wr, wi, scratchRe, scratchIm } = this;
    for (let u = 0; u < m; u++) {
      for (let q = 0; q < p; q++) {
        scratchRe[q] = re[base + u + q * m]!;
        scratchIm[q] = im[base + u + q * m]!;
      }
      for (let q1 = 0, k = u; q1 < p; q1++, k += m) {
        let sr = scratchRe[0]!;
        let si = scratchIm[0]!;
        const step = stride * k; // < n, since k < p·m and stride·p·m = n
        for (let q = 1, tw = step; q < p; q++) {
          const xr = scratchRe[q]!;
          const xi = scratchIm[q]!;
          sr += xr * wr[tw]! - xi * wi[tw]!;
          si += xr * wi[tw]! + xi * wr[tw]!;
          tw += step;
          if (tw >= n) tw -= n;
        }
        re[base + k] = sr;
        im[base + k] = si;
      }
    }
  }
}

/**
 * FFT of a real signal of length n, returning bins 0..n/2. Even n packs the signal into a complex one of length
 * n/2 (half the work); odd n runs the full complex transform.
 */
export class RealFft {
  readonly n: number;
  readonly bins: number;
  private readonly half: boolean;
  private readonly fft: ComplexFft;
  private readonly aRe: Float64Array;
  private readonly aIm: Float64Array;
  private readonly bRe: Float64Array;
  private readonly bIm: Float64Array;
  private readonly twCos: Float64Array;
  private readonly twSin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`real FFT length must be an integer >= 2, got ${n}`);
    this.n = n;
    this.bins = Math.floor(n / 2) + 1;
    this.half = n % 2 === 0;
    const len = this.half ? n / 2 : n;
    this.fft = new ComplexFft(len);
    this.aRe = new Float64Array(len);
    this.aIm = new Float64Array(len);
    this.bRe = new Float64Array(len);
    this.bIm = new Float64Array(len);
    this.twCos = new Float64Array(this.bins);
    this.twSin = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) {
      this.twCos[k] = Math.cos((2 * Math.PI * k) / n);
      this.twSin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.re = new Float64Array(this.bins);
    this.im = new Float64Array(this.bins);
  }

  /** Spectrum of x[0..n) (missing samples read as 0) into re/im, each of length ≥ bins. */
  forward(x: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const { n, aRe, aIm, bRe, bIm } = this;
    if (!this.half) {
      for (let i = 0; i < n; i++) {
        aRe[i] = x[i] ?? 0;
        aIm[i] = 0;
      }
      this.fft.transform(aRe, aIm, bRe, bIm);
      re.set(bRe.subarray(0, this.bins));
      im.set(bIm.subarray(0, this.bins));
      return;
    }
    const h = n / 2;
    for (let i = 0; i < h; i++) {
      aRe[i] = x[2 * i] ?? 0;
      aIm[i] = x[2 * i + 1] ?? 0;
    }
    this.fft.transform(aRe, aIm, bRe, bIm);
    // Z = E + iO with E, O the spectra of the even and odd samples; X[k] = E[k] + W^k·O[k].
    for (let k = 0; k <= h; k++) {
      const zr = bRe[k % h]!;
      const zi = bIm[k % h]!;
      const cr = bRe[(h - k) % h]!;
      const ci = -bIm[(h - k) % h]!;
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci);
      const oi = -0.5 * (zr - cr);
      const wr = this.twCos[k]!;
      const wi = this.twSin[k]!;
      re[k] = er + or * wr - oi * wi;
      im[k] = ei + or * wi + oi * wr;
    }
  }

  /** |X[k]|² for k in 0..n/2 into `out`. */
  power(x: ArrayLike<number>, out: Float64Array): void {
    const { re, im } = this;
    this.forward(x, re, im);
    for (let k = 0; k < this.bins; k++) out[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  }
}
