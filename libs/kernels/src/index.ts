// @aurola/kernels — typed API over aurola's native kernels (native/, loaded as a Node-API addon).
export type { Device, DType, Matrix, NceDirection } from './dtype.js';
export { RowFilter } from './filter.js';
export {
  fromBf16,
  fromF16,
  hybridNce,
  hybridNceAsync,
  kernelInfo,
  scratchPeakBytes,
  search,
  searchAsync,
  SearchResult,
  setThreads,
  similarity,
  similarityAsync,
  toBf16,
  toF16,
  type Hit,
  type HybridNceOptions,
  type HybridNceResult,
  type KernelInfo,
  type KernelOptions,
  type SearchOptions,
} from './api.js';
export { EngineModel, type AdamWOptions, type EngineBatchInput, type EngineConfig, type EngineTensor } from './engine.js';
