// Loading of the Node-API addon built in native/ (the @aurola/native workspace package), and the shape of what it
// exports. The addon is loaded lazily, on the first kernel call, so that importing this package (for its types or
// RowFilter) never fails on a machine where the addon has not been built.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Storage dtype codes of the C API: 0 = f32, 1 = f16, 2 = bf16. */
export type DTypeCode = 0 | 1 | 2;
/** Device codes of the C API: 0 = auto, 1 = cpu, 2 = cuda. */
export type DeviceCode = 0 | 1 | 2;
/** Hybrid-NCE direction codes of the C API: 0 = a2t, 1 = t2a, 2 = both. */
export type DirectionCode = 0 | 1 | 2;

export type NativeData = Float32Array | Uint16Array;

export interface NativeInfo {
  cudaBuilt: boolean;
  cudaDevices: number;
  isa: string;
  threads: number;
}

export interface NativeTopK {
  scores: Float32Array;
  ids: Int32Array;
  /** k_out = min(k, allowed rows); the arrays hold qRows × (requested k) slots. */
  k: number;
}

export interface NativeNce {
  loss: number;
  dA: Float32Array | null;
  dT: Float32Array | null;
}

type SimilarityArgs = [
  device: DeviceCode,
  q: NativeData,
  qDtype: DTypeCode,
  c: NativeData,
  cDtype: DTypeCode,
  qRows: number,
  nRows: number,
  d: number,
];
type SearchArgs = [...SimilarityArgs, k: number, allow: Uint8Array | null];
type NceArgs = [
  device: DeviceCode,
  a: NativeData,
  t: NativeData,
  dtype: DTypeCode,
  B: number,
  d: number,
  groups: Int32Array | null,
  tau: number,
  alpha: number,
  beta: number,
  lambda: number,
  direction: DirectionCode,
  detach: boolean,
  wantGrad: boolean,
];

/** What native/addon/addon.cpp exports. Every function throws an Error carrying the native message on failure. */
export interface NativeAddon {
  info(): NativeInfo;
  setThreads(n: number): void;
  scratchPeakBytes(reset: boolean): number;
  convert(src: NativeData, srcDtype: DTypeCode, dstDtype: DTypeCode): NativeData;
  similarity(...args: SimilarityArgs): Float32Array;
  similarityAsync(...args: SimilarityArgs): Promise<Float32Array>;
  searchTopK(...args: SearchArgs): NativeTopK;
  searchTopKAsync(...args: SearchArgs): Promise<NativeTopK>;
  hybridNce(...args: NceArgs): NativeNce;
  hybridNceAsync(...args: NceArgs): Promise<NativeNce>;
}

/** Environment variable naming another addon file to load (e.g. a CUDA build kept elsewhere). */
export const ADDON_PATH_ENV = 'AUROLA_KERNELS_ADDON';

const BUILD_HINT =
  'Run `npm ci` at the repository root (it builds the addon), or `npm run build -w @aurola/native` to rebuild it.';

let loaded: NativeAddon | undefined;

/** Where the addon is expected: $AUROLA_KERNELS_ADDON, else <@aurola/native>/build/Release/aurola_kernels.node. */
export function addonPath(): string {
  const override = process.env[ADDON_PATH_ENV];
  if (override) return override;
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('@aurola/native/package.json');
  } catch (cause) {
    throw new Error(`@aurola/kernels: cannot find the @aurola/native package. ${BUILD_HINT}`, { cause });
  }
  return join(dirname(pkg), 'build', 'Release', 'aurola_kernels.node');
}

/** The addon, loaded on first use. Throws an Error telling how to build it when it is missing or fails to load. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  const file = addonPath();
  if (!existsSync(file)) {
    throw new Error(`@aurola/kernels: the native addon is not built (missing ${file}). ${BUILD_HINT}`);
  }
  try {
    loaded = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`@aurola/kernels: cannot load the native addon ${file}: ${why}. ${BUILD_HINT}`, { cause });
  }
  return loaded;
}
