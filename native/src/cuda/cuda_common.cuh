// Shared pieces of the CUDA twins: error handling, accounted device buffers, element loads, score keys.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "common.hpp"

namespace ak::cuda {

// Runs a CUDA runtime call; on failure records the message and returns AK_ERR_CUDA from the enclosing function.
#define AK_CUDA_TRY(expr)                                                                                   \
  do {                                                                                                      \
    cudaError_t ak_e_ = (expr);                                                                             \
    if (ak_e_ != cudaSuccess) return ::ak::fail(AK_ERR_CUDA, "%s: %s", #expr, cudaGetErrorString(ak_e_)); \
  } while (0)

// Checks that the kernel launched just before it was accepted (bad configuration, missing image, ...).
#define AK_CUDA_LAUNCHED(what)                                                                              \
  do {                                                                                                      \
    cudaError_t ak_e_ = cudaGetLastError();                                                                 \
    if (ak_e_ != cudaSuccess) return ::ak::fail(AK_ERR_CUDA, "%s: %s", what, cudaGetErrorString(ak_e_));   \
  } while (0)

// Any early return of a status that is not AK_OK.
#define AK_TRY(expr)                    \
  do {                                  \
    ak_status ak_s_ = (expr);           \
    if (ak_s_ != AK_OK) return ak_s_;   \
  } while (0)

// Stream-ordered allocation from a pool private to the library (device.cu). Memory returned to the pool is
// reused by the next call instead of going back to the driver, so repeated calls do not pay cudaMalloc's cost;
// the pool releases what it holds above a threshold at synchronisation points. Falls back to cudaMalloc when
// the device has no memory pools. Everything runs on the legacy default stream.
cudaError_t device_alloc(void **ptr, size_t bytes);
void device_free(void *ptr);

// Owning, accounted device buffer of T (trivially copyable T only).
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { reset(); }

  // Allocates count elements (nothing for count <= 0); returns AK_ERR_CUDA (with a message) on failure.
  ak_status alloc(int64_t count, const char *what) {
    reset();
    if (count <= 0) return AK_OK;
    const size_t bytes = static_cast<size_t>(count) * sizeof(T);
    void *p = nullptr;
    cudaError_t e = device_alloc(&p, bytes);
    if (e != cudaSuccess) {
      return ::ak::fail(AK_ERR_CUDA, "device allocation of %lld bytes (%s): %s", static_cast<long long>(bytes), what,
                        cudaGetErrorString(e));
    }
    ptr_ = static_cast<T *>(p);
    bytes_ = static_cast<int64_t>(bytes);
    ::ak::scratch_acquire(bytes_);
    return AK_OK;
  }
  void reset() {
    if (!ptr_) return;
    device_free(ptr_);
    ::ak::scratch_release(bytes_);
    ptr_ = nullptr;
    bytes_ = 0;
  }
  T *get() const { return ptr_; }
  int64_t bytes() const { return bytes_; }

 private:
  T *ptr_ = nullptr;
  int64_t bytes_ = 0;
};

// Copies `bytes` of a host array into `buf`, (re)allocated to hold them.
template <typename T>
ak_status upload(DeviceBuffer<T> &buf, const void *host, int64_t bytes, const char *what) {
  AK_TRY(buf.alloc((bytes + static_cast<int64_t>(sizeof(T)) - 1) / static_cast<int64_t>(sizeof(T)), what));
  if (bytes > 0) AK_CUDA_TRY(cudaMemcpy(buf.get(), host, static_cast<size_t>(bytes), cudaMemcpyHostToDevice));
  return AK_OK;
}

// Waits for the default stream and turns an asynchronous kernel fault into AK_ERR_CUDA.
inline ak_status sync_default_stream(const char *what) {
  cudaError_t e = cudaStreamSynchronize(0);
  if (e == cudaSuccess) e = cudaGetLastError();
  if (e != cudaSuccess) return ::ak::fail(AK_ERR_CUDA, "%s: %s", what, cudaGetErrorString(e));
  return AK_OK;
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// True when a device pointer allows 16-byte vector loads of rows of `ld` 16-bit elements.
inline bool vec16_ok(const void *p, int64_t ld_elems, int64_t elem_bytes) {
  return (reinterpret_cast<uintptr_t>(p) % 16 == 0) && ((ld_elems * elem_bytes) % 16 == 0);
}

// ---- element loads ------------------------------------------------------------------------------------------

// Storage element kinds as compile-time tags (same values as ak_dtype).
enum Elem : int { kF32 = 0, kF16 = 1, kBF16 = 2 };

template <int E>
__device__ __forceinline__ float load_as_f32(const void *base, int64_t idx) {
  if constexpr (E == kF32) {
    return static_cast<const float *>(base)[idx];
  } else if constexpr (E == kF16) {
    return __half2float(__ushort_as_half(static_cast<const unsigned short *>(base)[idx]));
  } else {
    return __uint_as_float(static_cast<uint32_t>(static_cast<const unsigned short *>(base)[idx]) << 16);
  }
}

// Rounds an f32 to the 16-bit storage kind (round to nearest even), returned as raw bits.
template <int E>
__device__ __forceinline__ unsigned short f32_to_16(float v) {
  if constexpr (E == kF16) {
    return __half_as_ushort(__float2half_rn(v));
  } else {
    return __bfloat16_as_ushort(__float2bfloat16_rn(v));
  }
}
template <int E>
__device__ __forceinline__ float f16bits_to_f32(unsigned short h) {
  if constexpr (E == kF16) {
    return __half2float(__ushort_as_half(h));
  } else {
    return __uint_as_float(static_cast<uint32_t>(h) << 16);
  }
}

// ---- top-k keys ----------------------------------------------------------------------------------------------
// A candidate (score, row) is one 64-bit key whose unsigned order is the result order: the high word is the score
// mapped to an order-preserving unsigned integer, the low word is ~row so that a lower row wins a tie. NaN maps to
// 0 (below -inf, as the API asks) and -0 to +0 (so that -0 and +0 tie and fall back to the row order). Distinct
// rows give distinct keys, which the radix selection relies on; key 0 never occurs for a real row (~row has its top
// bit set since rows are < 2^31), so 0 serves as "empty".
__device__ __forceinline__ uint64_t make_key(float score, uint32_t row) {
  uint32_t u = __float_as_uint(score);
  uint32_t k;
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    k = 0u;
  } else {
    if (u == 0x80000000u) u = 0u;
    k = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  }
  return (static_cast<uint64_t>(k) << 32) | static_cast<uint64_t>(~row);
}
__device__ __forceinline__ float key_score(uint64_t key) {
  const uint32_t k = static_cast<uint32_t>(key >> 32);
  if (k == 0u) return __uint_as_float(0x7fc00000u);
  return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}
__device__ __forceinline__ int32_t key_row(uint64_t key) {
  return static_cast<int32_t>(~static_cast<uint32_t>(key));
}

}  // namespace ak::cuda
