// Library state: addon loading, kernelInfo, threads, devices (CUDA absent here → a clear error; present → same
// results as the CPU), scratch accounting.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  hybridNce,
  hybridNceAsync,
  kernelInfo,
  scratchPeakBytes,
  search,
  searchAsync,
  setThreads,
  similarity,
  similarityAsync,
} from '../src/index.js';
import { assertClose, caseRng, maxAbs, randomMatrix, testSeed } from './reference.js';

const SEED = testSeed();

describe('addon loading', () => {
  afterEach(() => {
    delete process.env.AUROLA_KERNELS_ADDON;
    vi.resetModules();
  });

  it('a missing addon gives an error saying how to build it', async () => {
    process.env.AUROLA_KERNELS_ADDON = '/nonexistent/aurola_kernels.node';
    vi.resetModules();
    const fresh = await import('../src/index.js');
    expect(() => fresh.kernelInfo()).toThrow(/native addon is not built \(missing \/nonexistent\/aurola_kernels\.node\)/);
    expect(() => fresh.kernelInfo()).toThrow(/npm ci/);
    expect(() => fresh.kernelInfo()).toThrow(/npm run build -w @aurola\/native/);
    // Importing the package and using RowFilter does not need the addon.
    expect(new fresh.RowFilter(3, true).count()).toBe(3);
  });
});

describe(`kernelInfo, threads, scratch (seed ${SEED})`, () => {
  it('reports the build', () => {
    const info = kernelInfo();
    expect(typeof info.cudaBuilt).toBe('boolean');
    expect(Number.isInteger(info.cudaDevices) && info.cudaDevices >= 0).toBe(true);
    expect(['avx512', 'avx2', 'generic']).toContain(info.isa);
    expect(Number.isInteger(info.threads) && info.threads >= 1).toBe(true);
    if (!info.cudaBuilt) expect(info.cudaDevices).toBe(0);
  });

  it('setThreads changes the thread count and n <= 0 restores the default; results do not depend on it', () => {
    const rng = caseRng(SEED, 'threads');
    const defaultThreads = kernelInfo().threads;
    const Q = randomMatrix(rng, 20, 33, 'f32', { intRange: 2 });
    const C = randomMatrix(rng, 3000, 33, 'f32', { intRange: 2 });
    const A = randomMatrix(rng, 200, 16, 'f32', { normalize: true });
    const T = randomMatrix(rng, 200, 16, 'f32', { normalize: true });
    const before = search(Q.m, C.m, { k: 50, device: 'cpu' });
    const nceBefore = hybridNce(A.m, T.m, { device: 'cpu' });
    try {
      setThreads(1);
      expect(kernelInfo().threads).toBe(1);
      const one = search(Q.m, C.m, { k: 50, device: 'cpu' });
      expect(one.ids).toEqual(before.ids);
      expect(one.scores).toEqual(before.scores);
      const nceOne = hybridNce(A.m, T.m, { device: 'cpu' });
      assertClose([nceOne.loss], [nceBefore.loss], { rel: 1e-6, abs: 1e-7 }, `seed ${SEED} 1 thread loss`);
      const scale = maxAbs(nceBefore.dAudio!);
      assertClose(nceOne.dAudio!, nceBefore.dAudio!, { rel: 0, abs: 1e-6 * scale }, `seed ${SEED} 1 thread dA`);
      setThreads(3);
      expect(kernelInfo().threads).toBe(3);
      const three = search(Q.m, C.m, { k: 50, device: 'cpu' });
      expect(three.ids).toEqual(before.ids);
      setThreads(0);
      expect(kernelInfo().threads).toBe(defaultThreads);
      setThreads(2);
      setThreads(-1);
      expect(kernelInfo().threads).toBe(defaultThreads);
    } finally {
      setThreads(0);
    }
  });

  it('scratchPeakBytes reads and resets the peak', () => {
    const rng = caseRng(SEED, 'scratch');
    const A = randomMatrix(rng, 300, 32, 'f16', { normalize: true });
    const T = randomMatrix(rng, 300, 32, 'f16', { normalize: true });
    scratchPeakBytes(true);
    hybridNce(A.m, T.m);
    const peak = scratchPeakBytes();
    expect(Number.isInteger(peak) && peak >= 0).toBe(true);
    expect(scratchPeakBytes(true)).toBe(peak); // reading without reset keeps it
    expect(scratchPeakBytes()).toBe(0); // nothing held, nothing ran since the reset
  });
});

const info = kernelInfo();

describe(`devices (seed ${SEED})`, () => {
  const rng = caseRng(SEED, 'devices');
  const Q = randomMatrix(rng, 8, 24, 'f16', { normalize: true });
  const C = randomMatrix(rng, 500, 24, 'f16', { normalize: true });
  const A = randomMatrix(rng, 64, 24, 'bf16', { normalize: true });
  const T = randomMatrix(rng, 64, 24, 'bf16', { normalize: true });

  it.runIf(info.cudaDevices === 0)("device 'cuda' without a CUDA device fails clearly", async () => {
    const msg = /device 'cuda' was requested but .*(no CUDA device|built without CUDA)/;
    expect(() => similarity(Q.m, C.m, { device: 'cuda' })).toThrow(msg);
    expect(() => search(Q.m, C.m, { k: 5, device: 'cuda' })).toThrow(msg);
    expect(() => hybridNce(A.m, T.m, { device: 'cuda' })).toThrow(msg);
    await expect(similarityAsync(Q.m, C.m, { device: 'cuda' })).rejects.toThrow(msg);
    await expect(searchAsync(Q.m, C.m, { k: 5, device: 'cuda' })).rejects.toThrow(msg);
    await expect(hybridNceAsync(A.m, T.m, { device: 'cuda' })).rejects.toThrow(msg);
  });

  it.runIf(info.cudaDevices === 0)("'auto' runs on the CPU when there is no CUDA device", () => {
    expect(similarity(Q.m, C.m, { device: 'auto' })).toEqual(similarity(Q.m, C.m, { device: 'cpu' }));
  });

  it.runIf(info.cudaDevices > 0)('CUDA results match the CPU', async () => {
    const sc = similarity(Q.m, C.m, { device: 'cpu' });
    assertClose(similarity(Q.m, C.m, { device: 'cuda' }), sc, { rel: 0, abs: 1e-5 }, 'cuda similarity');
    const rc = search(Q.m, C.m, { k: 20, device: 'cpu' });
    const rg = await searchAsync(Q.m, C.m, { k: 20, device: 'cuda' });
    expect(rg.k).toBe(rc.k);
    assertClose(rg.scores, rc.scores, { rel: 0, abs: 1e-5 }, 'cuda search scores');
    const groups = Int32Array.from({ length: 64 }, (_, i) => (i % 5) - 1);
    const nc = hybridNce(A.m, T.m, { groups, device: 'cpu' });
    const ng = hybridNce(A.m, T.m, { groups, device: 'cuda' });
    assertClose([ng.loss], [nc.loss], { rel: 1e-4, abs: 1e-5 }, 'cuda loss');
    const scale = maxAbs(nc.dAudio!);
    assertClose(ng.dAudio!, nc.dAudio!, { rel: 0, abs: 1e-4 * scale }, 'cuda dA');
    assertClose(ng.dText!, nc.dText!, { rel: 0, abs: 1e-4 * scale }, 'cuda dT');
  });
});
