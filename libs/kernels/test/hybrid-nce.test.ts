// hybridNce(): loss against the float64 DESIGN.md §2 formula, analytic gradients against central finite
// differences of that formula (float64, h = 1e-5), and the loss's algebraic properties.
import { describe, expect, it } from 'vitest';
import {
  hybridNce,
  hybridNceAsync,
  scratchPeakBytes,
  type DType,
  type HybridNceOptions,
  type HybridNceResult,
  type Matrix,
  type NceDirection,
} from '../src/index.js';
import {
  assertClose,
  caseRng,
  dot,
  fdDirectional,
  fdGradient,
  frozenWeights,
  maxAbs,
  randomDirection,
  randomMatrix,
  refHybridNce,
  refInfoNce,
  type NceParams,
  type Rng,
  testSeed,
} from './reference.js';

const SEED = testSeed();
const DTYPES: DType[] = ['f32', 'f16', 'bf16'];
const DIRECTIONS: NceDirection[] = ['a2t', 't2a', 'both'];

// Tolerances for f32 kernels against float64 references (measured: loss ≤ 4e-7 relative, gradient ≤ 4e-5 of its scale even at β/τ = 100).
const LOSS_TOL = { rel: 1e-5, abs: 1e-5 };
const GRAD_TOL = 2e-4; // relative to max |gradient| of the case

interface Pair {
  A: { m: Matrix; v: Float64Array };
  T: { m: Matrix; v: Float64Array };
}

function pair(rng: Rng, B: number, d: number, dtype: DType): Pair {
  return { A: randomMatrix(rng, B, d, dtype, { normalize: true }), T: randomMatrix(rng, B, d, dtype, { normalize: true }) };
}

function randomGroups(rng: Rng, B: number, maxGroup: number): Int32Array {
  return Int32Array.from({ length: B }, () => rng.int(-1, maxGroup));
}

/** The reference params for a kernel call (parameters rounded to f32, as the C API stores them). */
function refParams(o: Required<Pick<HybridNceOptions, 'tau' | 'alpha' | 'beta' | 'lambda'>> & {
  groups: Int32Array | null;
  direction: NceDirection;
}): NceParams {
  return {
    tau: Math.fround(o.tau),
    alpha: Math.fround(o.alpha),
    beta: Math.fround(o.beta),
    lambda: Math.fround(o.lambda),
    groups: o.groups,
    direction: o.direction,
  };
}

function describeCase(B: number, d: number, dtype: DType, p: NceParams, detach: boolean): string {
  const g = p.groups ? `groups [${Array.from(p.groups).join(',')}]` : 'no groups';
  return (
    `B=${B} d=${d} ${dtype} ${p.direction} τ=${p.tau} α=${p.alpha} β=${p.beta} λ=${p.lambda} ` +
    `${detach ? 'detached' : 'not detached'} ${g}`
  );
}

function run(P: Pair, p: NceParams, detach: boolean, grad = true): HybridNceResult {
  return hybridNce(P.A.m, P.T.m, {
    tau: p.tau,
    alpha: p.alpha,
    beta: p.beta,
    lambda: p.lambda,
    direction: p.direction,
    detachWeights: detach,
    grad,
    device: 'cpu',
    ...(p.groups ? { groups: p.groups as Int32Array } : {}),
  });
}

/** Loss and full finite-difference gradient check of one case. */
function checkFull(P: Pair, B: number, d: number, dtype: DType, p: NceParams, detach: boolean, ctx: string) {
  const A = P.A.v.slice();
  const T = P.T.v.slice();
  const frozen = detach ? frozenWeights(A, T, B, d, p) : undefined;
  const f = (a: Float64Array, t: Float64Array) => refHybridNce(a, t, B, d, p, frozen);
  const want = f(A, T);
  const got = run(P, p, detach);
  const where = `seed ${SEED} ${ctx} [${describeCase(B, d, dtype, p, detach)}]`;
  assertClose([got.loss], [want], LOSS_TOL, `${where}: loss`);
  expect(got.dAudio).toBeInstanceOf(Float32Array);
  expect(got.dText).toBeInstanceOf(Float32Array);
  const fd = fdGradient(f, A, T);
  // Gradient entries are sums of terms of size ~1/(Bτ) that may cancel; f32 rounding is relative to those terms.
  const scale = Math.max(maxAbs(fd.dA), maxAbs(fd.dT), 1e-2 / (B * p.tau));
  assertClose(got.dAudio!, fd.dA, { rel: 0, abs: GRAD_TOL * scale }, `${where}: dAudio vs finite differences`);
  assertClose(got.dText!, fd.dT, { rel: 0, abs: GRAD_TOL * scale }, `${where}: dText vs finite differences`);
}

describe(`hybridNce vs the float64 formula and finite differences (seed ${SEED})`, () => {
  const shapes: [number, number][] = [
    [1, 3],
    [2, 7],
    [5, 3],
    [5, 1],
    [9, 7],
    [9, 3],
    [33, 5],
  ];
  const paramSets: [string, Omit<NceParams, 'groups' | 'direction'>][] = [
    ['paper', { tau: 0.05, alpha: 1, beta: 0.1, lambda: 0.2 }],
    ['hard', { tau: 0.1, alpha: 0.5, beta: 2, lambda: 1 }],
    ['infonce-like', { tau: 0.07, alpha: 1, beta: 0, lambda: 0 }],
    ['warm', { tau: 0.5, alpha: 2, beta: 0.5, lambda: 0.1 }],
  ];
  for (const [B, d] of shapes) {
    for (const direction of DIRECTIONS) {
      const name = `B=${B} d=${d} ${direction}`;
      it(name, () => {
        const rng = caseRng(SEED, name);
        // Every dtype, params set and (no) groups, detached or not, over the case's draws (kept small for speed).
        for (const dtype of DTYPES) {
          const P = pair(rng, B, d, dtype);
          for (const [label, base] of paramSets) {
            const withGroups = rng.next() < 0.6 && B > 1;
            const groups = withGroups ? randomGroups(rng, B, Math.max(1, Math.ceil(B / 3))) : null;
            const detach = rng.next() < 0.5;
            checkFull(P, B, d, dtype, refParams({ ...base, groups, direction }), detach, label);
          }
        }
      });
    }
  }

  it('alpha = 0 (denominator without the positive term)', () => {
    const rng = caseRng(SEED, 'alpha0');
    const P = pair(rng, 6, 5, 'f32');
    const p = refParams({ tau: 0.05, alpha: 0, beta: 0.1, lambda: 0.2, groups: Int32Array.from([0, 0, 1, -1, 1, -1]), direction: 'both' });
    checkFull(P, 6, 5, 'f32', p, false, 'alpha0');
    checkFull(P, 6, 5, 'f32', p, true, 'alpha0');
  });

  it('every row in one group (no negatives at all): L = log α, zero gradient', () => {
    const rng = caseRng(SEED, 'one group');
    const P = pair(rng, 4, 3, 'f32');
    const p = refParams({ tau: 0.05, alpha: 1.5, beta: 0.1, lambda: 0.2, groups: new Int32Array(4), direction: 'a2t' });
    checkFull(P, 4, 3, 'f32', p, false, 'one group');
    expect(run(P, p, false).loss).toBeCloseTo(Math.log(1.5), 5);
  });

  it('grad: false gives the same loss and no gradients', () => {
    const rng = caseRng(SEED, 'nograd');
    const P = pair(rng, 7, 9, 'bf16');
    const p = refParams({ tau: 0.05, alpha: 1, beta: 0.1, lambda: 0.2, groups: randomGroups(rng, 7, 3), direction: 'both' });
    const full = run(P, p, false, true);
    const lossOnly = run(P, p, false, false);
    expect(lossOnly.dAudio).toBeNull();
    expect(lossOnly.dText).toBeNull();
    assertClose([lossOnly.loss], [full.loss], { rel: 1e-6, abs: 1e-6 }, `seed ${SEED} grad:false loss`);
  });

  it('uses the paper defaults: τ 0.05, α 1, β 0.1, λ 0.2, a2t, weights not detached', () => {
    const rng = caseRng(SEED, 'defaults');
    const P = pair(rng, 8, 6, 'f32');
    const explicit = run(P, refParams({ tau: 0.05, alpha: 1, beta: 0.1, lambda: 0.2, groups: null, direction: 'a2t' }), false);
    const defaults = hybridNce(P.A.m, P.T.m);
    expect(defaults.loss).toBe(explicit.loss);
    expect(defaults.dAudio).toEqual(explicit.dAudio);
    expect(defaults.dText).toEqual(explicit.dText);
  });
});

describe(`hybridNce at larger B: loss and directional derivatives (seed ${SEED})`, () => {
  // Shapes around likely tile/stripe sizes; gradients checked along random unit directions (2 loss evaluations each).
  const shapes: [number, number, DType, NceDirection][] = [
    [63, 17, 'f32', 'a2t'],
    [64, 64, 'f16', 't2a'],
    [65, 31, 'bf16', 'both'],
    [130, 129, 'f32', 'both'],
    [257, 64, 'f32', 'a2t'],
    [300, 16, 'bf16', 't2a'],
  ];
  for (const [B, d, dtype, direction] of shapes) {
    for (const detach of [false, true]) {
      const name = `B=${B} d=${d} ${dtype} ${direction} ${detach ? 'detached' : 'not detached'}`;
      it(name, () => {
        const rng = caseRng(SEED, name);
        const P = pair(rng, B, d, dtype);
        const groups = randomGroups(rng, B, Math.max(1, Math.floor(B / 8)));
        const p = refParams({ tau: 0.05, alpha: 1, beta: 0.1, lambda: 0.2, groups, direction });
        const A = P.A.v;
        const T = P.T.v;
        const frozen = detach ? frozenWeights(A, T, B, d, p) : undefined;
        const f = (a: Float64Array, t: Float64Array) => refHybridNce(a, t, B, d, p, frozen);
        const where = `seed ${SEED} [${describeCase(B, d, dtype, p, detach)}]`;
        const got = run(P, p, detach);
        assertClose([got.loss], [f(A, T)], LOSS_TOL, `${where}: loss`);
        const n = B * d;
        const gNorm = Math.sqrt(dot(got.dAudio!, got.dAudio!) + dot(got.dText!, got.dText!));
        for (let rep = 0; rep < 3; rep++) {
          const V = randomDirection(rng, n);
          const W = randomDirection(rng, n);
          const norm = Math.sqrt(dot(V, V) + dot(W, W));
          for (let i = 0; i < n; i++) {
            V[i]! /= norm;
            W[i]! /= norm;
          }
          const want = fdDirectional(f, A, T, V, W);
          const have = dot(got.dAudio!, V) + dot(got.dText!, W);
          // A random unit direction sees about ‖g‖/√(2n) of the gradient; allow 1% of that.
          assertClose([have], [want], { rel: 0, abs: (1e-2 * gNorm) / Math.sqrt(2 * n) + 1e-9 }, `${where}: directional derivative ${rep}`);
        }
      });
    }
  }
});

describe(`hybridNce properties (seed ${SEED})`, () => {
  it('λ = 0, β = 0, α = 1, no groups is plain InfoNCE', () => {
    const rng = caseRng(SEED, 'infonce');
    for (const [B, d, dtype] of [
      [1, 4, 'f32'],
      [7, 3, 'f32'],
      [40, 17, 'f16'],
      [129, 33, 'bf16'],
    ] as const) {
      const P = pair(rng, B, d, dtype);
      for (const tau of [0.05, 0.2]) {
        const got = hybridNce(P.A.m, P.T.m, { tau, alpha: 1, beta: 0, lambda: 0 });
        const want = refInfoNce(P.A.v, P.T.v, B, d, Math.fround(tau));
        assertClose([got.loss], [want], LOSS_TOL, `seed ${SEED} InfoNCE B=${B} d=${d} ${dtype} τ=${tau}`);
      }
    }
  });

  it('a2t on (A, T) equals t2a on (T, A), gradients swapped', () => {
    const rng = caseRng(SEED, 'swap');
    for (const [B, d, dtype] of [
      [5, 7, 'f32'],
      [70, 20, 'f16'],
      [131, 9, 'bf16'],
    ] as const) {
      const P = pair(rng, B, d, dtype);
      const groups = randomGroups(rng, B, Math.max(1, B >> 3));
      const o = { tau: 0.05, alpha: 1, beta: 0.3, lambda: 0.2, groups };
      const at = hybridNce(P.A.m, P.T.m, { ...o, direction: 'a2t' });
      const ta = hybridNce(P.T.m, P.A.m, { ...o, direction: 't2a' });
      const ctx = `seed ${SEED} swap B=${B} d=${d} ${dtype}`;
      assertClose([ta.loss], [at.loss], { rel: 1e-5, abs: 1e-6 }, `${ctx}: loss`);
      const scale = Math.max(maxAbs(at.dAudio!), maxAbs(at.dText!));
      assertClose(ta.dText!, at.dAudio!, { rel: 0, abs: 1e-5 * scale }, `${ctx}: dA`);
      assertClose(ta.dAudio!, at.dText!, { rel: 0, abs: 1e-5 * scale }, `${ctx}: dT`);
    }
  });

  it("'both' is the mean of a2t and t2a", () => {
    const rng = caseRng(SEED, 'both');
    for (const [B, d, dtype, detach] of [
      [6, 5, 'f32', false],
      [77, 16, 'bf16', true],
      [200, 8, 'f16', false],
    ] as const) {
      const P = pair(rng, B, d, dtype);
      const groups = randomGroups(rng, B, Math.max(1, B >> 2));
      const o = { tau: 0.05, alpha: 1, beta: 0.1, lambda: 0.2, groups, detachWeights: detach };
      const a = hybridNce(P.A.m, P.T.m, { ...o, direction: 'a2t' });
      const t = hybridNce(P.A.m, P.T.m, { ...o, direction: 't2a' });
      const b = hybridNce(P.A.m, P.T.m, { ...o, direction: 'both' });
      const ctx = `seed ${SEED} both B=${B} d=${d} ${dtype} detach=${detach}`;
      assertClose([b.loss], [(a.loss + t.loss) / 2], { rel: 1e-5, abs: 1e-6 }, `${ctx}: loss`);
      const mean = (x: Float32Array, y: Float32Array) => x.map((v, i) => (v + y[i]!) / 2);
      const scale = Math.max(maxAbs(b.dAudio!), maxAbs(b.dText!));
      assertClose(b.dAudio!, mean(a.dAudio!, t.dAudio!), { rel: 0, abs: 1e-5 * scale }, `${ctx}: dA`);
      assertClose(b.dText!, mean(a.dText!, t.dText!), { rel: 0, abs: 1e-5 * scale }, `${ctx}: dT`);
    }
  });

  it('detaching the weights keeps the loss; changes the gradient iff β > 0', () => {
    const rng = caseRng(SEED, 'detach');
    for (const [B, d, dtype, direction] of [
      [9, 4, 'f32', 'a2t'],
      [50, 8, 'f16', 'both'],
      [120, 6, 'bf16', 't2a'],
    ] as const) {
      const P = pair(rng, B, d, dtype);
      const groups = randomGroups(rng, B, Math.max(1, B >> 2));
      for (const beta of [0, 0.1, 1]) {
        const o = { tau: 0.05, alpha: 1, beta, lambda: 0.2, groups, direction };
        const live = hybridNce(P.A.m, P.T.m, o);
        const det = hybridNce(P.A.m, P.T.m, { ...o, detachWeights: true });
        const ctx = `seed ${SEED} detach B=${B} d=${d} ${dtype} ${direction} β=${beta}`;
        assertClose([det.loss], [live.loss], { rel: 1e-6, abs: 1e-6 }, `${ctx}: loss`);
        const scale = Math.max(maxAbs(live.dAudio!), maxAbs(live.dText!));
        const diff = Math.max(
          maxAbs(det.dAudio!.map((v, i) => v - live.dAudio![i]!)),
          maxAbs(det.dText!.map((v, i) => v - live.dText![i]!)),
        );
        if (beta === 0) {
          expect(diff, `${ctx}: gradients differ by ${diff} (scale ${scale})`).toBeLessThanOrEqual(1e-6 * scale);
        } else {
          // The weights' own gradient is a sizeable share of the total (β/τ = 2 or 20 here).
          expect(diff, `${ctx}: gradients differ by only ${diff} (scale ${scale})`).toBeGreaterThan(
            (beta < 1 ? 1e-3 : 1e-2) * scale,
          );
        }
      }
    }
  });

  it('async gives the same result as sync', async () => {
    const rng = caseRng(SEED, 'async');
    const cases = [
      [16, 12, 'f32', 'a2t'],
      [100, 33, 'f16', 'both'],
      [257, 8, 'bf16', 't2a'],
    ] as const;
    const inputs = cases.map(([B, d, dtype, direction]) => ({
      P: pair(rng, B, d, dtype),
      o: { groups: randomGroups(rng, B, Math.max(1, B >> 3)), direction } as HybridNceOptions,
    }));
    const sync = inputs.map(({ P, o }) => hybridNce(P.A.m, P.T.m, o));
    const async = await Promise.all(inputs.map(({ P, o }) => hybridNceAsync(P.A.m, P.T.m, o)));
    for (let i = 0; i < cases.length; i++) {
      const ctx = `seed ${SEED} async ${cases[i]!.join(' ')}`;
      assertClose([async[i]!.loss], [sync[i]!.loss], { rel: 1e-6, abs: 1e-7 }, `${ctx}: loss`);
      const scale = maxAbs(sync[i]!.dAudio!);
      assertClose(async[i]!.dAudio!, sync[i]!.dAudio!, { rel: 0, abs: 1e-6 * scale }, `${ctx}: dA`);
      assertClose(async[i]!.dText!, sync[i]!.dText!, { rel: 0, abs: 1e-6 * scale }, `${ctx}: dT`);
    }
    await expect(hybridNceAsync(inputs[0]!.P.A.m, inputs[0]!.P.T.m, { tau: -1 })).rejects.toThrow(RangeError);
  });

  it('streams the logits: scratch memory far below a B×B matrix (B = 4096)', () => {
    const rng = caseRng(SEED, 'memory');
    const B = 4096;
    const d = 8;
    const P = pair(rng, B, d, 'f32');
    const groups = randomGroups(rng, B, B / 8);
    scratchPeakBytes(true);
    const r = hybridNce(P.A.m, P.T.m, { groups, device: 'cpu' });
    const peak = scratchPeakBytes(true);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(peak, `scratch peak ${peak} B vs a B×B f32 matrix ${B * B * 4} B`).toBeLessThan((B * B * 4) / 4);
  });
});
