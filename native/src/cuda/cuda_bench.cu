// See cuda_bench.hpp.
#include <cstdio>

#include "cuda/cuda_bench.hpp"
#include "cuda/cuda_common.cuh"

namespace ak::cuda::bench {

bool device_info(char *name, int name_len, int64_t *total_bytes) {
  int dev = 0;
  cudaDeviceProp prop;
  cudaError_t e = cudaGetDevice(&dev);
  if (e == cudaSuccess) e = cudaGetDeviceProperties(&prop, dev);
  if (e != cudaSuccess) {
    std::snprintf(name, static_cast<size_t>(name_len), "no device (%s)", cudaGetErrorString(e));
    (void)cudaGetLastError();
    return false;
  }
  std::snprintf(name, static_cast<size_t>(name_len), "%s (sm_%d%d, %d SMs)", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount);
  if (total_bytes) *total_bytes = static_cast<int64_t>(prop.totalGlobalMem);
  return true;
}

void *alloc(int64_t bytes) {
  void *p = nullptr;
  if (cudaMalloc(&p, static_cast<size_t>(bytes)) != cudaSuccess) {
    (void)cudaGetLastError();
    return nullptr;
  }
  return p;
}

void release(void *p) {
  if (p) (void)cudaFree(p);
}

bool to_device(void *dst, const void *src, int64_t bytes) {
  return cudaMemcpy(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice) == cudaSuccess;
}

bool to_host(void *dst, const void *src, int64_t bytes) {
  return cudaMemcpy(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost) == cudaSuccess;
}

bool synchronize() { return cudaDeviceSynchronize() == cudaSuccess; }

double time_ms(void (*fn)(void *), void *ctx) {
  cudaEvent_t a, b;
  if (cudaEventCreate(&a) != cudaSuccess) return -1.0;
  if (cudaEventCreate(&b) != cudaSuccess) {
    cudaEventDestroy(a);
    return -1.0;
  }
  float ms = -1.f;
  cudaEventRecord(a, 0);
  fn(ctx);
  cudaEventRecord(b, 0);
  if (cudaEventSynchronize(b) != cudaSuccess || cudaEventElapsedTime(&ms, a, b) != cudaSuccess) ms = -1.f;
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms;
}

}  // namespace ak::cuda::bench
