// Device discovery and the library's device-memory pool.
#include <mutex>
#include <vector>

#include "cuda/cuda_common.cuh"
#include "cuda/cuda_kernels.hpp"

namespace ak::cuda {

int device_count() {
  int n = 0;
  // No driver, no device or a driver older than the runtime: report none rather than an error, and clear the
  // runtime's error state so that it does not leak into a later call.
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n < 0 ? 0 : n;
}

namespace {

// Memory the pool may keep after a synchronisation once calls have returned it: enough for the working buffers of
// the benchmark shapes, so that back-to-back calls neither map nor unmap device memory.
constexpr uint64_t kPoolKeepBytes = 512ull << 20;

struct PoolSlot {
  bool tried = false;
  cudaMemPool_t pool = nullptr;  // null: use cudaMalloc
};

std::mutex g_pool_mutex;
std::vector<PoolSlot> g_pools;

cudaMemPool_t pool_for_current_device() {
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) {
    (void)cudaGetLastError();
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (static_cast<size_t>(dev) >= g_pools.size()) g_pools.resize(static_cast<size_t>(dev) + 1);
  PoolSlot &slot = g_pools[static_cast<size_t>(dev)];
  if (slot.tried) return slot.pool;
  slot.tried = true;
  int supported = 0;
  if (cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, dev) != cudaSuccess || !supported) {
    (void)cudaGetLastError();
    return nullptr;
  }
  // A pool of our own rather than the device's default pool: its release threshold is ours to set without
  // changing the behaviour of the application's own stream-ordered allocations.
  cudaMemPoolProps props = {};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = dev;
  cudaMemPool_t pool = nullptr;
  if (cudaMemPoolCreate(&pool, &props) != cudaSuccess) {
    (void)cudaGetLastError();
    return nullptr;
  }
  uint64_t keep = kPoolKeepBytes;
  (void)cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
  (void)cudaGetLastError();
  slot.pool = pool;
  return pool;
}

}  // namespace

cudaError_t device_alloc(void **ptr, size_t bytes) {
  cudaMemPool_t pool = pool_for_current_device();
  if (pool) return cudaMallocFromPoolAsync(ptr, bytes, pool, 0);
  return cudaMalloc(ptr, bytes);
}

void device_free(void *ptr) {
  if (!ptr) return;
  // Buffers live within one call on one device, so the pool choice made at allocation is the one seen here. The
  // stream order keeps pool memory alive until every kernel queued before the free has finished; cudaFree waits.
  cudaError_t e = pool_for_current_device() ? cudaFreeAsync(ptr, 0) : cudaFree(ptr);
  if (e != cudaSuccess) (void)cudaGetLastError();
}

}  // namespace ak::cuda
