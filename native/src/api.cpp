// The C API: argument checks, device choice, then the CPU kernel table or the CUDA twins.
#include <omp.h>

#include <atomic>
#include <cmath>
#include <limits>

#include "common.hpp"
#include "cpu/cpu_kernels.hpp"
#ifdef AK_WITH_CUDA
#include "cuda/cuda_kernels.hpp"
#endif

namespace {

std::atomic<int> requested_threads{0};

int threads() {
  const int n = requested_threads.load();
  return n > 0 ? n : omp_get_max_threads();
}

// Resolves AK_DEVICE_AUTO and checks that the device asked for exists.
ak_status resolve_device(ak_device requested, ak_device *out, const char *fn) {
  if (requested != AK_DEVICE_AUTO && requested != AK_DEVICE_CPU && requested != AK_DEVICE_CUDA)
    return ak::fail(AK_ERR_INVALID_ARGUMENT, "%s: unknown device %d", fn, static_cast<int>(requested));
  const bool cuda = ak_cuda_device_count() > 0;
  if (requested == AK_DEVICE_CUDA && !cuda)
    return ak::fail(AK_ERR_UNSUPPORTED, "%s: device 'cuda' requested but %s", fn,
                    ak_cuda_built() ? "no CUDA device is available" : "the library was built without CUDA");
  *out = requested == AK_DEVICE_AUTO ? (cuda ? AK_DEVICE_CUDA : AK_DEVICE_CPU) : requested;
  return AK_OK;
}

#define AK_CHECK(cond, ...) \
  do {                      \
    if (!(cond)) return ak::fail(AK_ERR_INVALID_ARGUMENT, __VA_ARGS__); \
  } while (0)

ak_status check_matrices(const char *fn, const void *Q, int q_dtype, const void *C, int c_dtype, int64_t q, int64_t n,
                         int64_t d) {
  AK_CHECK(Q && C, "%s: null input matrix", fn);
  AK_CHECK(ak::dtype_valid(q_dtype) && ak::dtype_valid(c_dtype), "%s: unsupported dtype (%d, %d)", fn, q_dtype, c_dtype);
  AK_CHECK(q > 0 && n > 0 && d > 0, "%s: dimensions must be positive (q=%lld n=%lld d=%lld)", fn,
           static_cast<long long>(q), static_cast<long long>(n), static_cast<long long>(d));
  return AK_OK;
}

}  // namespace

extern "C" {

const char *ak_last_error(void) { return ak::last_error_message(); }

int ak_cuda_built(void) {
#ifdef AK_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

int ak_cuda_device_count(void) {
#ifdef AK_WITH_CUDA
  static const int count = ak::cuda::device_count();
  return count;
#else
  return 0;
#endif
}

const char *ak_cpu_isa(void) { return ak::cpu::kernels().isa; }

void ak_set_num_threads(int n) { requested_threads.store(n > 0 ? n : 0); }
int ak_get_num_threads(void) { return threads(); }

int64_t ak_scratch_peak_bytes(int reset) { return ak::scratch_peak_bytes(reset != 0); }

ak_status ak_convert(const void *src, ak_dtype src_dtype, void *dst, ak_dtype dst_dtype, int64_t count) {
  AK_CHECK(ak::dtype_valid(src_dtype) && ak::dtype_valid(dst_dtype), "convert: unsupported dtype (%d, %d)",
           static_cast<int>(src_dtype), static_cast<int>(dst_dtype));
  AK_CHECK(count >= 0, "convert: negative count");
  if (count == 0) return AK_OK;
  AK_CHECK(src && dst, "convert: null buffer");
  ak::cpu::kernels().convert(src, src_dtype, dst, dst_dtype, count, threads());
  return AK_OK;
}

ak_status ak_similarity(ak_device device, const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q,
                        int64_t n, int64_t d, float *S) {
  ak_status st = check_matrices("similarity", Q, q_dtype, C, c_dtype, q, n, d);
  if (st != AK_OK) return st;
  AK_CHECK(S, "similarity: null output");
  ak_device dev;
  if ((st = resolve_device(device, &dev, "similarity")) != AK_OK) return st;
#ifdef AK_WITH_CUDA
  if (dev == AK_DEVICE_CUDA) return ak::cuda::similarity(Q, q_dtype, C, c_dtype, q, n, d, S);
#endif
  return ak::cpu::kernels().similarity(Q, q_dtype, C, c_dtype, q, n, d, S, threads());
}

ak_status ak_search_topk(ak_device device, const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q,
                         int64_t n, int64_t d, int64_t k, const uint8_t *allow, float *out_scores, int32_t *out_ids,
                         int64_t *k_out) {
  ak_status st = check_matrices("search", Q, q_dtype, C, c_dtype, q, n, d);
  if (st != AK_OK) return st;
  AK_CHECK(k > 0, "search: k must be positive (got %lld)", static_cast<long long>(k));
  AK_CHECK(n <= std::numeric_limits<int32_t>::max(), "search: corpus of %lld rows exceeds 2^31-1",
           static_cast<long long>(n));
  AK_CHECK(out_scores && out_ids, "search: null output");
  ak_device dev;
  if ((st = resolve_device(device, &dev, "search")) != AK_OK) return st;
  int64_t allowed = n;
  if (allow) {
    allowed = 0;
    for (int64_t b = 0; b < n / 8; ++b) allowed += __builtin_popcount(allow[b]);
    if (n % 8) allowed += __builtin_popcount(allow[n / 8] & ((1u << (n % 8)) - 1u));
  }
  const int64_t kk = std::min(k, allowed);
  if (k_out) *k_out = kk;
#ifdef AK_WITH_CUDA
  if (dev == AK_DEVICE_CUDA) return ak::cuda::search_topk(Q, q_dtype, C, c_dtype, q, n, d, k, allow, out_scores, out_ids, nullptr);
#endif
  return ak::cpu::kernels().search_topk(Q, q_dtype, C, c_dtype, q, n, d, k, allow, kk, out_scores, out_ids, threads());
}

ak_status ak_hybrid_nce(ak_device device, const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d,
                        const int32_t *groups, const ak_nce_params *p, float *loss, float *dA, float *dT) {
  AK_CHECK(A && T && p && loss, "hybrid_nce: null argument");
  AK_CHECK(ak::dtype_valid(dtype), "hybrid_nce: unsupported dtype %d", static_cast<int>(dtype));
  AK_CHECK(B > 0 && d > 0, "hybrid_nce: dimensions must be positive (B=%lld d=%lld)", static_cast<long long>(B),
           static_cast<long long>(d));
  AK_CHECK(B <= std::numeric_limits<int32_t>::max(), "hybrid_nce: batch too large");
  AK_CHECK((dA == nullptr) == (dT == nullptr), "hybrid_nce: pass both gradient outputs or neither");
  AK_CHECK(std::isfinite(p->tau) && p->tau > 0, "hybrid_nce: tau must be a positive number (got %g)", p->tau);
  AK_CHECK(std::isfinite(p->alpha) && p->alpha >= 0, "hybrid_nce: alpha must be >= 0 (got %g)", p->alpha);
  AK_CHECK(std::isfinite(p->beta) && p->beta >= 0, "hybrid_nce: beta must be >= 0 (got %g)", p->beta);
  AK_CHECK(std::isfinite(p->lambda) && p->lambda >= 0, "hybrid_nce: lambda must be >= 0 (got %g)", p->lambda);
  AK_CHECK(p->direction >= AK_NCE_A2T && p->direction <= AK_NCE_BOTH, "hybrid_nce: unknown direction %d", p->direction);
  ak_device dev;
  ak_status st = resolve_device(device, &dev, "hybrid_nce");
  if (st != AK_OK) return st;
#ifdef AK_WITH_CUDA
  if (dev == AK_DEVICE_CUDA) return ak::cuda::hybrid_nce(A, T, dtype, B, d, groups, p, loss, dA, dT);
#endif
  return ak::cpu::kernels().hybrid_nce(A, T, dtype, B, d, groups, *p, loss, dA, dT, threads());
}

}  // extern "C"
