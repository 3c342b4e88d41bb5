// Similarity and fused inner-product top-k on the GPU.
//
// Top-k pipeline, per batch of queries (never materialising the q x n score matrix):
//  * Every query owns a candidate buffer of `cap` 64-bit keys (cuda_common.cuh: score and row in one key whose
//    unsigned order is the result order) and a threshold key theta, below which no row can enter its top k.
//  * The corpus is processed in chunks. For a chunk, a tiled product computes score tiles in shared memory and its
//    epilogue appends every allowed (query, row) whose key beats theta to the query's buffer (one atomic per warp
//    and row of the tile reserves space).
//  * Before the next chunk, a query whose buffer could overflow is compacted: a block radix-selects its k best
//    keys, keeps them at the front of the buffer and raises theta to the k-th best. The chunk size is at most
//    cap - k, so a compacted buffer always has room for a whole chunk: overflow cannot happen, whatever the data.
//  * The first chunk is kept small and every buffer is compacted after it, so that theta is known early and later
//    chunks pass few candidates (about k * chunk / rows-seen per query on unordered data).
//  * At the end each query's buffer is cut to k and bitonic-sorted into the output.
// Memory: q_batch x cap keys (about kCandBudgetBytes), independent of n.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <type_traits>

#include "cuda/cuda_common.cuh"
#include "cuda/cuda_kernels.hpp"
#include "cuda/gemm.cuh"

namespace ak::cuda {
namespace {

constexpr int64_t kCandBudgetBytes = 256ll << 20;  // candidate buffers of one query batch
constexpr int64_t kChunkQuantum = 256;              // chunk sizes are multiples of every tile width (and of 8 bits)
constexpr int64_t kFirstChunkMin = 32768;
constexpr int64_t kMaxQueryBatch = 4096;
constexpr int kSelectThreads = 256;
constexpr int64_t kSortSmemMax = 4096;  // keys sorted in shared memory (32 KB); larger k sorts in global memory

// ---- epilogues --------------------------------------------------------------------------------------------------

// Appends the keys of allowed rows that beat the query's threshold to its candidate buffer.
struct EpiTopkFilter {
  uint64_t *cand;
  unsigned *cnt;
  const uint64_t *theta;
  int64_t cap;
  int64_t q_end;
  int64_t n_end;  // end of the current chunk: rows past it belong to the next chunk
  const uint8_t *allow;
  template <int BM, int BN>
  __device__ void run(const float *t, int ldt, int64_t m0, int64_t n0) const {
    constexpr int PER_LANE = BN / 32;
    static_assert(PER_LANE <= 32, "tile width");
    const int lane = threadIdx.x & 31;
    const int warps = blockDim.x >> 5;
    // Whether each of this lane's columns is an allowed row of the chunk does not depend on the query.
    unsigned col_ok = 0;
#pragma unroll
    for (int u = 0; u < PER_LANE; ++u) {
      const int64_t j = n0 + lane + 32 * u;
      bool ok = j < n_end;
      if (ok && allow) ok = (allow[j >> 3] >> (j & 7)) & 1;
      col_ok |= static_cast<unsigned>(ok) << u;
    }
    for (int r = threadIdx.x >> 5; r < BM; r += warps) {
      const int64_t i = m0 + r;
      if (i >= q_end) break;  // rows increase with r
      const uint64_t th = theta[i];
      uint64_t key[PER_LANE];
      unsigned pass = 0;
#pragma unroll
      for (int u = 0; u < PER_LANE; ++u) {
        const int c = lane + 32 * u;
        key[u] = make_key(t[r * ldt + c], static_cast<uint32_t>(n0 + c));
        pass |= static_cast<unsigned>(((col_ok >> u) & 1u) && key[u] > th) << u;
      }
      const unsigned mine = __popc(pass);
      unsigned incl = mine;  // inclusive prefix over lanes
#pragma unroll
      for (int off = 1; off < 32; off <<= 1) {
        const unsigned v = __shfl_up_sync(0xffffffffu, incl, off);
        if (lane >= off) incl += v;
      }
      const unsigned total = __shfl_sync(0xffffffffu, incl, 31);
      if (total == 0) continue;
      unsigned base = 0;
      if (lane == 31) base = atomicAdd(cnt + i, total);
      base = __shfl_sync(0xffffffffu, base, 31);
      int64_t pos = static_cast<int64_t>(base) + (incl - mine);
      uint64_t *dst = cand + i * cap;
#pragma unroll
      for (int u = 0; u < PER_LANE; ++u) {
        if ((pass >> u) & 1u) {
          if (pos < cap) dst[pos] = key[u];  // never false by construction; the count still records an overflow
          ++pos;
        }
      }
    }
  }
};

// ---- block-level selection -----------------------------------------------------------------------------------------

struct SelectShared {
  unsigned hist[256];
  unsigned long long prefix;
  unsigned remaining;
  int done;
  unsigned taken;
  unsigned long long min_taken;
};

// Returns L such that exactly k of the n (distinct) keys are >= L; needs 1 <= k <= n. MSB-first radix select on
// 8-bit digits: each level histograms the keys that share the prefix found so far, and stops as soon as the keys
// at or above the current prefix are exactly k (usually after 2-4 of the 8 levels).
__device__ uint64_t block_select_threshold(const uint64_t *a, uint32_t n, uint32_t k, SelectShared &sh) {
  const int tid = threadIdx.x;
  if (tid == 0) {
    sh.prefix = 0;
    sh.remaining = k;
    sh.done = 0;
  }
  for (int shift = 56; shift >= 0; shift -= 8) {
    for (int i = tid; i < 256; i += blockDim.x) sh.hist[i] = 0;
    __syncthreads();
    const uint64_t prefix = sh.prefix;
    const uint64_t hi_mask = shift == 56 ? 0ull : (~0ull << (shift + 8));
    for (uint32_t i = tid; i < n; i += blockDim.x) {
      const uint64_t x = a[i];
      if ((x & hi_mask) == prefix) atomicAdd(&sh.hist[(x >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (tid < 32) {
      // Lane l holds digits 255-8l down to 248-8l; a scan over lanes (highest digits first) finds the digit
      // where the count of keys at or above it reaches `remaining`.
      const int lane = tid;
      unsigned h[8], s = 0;
#pragma unroll
      for (int q = 0; q < 8; ++q) {
        h[q] = sh.hist[255 - 8 * lane - q];
        s += h[q];
      }
      unsigned incl = s;
#pragma unroll
      for (int off = 1; off < 32; off <<= 1) {
        const unsigned v = __shfl_up_sync(0xffffffffu, incl, off);
        if (lane >= off) incl += v;
      }
      const unsigned rem = sh.remaining;
      const unsigned excl = incl - s;
      if (excl < rem && incl >= rem) {
        unsigned cum = excl;
#pragma unroll
        for (int q = 0; q < 8; ++q) {
          if (cum + h[q] >= rem) {
            const uint64_t digit = static_cast<uint64_t>(255 - 8 * lane - q);
            sh.prefix = prefix | (digit << shift);
            sh.remaining = rem - cum;
            sh.done = (h[q] == rem - cum);
            break;
          }
          cum += h[q];
        }
      }
    }
    __syncthreads();
    if (sh.done) break;
  }
  return sh.prefix;
}

// Copies the keys >= L (k of them) to dst[0..k) in any order; returns nothing, sh.min_taken gets the smallest.
__device__ void block_gather_at_least(const uint64_t *a, uint32_t n, uint64_t L, uint64_t *dst, uint32_t k,
                                      SelectShared &sh) {
  if (threadIdx.x == 0) {
    sh.taken = 0;
    sh.min_taken = ~0ull;
  }
  __syncthreads();
  for (uint32_t i = threadIdx.x; i < n; i += blockDim.x) {
    const uint64_t x = a[i];
    if (x >= L) {
      const unsigned p = atomicAdd(&sh.taken, 1u);
      if (p < k) dst[p] = x;
      atomicMin(&sh.min_taken, static_cast<unsigned long long>(x));
    }
  }
  __syncthreads();
}

// Bitonic sort, descending, of P2 (a power of two) keys at buf (shared or global memory, one block).
__device__ void block_bitonic_sort_desc(uint64_t *buf, uint32_t P2) {
  for (uint32_t size = 2; size <= P2; size <<= 1) {
    for (uint32_t stride = size >> 1; stride > 0; stride >>= 1) {
      for (uint32_t t = threadIdx.x; t < P2 / 2; t += blockDim.x) {
        const uint32_t i = 2 * t - (t & (stride - 1));
        const uint32_t j = i + stride;
        const bool up = (i & size) == 0;
        const uint64_t x = buf[i], y = buf[j];
        if ((x < y) == up) {
          buf[i] = y;
          buf[j] = x;
        }
      }
      __syncthreads();
    }
  }
}

// Compacts the buffers that could not take the next chunk of `need` rows down to their k best keys; with `force`,
// every buffer holding more than k keys (after the first chunk: that is what sets the thresholds early, when the
// buffers are large enough to take the whole corpus).
__global__ void __launch_bounds__(kSelectThreads)
    compact_kernel(uint64_t *cand, unsigned *cnt, uint64_t *theta, uint64_t *sel, int64_t sel_stride, int64_t cap,
                   uint32_t k, int64_t need, bool force, int *overflow) {
  __shared__ SelectShared sh;
  const int64_t i = blockIdx.x;
  const unsigned c = cnt[i];
  if (c > cap) {
    if (threadIdx.x == 0) atomicExch(overflow, 1);
    return;
  }
  if ((!force && static_cast<int64_t>(c) + need <= cap) || c <= k) return;
  uint64_t *a = cand + i * cap;
  uint64_t *s = sel + i * sel_stride;
  const uint64_t L = block_select_threshold(a, c, k, sh);
  block_gather_at_least(a, c, L, s, k, sh);
  for (uint32_t r = threadIdx.x; r < k; r += blockDim.x) a[r] = s[r];
  if (threadIdx.x == 0) {
    cnt[i] = k;
    theta[i] = sh.min_taken;  // rows must now beat the k-th best key
  }
}

// Cuts each buffer to its k best keys, sorts them and writes the k output slots of the query.
__global__ void __launch_bounds__(kSelectThreads)
    finish_kernel(uint64_t *cand, const unsigned *cnt, uint64_t *sel, int64_t sel_stride, int64_t cap, uint32_t k,
                  int64_t k_slots, bool sort_in_smem, float *out_scores, int32_t *out_ids, int *overflow) {
  __shared__ SelectShared sh;
  extern __shared__ __align__(16) unsigned char sort_smem[];
  const int64_t i = blockIdx.x;
  unsigned c = cnt[i];
  if (c > cap) {
    if (threadIdx.x == 0) atomicExch(overflow, 1);
    c = static_cast<unsigned>(cap);
  }
  uint64_t *a = cand + i * cap;
  uint64_t *s = sel + i * sel_stride;
  const uint64_t *src = a;
  uint32_t m = c;
  if (c > k) {
    const uint64_t L = block_select_threshold(a, c, k, sh);
    block_gather_at_least(a, c, L, s, k, sh);
    src = s;
    m = k;
  }
  uint32_t P2 = 1;
  while (P2 < m) P2 <<= 1;
  // The host sized the shared sort buffer for P2(k); otherwise s has room for P2(k) >= P2 keys.
  uint64_t *buf = sort_in_smem ? reinterpret_cast<uint64_t *>(sort_smem) : s;
  if (buf != src) {
    for (uint32_t r = threadIdx.x; r < m; r += blockDim.x) buf[r] = src[r];
  }
  for (uint32_t r = m + threadIdx.x; r < P2; r += blockDim.x) buf[r] = 0;  // 0 sorts last
  __syncthreads();
  block_bitonic_sort_desc(buf, P2);
  for (int64_t r = threadIdx.x; r < k_slots; r += blockDim.x) {
    const bool have = r < m;
    const uint64_t key = have ? buf[r] : 0;
    out_scores[i * k_slots + r] = have ? key_score(key) : -INFINITY;
    out_ids[i * k_slots + r] = have ? key_row(key) : -1;
  }
}

__global__ void count_allowed_kernel(const uint8_t *allow, int64_t n, unsigned long long *out) {
  const int64_t bytes = (n + 7) / 8;
  unsigned long long local = 0;
  for (int64_t b = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; b < bytes;
       b += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    unsigned v = allow[b];
    const int64_t bits = n - b * 8;
    if (bits < 8) v &= (1u << bits) - 1u;  // bits past n are not rows
    local += __popc(v);
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) local += __shfl_down_sync(0xffffffffu, local, off);
  if ((threadIdx.x & 31) == 0 && local) atomicAdd(out, local);
}

__global__ void fill_empty_kernel(float *scores, int32_t *ids, int64_t count) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < count;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    scores[e] = -INFINITY;
    ids[e] = -1;
  }
}

// ---- product dispatch ---------------------------------------------------------------------------------------------

// Runs the product of query rows [0, M) of Q and corpus rows [n_base, n_end) of C through `epi`: tensor cores when
// both sides are the same 16-bit type, exact f32 FMAs otherwise.
template <class Epi>
ak_status run_product(const void *Q, ak_dtype qt, const void *C, ak_dtype ct, int64_t M, int64_t n_base,
                      int64_t n_end, int64_t d, const Epi &epi, const char *what) {
  const int64_t N = n_end - n_base;
  if (qt == ct && qt != AK_F32) {
    KMajorOperand a{Q, d, M, d, vec16_ok(Q, d, 2)};
    KMajorOperand b{C, d, n_end, d, vec16_ok(C, d, 2)};
    const bool bf = qt == AK_BF16;
    if (M <= 16) {
      return bf ? launch_tc_gemm<TcSmall, true>(a, b, 0, M, n_base, N, d, true, epi, what)
                : launch_tc_gemm<TcSmall, false>(a, b, 0, M, n_base, N, d, true, epi, what);
    }
    if (M <= 64) {
      return bf ? launch_tc_gemm<TcMid, true>(a, b, 0, M, n_base, N, d, true, epi, what)
                : launch_tc_gemm<TcMid, false>(a, b, 0, M, n_base, N, d, true, epi, what);
    }
    return bf ? launch_tc_gemm<TcBig, true>(a, b, 0, M, n_base, N, d, true, epi, what)
              : launch_tc_gemm<TcBig, false>(a, b, 0, M, n_base, N, d, true, epi, what);
  }
  KMajorOperand a{Q, d, M, d, false};
  KMajorOperand b{C, d, n_end, d, false};
  auto go = [&](auto eq, auto ec) -> ak_status {
    constexpr int EQ = decltype(eq)::value, EC = decltype(ec)::value;
    if (M <= 16) return launch_simt_gemm<16, 64, EQ, EC>(a, b, 0, M, n_base, N, d, true, epi, what);
    return launch_simt_gemm<64, 64, EQ, EC>(a, b, 0, M, n_base, N, d, true, epi, what);
  };
  using F32 = std::integral_constant<int, kF32>;
  using F16 = std::integral_constant<int, kF16>;
  using BF16 = std::integral_constant<int, kBF16>;
  auto with_c = [&](auto eq) -> ak_status {
    if (ct == AK_F32) return go(eq, F32{});
    if (ct == AK_F16) return go(eq, F16{});
    return go(eq, BF16{});
  };
  if (qt == AK_F32) return with_c(F32{});
  if (qt == AK_F16) return with_c(F16{});
  return with_c(BF16{});
}

ak_status check_common(const void *Q, ak_dtype qt, const void *C, ak_dtype ct, int64_t q, int64_t n, int64_t d) {
  if (!dtype_valid(qt) || !dtype_valid(ct)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "invalid dtype");
  if (q < 0 || n < 0 || d <= 0) return ak::fail(AK_ERR_INVALID_ARGUMENT, "invalid shape q=%lld n=%lld d=%lld",
                                                static_cast<long long>(q), static_cast<long long>(n),
                                                static_cast<long long>(d));
  if ((q > 0 && !Q) || (n > 0 && !C)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "null input");
  return AK_OK;
}

ak_status similarity_device(const void *Q, ak_dtype qt, const void *C, ak_dtype ct, int64_t q, int64_t n, int64_t d,
                            float *S) {
  EpiStore epi{S, n, q, n, 1.f, false, 0};
  for (int64_t q0 = 0; q0 < q; q0 += 65536) {  // query slices keep tile counts comfortably inside a grid
    const int64_t qb = std::min<int64_t>(65536, q - q0);
    EpiStore e = epi;
    e.out = S + q0 * n;
    e.m_end = qb;
    AK_TRY(run_product(static_cast<const char *>(Q) + q0 * d * dtype_size(qt), qt, C, ct, qb, 0, n, d, e,
                       "similarity product"));
  }
  return sync_default_stream("similarity");
}

}  // namespace

ak_status similarity(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                     int64_t d, float *S) {
  AK_TRY(check_common(Q, q_dtype, C, c_dtype, q, n, d));
  if (q > 0 && n > 0 && !S) return ak::fail(AK_ERR_INVALID_ARGUMENT, "null output");
  if (q == 0 || n == 0) return AK_OK;
  DeviceBuffer<unsigned char> dq, dc;
  DeviceBuffer<float> ds;
  AK_TRY(upload(dq, Q, q * d * dtype_size(q_dtype), "similarity Q"));
  AK_TRY(upload(dc, C, n * d * dtype_size(c_dtype), "similarity C"));
  AK_TRY(ds.alloc(q * n, "similarity S"));
  AK_TRY(similarity_device(dq.get(), q_dtype, dc.get(), c_dtype, q, n, d, ds.get()));
  AK_CUDA_TRY(cudaMemcpy(S, ds.get(), static_cast<size_t>(q * n) * sizeof(float), cudaMemcpyDeviceToHost));
  return AK_OK;
}

ak_status search_topk_device(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                             int64_t d, int64_t k, const uint8_t *allow, float *out_scores, int32_t *out_ids,
                             int64_t *k_out) {
  AK_TRY(check_common(Q, q_dtype, C, c_dtype, q, n, d));
  if (k <= 0) return ak::fail(AK_ERR_INVALID_ARGUMENT, "k must be positive");
  if (n >= (1ll << 31)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "n must be < 2^31");
  if (k > 0x7fffffffLL) return ak::fail(AK_ERR_INVALID_ARGUMENT, "k too large");
  if (q > 0 && (!out_scores || !out_ids)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "null output");

  // How many rows are allowed decides k_out; it is the same for every query.
  int64_t allowed = n;
  if (allow && n > 0) {
    DeviceBuffer<unsigned long long> dcount;
    AK_TRY(dcount.alloc(1, "allow count"));
    AK_CUDA_TRY(cudaMemsetAsync(dcount.get(), 0, sizeof(unsigned long long), 0));
    const int64_t bytes = (n + 7) / 8;
    const int blocks = static_cast<int>(std::min<int64_t>(1024, ceil_div(bytes, 256)));
    count_allowed_kernel<<<blocks, 256>>>(allow, n, dcount.get());
    AK_CUDA_LAUNCHED("count_allowed_kernel");
    unsigned long long h = 0;
    AK_CUDA_TRY(cudaMemcpy(&h, dcount.get(), sizeof(h), cudaMemcpyDeviceToHost));
    allowed = static_cast<int64_t>(h);
  }
  const int64_t kout = std::min(k, allowed);
  if (k_out) *k_out = kout;
  if (q == 0) return AK_OK;
  if (kout == 0) {
    const int64_t count = q * k;
    const int blocks = static_cast<int>(std::min<int64_t>(4096, ceil_div(count, 256)));
    fill_empty_kernel<<<blocks, 256>>>(out_scores, out_ids, count);
    AK_CUDA_LAUNCHED("fill_empty_kernel");
    return sync_default_stream("search_topk");
  }

  // Buffer geometry (see the top of this file). AUROLA_CUDA_TOPK_BUDGET (bytes) overrides the candidate budget:
  // a test hook that makes small cases run through many chunks and compactions.
  int64_t budget = kCandBudgetBytes;
  if (const char *env = std::getenv("AUROLA_CUDA_TOPK_BUDGET")) {
    const long long v = std::atoll(env);
    if (v > 0) budget = v;
  }
  const int64_t k_eff = std::min(k, n);
  const int64_t qb_max = std::min(q, kMaxQueryBatch);
  const int64_t per_query = budget / (8 * qb_max);
  int64_t chunk_max = std::max(kChunkQuantum, (per_query - k_eff) / kChunkQuantum * kChunkQuantum);
  chunk_max = std::min(chunk_max, round_up(n, kChunkQuantum));
  const int64_t cap = k_eff + chunk_max;
  const int64_t first_chunk =
      std::min(chunk_max, std::max(kFirstChunkMin, round_up(4 * k_eff, kChunkQuantum)));
  int64_t P2 = 1;
  while (P2 < k_eff) P2 <<= 1;
  const int64_t sel_stride = P2 > kSortSmemMax ? P2 : k_eff;
  const int sort_smem = static_cast<int>(P2 <= kSortSmemMax ? P2 * 8 : 8);

  DeviceBuffer<uint64_t> cand, theta, sel;
  DeviceBuffer<unsigned> cnt;
  DeviceBuffer<int> overflow;
  AK_TRY(cand.alloc(qb_max * cap, "top-k candidates"));
  AK_TRY(theta.alloc(qb_max, "top-k thresholds"));
  AK_TRY(sel.alloc(qb_max * sel_stride, "top-k selection"));
  AK_TRY(cnt.alloc(qb_max, "top-k counts"));
  AK_TRY(overflow.alloc(1, "top-k overflow flag"));
  AK_CUDA_TRY(cudaMemsetAsync(overflow.get(), 0, sizeof(int), 0));

  const int64_t qbytes = d * dtype_size(q_dtype);
  for (int64_t q0 = 0; q0 < q; q0 += qb_max) {
    const int64_t qb = std::min(qb_max, q - q0);
    const void *Qb = static_cast<const char *>(Q) + q0 * qbytes;
    AK_CUDA_TRY(cudaMemsetAsync(cnt.get(), 0, static_cast<size_t>(qb) * sizeof(unsigned), 0));
    AK_CUDA_TRY(cudaMemsetAsync(theta.get(), 0, static_cast<size_t>(qb) * sizeof(uint64_t), 0));  // accept all
    int64_t c0 = 0;
    int64_t size = first_chunk;
    while (c0 < n) {
      const int64_t c1 = std::min(n, c0 + size);
      if (c0 > 0) {
        compact_kernel<<<static_cast<unsigned>(qb), kSelectThreads>>>(cand.get(), cnt.get(), theta.get(), sel.get(),
                                                                      sel_stride, cap, static_cast<uint32_t>(k_eff),
                                                                      c1 - c0, c0 == first_chunk, overflow.get());
        AK_CUDA_LAUNCHED("compact_kernel");
      }
      EpiTopkFilter epi{cand.get(), cnt.get(), theta.get(), cap, qb, c1, allow};
      AK_TRY(run_product(Qb, q_dtype, C, c_dtype, qb, c0, c1, d, epi, "top-k product"));
      c0 = c1;
      size = chunk_max;
    }
    finish_kernel<<<static_cast<unsigned>(qb), kSelectThreads, sort_smem>>>(
        cand.get(), cnt.get(), sel.get(), sel_stride, cap, static_cast<uint32_t>(k_eff), k, P2 <= kSortSmemMax,
        out_scores + q0 * k, out_ids + q0 * k, overflow.get());
    AK_CUDA_LAUNCHED("finish_kernel");
  }
  int h_overflow = 0;
  AK_CUDA_TRY(cudaMemcpy(&h_overflow, overflow.get(), sizeof(int), cudaMemcpyDeviceToHost));
  AK_TRY(sync_default_stream("search_topk"));
  if (h_overflow) return ak::fail(AK_ERR_CUDA, "search_topk: internal candidate buffer overflow");
  return AK_OK;
}

ak_status search_topk(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                      int64_t d, int64_t k, const uint8_t *allow, float *out_scores, int32_t *out_ids,
                      int64_t *k_out) {
  AK_TRY(check_common(Q, q_dtype, C, c_dtype, q, n, d));
  if (k <= 0) return ak::fail(AK_ERR_INVALID_ARGUMENT, "k must be positive");
  if (q > 0 && (!out_scores || !out_ids)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "null output");
  DeviceBuffer<unsigned char> dq, dc, da;
  DeviceBuffer<float> dscores;
  DeviceBuffer<int32_t> dids;
  AK_TRY(upload(dq, Q, q * d * dtype_size(q_dtype), "search Q"));
  AK_TRY(upload(dc, C, n * d * dtype_size(c_dtype), "search C"));
  if (allow) AK_TRY(upload(da, allow, (n + 7) / 8, "search allow"));
  AK_TRY(dscores.alloc(q * k, "search scores"));
  AK_TRY(dids.alloc(q * k, "search ids"));
  AK_TRY(search_topk_device(dq.get(), q_dtype, dc.get(), c_dtype, q, n, d, k,
                            allow ? reinterpret_cast<const uint8_t *>(da.get()) : nullptr, dscores.get(), dids.get(),
                            k_out));
  if (q > 0) {
    AK_CUDA_TRY(cudaMemcpy(out_scores, dscores.get(), static_cast<size_t>(q * k) * sizeof(float),
                           cudaMemcpyDeviceToHost));
    AK_CUDA_TRY(cudaMemcpy(out_ids, dids.get(), static_cast<size_t>(q * k) * sizeof(int32_t),
                           cudaMemcpyDeviceToHost));
  }
  return AK_OK;
}

}  // namespace ak::cuda
