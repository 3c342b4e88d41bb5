// Hybrid-NCE loss and gradient on the GPU, in O(B*d + B) memory.
//
// The a2t direction is computed over row stripes of S = X.Y^T (X = A, Y = T); t2a is the same with A and T swapped,
// and "both" runs the two with half the scale, accumulating into the same gradients. For each stripe of R rows:
//  1. stats: tiles of S (R x B) are computed and reduced, per row and column tile, to partial statistics (max and
//     sum of c_j e^{z-m} over the positives; max, sum e^{(1+b)(z-m)}, sum e^{b(z-m)} and count over the negatives).
//  2. finalize: the partials of a row are merged (log-sum-exp style) into log P, log X, log Y and w = Qn/D, and the
//     row's loss L_r is written.
//  3. grad: the stripe's S tiles are recomputed and turned into G' = dL_r/dz (unscaled), stored in a stripe buffer
//     of R x B values: f32 for f32 inputs; for f16/bf16 inputs as a hi + lo pair of 16-bit values (hi = round(G'),
//     lo = round(G' - hi)), so that the tensor-core products below keep ~16 bits of G' instead of 8 (bf16) or 11.
//  4. dX[stripe] = (scale/tau) G.Y     as one product [G_hi | G_lo] . [Y ; Y]   (K = 2B)
//     dY        += (scale/tau) G^T.X_R as one product [G_hi^T | G_lo^T] . [X_R ; X_R] (K = 2R)
// Every output element is written by one thread per launch and launches are ordered, so results are deterministic.
// The stripe buffer is the only large scratch: R is chosen so that it stays within kStripeBudgetBytes.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "cuda/cuda_common.cuh"
#include "cuda/cuda_kernels.hpp"
#include "cuda/gemm.cuh"

namespace ak::cuda {
namespace {

constexpr int64_t kStripeBudgetBytes = 128ll << 20;
constexpr int64_t kColQuantum = 128;  // B is padded to Bp, a multiple of every tile width
constexpr int kStatFields = 6;       // mP, sP, mN, sX, sY, nN

struct NceScalars {
  float inv_tau;
  float alpha;
  float beta;
  float lambda;
  bool detach;
};

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, off));
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

// Whether column j is a positive of row i (i itself, or a shared non-negative group id).
__device__ __forceinline__ bool is_positive(int64_t i, int64_t j, int32_t gi, const int32_t *groups) {
  return j == i || (gi >= 0 && groups[j] == gi);
}

// Per row of the tile: partial statistics over the tile's columns, written to part[(row * nct + ct) * 6 + f].
struct EpiNceStats {
  const int32_t *groups;
  int64_t r0;    // first global row of the stripe
  int64_t rows;  // rows in the stripe
  int64_t B;
  int64_t nct;
  NceScalars p;
  float *part;
  template <int BM, int BN>
  __device__ void run(const float *t, int ldt, int64_t m0, int64_t n0) const {
    constexpr int PER_LANE = BN / 32;
    const int lane = threadIdx.x & 31;
    const int warps = blockDim.x >> 5;
    const int64_t ct = n0 / BN;
    for (int r = threadIdx.x >> 5; r < BM; r += warps) {
      const int64_t il = m0 + r;
      if (il >= rows) break;
      const int64_t i = r0 + il;
      const int32_t gi = groups ? groups[i] : -1;
      float z[PER_LANE], wgt[PER_LANE];
      int cls[PER_LANE];  // 0: padding column, 1: positive, 2: negative
      float mP = -INFINITY, mN = -INFINITY;
#pragma unroll
      for (int u = 0; u < PER_LANE; ++u) {
        const int c = lane + 32 * u;
        const int64_t j = n0 + c;
        z[u] = t[r * ldt + c] * p.inv_tau;
        wgt[u] = 0.f;
        cls[u] = 0;
        if (j < B) {
          if (is_positive(i, j, gi, groups)) {
            cls[u] = 1;
            wgt[u] = j == i ? 1.f : p.lambda;
            // Zero-weight positives (lambda = 0) stay out of the max: they must not push the shift above the
            // terms that count, or those could underflow.
            if (wgt[u] > 0.f) mP = fmaxf(mP, z[u]);
          } else {
            cls[u] = 2;
            mN = fmaxf(mN, z[u]);
          }
        }
      }
      mP = warp_max(mP);
      mN = warp_max(mN);
      float sP = 0.f, sX = 0.f, sY = 0.f, nN = 0.f;
#pragma unroll
      for (int u = 0; u < PER_LANE; ++u) {
        if (cls[u] == 1 && wgt[u] > 0.f) sP += wgt[u] * __expf(z[u] - mP);
        if (cls[u] == 2) {
          const float dz = z[u] - mN;
          sX += __expf((1.f + p.beta) * dz);
          sY += __expf(p.beta * dz);
          nN += 1.f;
        }
      }
      sP = warp_sum(sP);
      sX = warp_sum(sX);
      sY = warp_sum(sY);
      nN = warp_sum(nN);  // at most BN: exact in f32
      if (lane < kStatFields) {
        const float v = lane == 0 ? mP : lane == 1 ? sP : lane == 2 ? mN : lane == 3 ? sX : lane == 4 ? sY : nN;
        part[(il * nct + ct) * kStatFields + lane] = v;
      }
    }
  }
};

// Rescale factor e^{f (m - mm)} of a partial sum with max m to the new max mm. An empty part (m = -inf, sum 0)
// gets 0 explicitly: f (m - mm) would be 0 * -inf = NaN when f = beta = 0.
__device__ __forceinline__ float rescale(float m, float mm, float f) {
  return m == -INFINITY ? 0.f : __expf(f * (m - mm));
}
// Merges (m2, s2) into (m, s) where s = sum e^{f (z - m)}.
__device__ __forceinline__ void merge_lse(float &m, float &s, float m2, float s2, float f) {
  const float mm = fmaxf(m, m2);
  if (mm == -INFINITY) return;  // both empty
  s = s * rescale(m, mm, f) + s2 * rescale(m2, mm, f);
  m = mm;
}
__device__ __forceinline__ void merge_neg(float &m, float &x, float &y, float m2, float x2, float y2, float beta) {
  const float mm = fmaxf(m, m2);
  if (mm == -INFINITY) return;
  x = x * rescale(m, mm, 1.f + beta) + x2 * rescale(m2, mm, 1.f + beta);
  y = y * rescale(m, mm, beta) + y2 * rescale(m2, mm, beta);
  m = mm;
}

__device__ __forceinline__ double logaddexp(double a, double b) {
  const double m = fmax(a, b);
  if (m == -INFINITY) return -INFINITY;
  return m + log(exp(a - m) + exp(b - m));
}

// One warp per stripe row: merges the row's partials and writes {log P, log X, log Y, w = Qn/D} and L_r.
__global__ void nce_finalize_kernel(const float *part, int64_t nct, int64_t rows, int64_t r0, NceScalars p,
                                    float4 *rowcoef, double *loss_rows) {
  const int64_t il = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (il >= rows) return;  // whole warps leave together
  float mP = -INFINITY, sP = 0.f, mN = -INFINITY, sX = 0.f, sY = 0.f, nN = 0.f;
  for (int64_t ct = lane; ct < nct; ct += 32) {
    const float *q = part + (il * nct + ct) * kStatFields;
    merge_lse(mP, sP, q[0], q[1], 1.f);
    merge_neg(mN, sX, sY, q[2], q[3], q[4], p.beta);
    nN += q[5];
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    const float omP = __shfl_xor_sync(0xffffffffu, mP, off), osP = __shfl_xor_sync(0xffffffffu, sP, off);
    const float omN = __shfl_xor_sync(0xffffffffu, mN, off), osX = __shfl_xor_sync(0xffffffffu, sX, off);
    const float osY = __shfl_xor_sync(0xffffffffu, sY, off), onN = __shfl_xor_sync(0xffffffffu, nN, off);
    merge_lse(mP, sP, omP, osP, 1.f);
    merge_neg(mN, sX, sY, omN, osX, osY, p.beta);
    nN += onN;  // counts < 2^24 per lane sum: exact
  }
  if (lane != 0) return;
  // The logs are combined in double: L_r = log D - log P can be a small difference of large numbers.
  const double beta = p.beta;
  const double logP = static_cast<double>(mP) + log(static_cast<double>(sP));
  double logX = 0.0, logY = 0.0, logQ = -INFINITY;
  if (nN > 0.f) {
    logX = (1.0 + beta) * mN + log(static_cast<double>(sX));
    logY = beta * mN + log(static_cast<double>(sY));
    logQ = log(static_cast<double>(nN)) + logX - logY;
  }
  const double logA = p.alpha > 0.f ? log(static_cast<double>(p.alpha)) : -INFINITY;
  const double logD = logaddexp(logA + logP, logQ);
  const double w = logQ == -INFINITY ? 0.0 : exp(logQ - logD);  // Qn / D = 1 - alpha P / D
  rowcoef[il] = make_float4(static_cast<float>(logP), static_cast<float>(logX), static_cast<float>(logY),
                            static_cast<float>(w));
  loss_rows[r0 + il] = logD - logP;
}

// G' = dL_r/dz_rj for the tile, written to the stripe buffer: f32 (E == kF32, row stride Bp) or hi/lo 16-bit
// halves (row stride 2 Bp: hi at [0, Bp), lo at [Bp, 2 Bp)). Columns j in [B, Bp) get 0.
template <int E>
struct EpiNceGrad {
  const int32_t *groups;
  int64_t r0;
  int64_t rows;
  int64_t B;
  int64_t Bp;
  NceScalars p;
  const float4 *rowcoef;
  void *stripe;
  template <int BM, int BN>
  __device__ void run(const float *t, int ldt, int64_t m0, int64_t n0) const {
    for (int e = threadIdx.x; e < BM * BN; e += blockDim.x) {
      const int r = e / BN, c = e % BN;
      const int64_t il = m0 + r;
      if (il >= rows) break;  // il grows with e
      const int64_t j = n0 + c;
      float g = 0.f;
      if (j < B) {
        const int64_t i = r0 + il;
        const float4 rc = rowcoef[il];  // {log P, log X, log Y, w}
        const float z = t[r * ldt + c] * p.inv_tau;
        const int32_t gi = groups ? groups[i] : -1;
        if (is_positive(i, j, gi, groups)) {
          const float wgt = j == i ? 1.f : p.lambda;
          g = -rc.w * wgt * __expf(z - rc.x);
        } else {
          const float ex = __expf((1.f + p.beta) * z - rc.y);
          g = p.detach ? rc.w * ex : rc.w * ((1.f + p.beta) * ex - p.beta * __expf(p.beta * z - rc.z));
        }
      }
      if constexpr (E == kF32) {
        static_cast<float *>(stripe)[il * Bp + j] = g;
      } else {
        const unsigned short hi = f32_to_16<E>(g);
        const unsigned short lo = f32_to_16<E>(g - f16bits_to_f32<E>(hi));
        unsigned short *row = static_cast<unsigned short *>(stripe) + il * 2 * Bp;
        row[j] = hi;
        row[Bp + j] = lo;
      }
    }
  }
};

// out[e] (+)= sum over y of parts[y * count + e], in a fixed order (deterministic).
__global__ void reduce_splits_kernel(const float *parts, int64_t count, int splits, float *out, bool accumulate) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < count;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float s = accumulate ? out[e] : 0.f;
    for (int y = 0; y < splits; ++y) s += parts[y * count + e];
    out[e] = s;
  }
}

// Deterministic sum of the per-row losses (one block, fixed order).
__global__ void sum_rows_kernel(const double *v, int64_t n, double *out) {
  __shared__ double s[1024];
  double acc = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) acc += v[i];
  s[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (static_cast<int>(threadIdx.x) < w) s[threadIdx.x] += s[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = s[0];
}

// Scratch of one call.
struct NceWork {
  int64_t Bp = 0;
  int64_t Rmax = 0;
  int64_t nct = 0;
  int dx_splits = 1;  // split-K of the dX product (see nce_run)
  DeviceBuffer<unsigned char> stripe;
  DeviceBuffer<float> dx_parts;
  DeviceBuffer<float> part;
  DeviceBuffer<float4> rowcoef;
  DeviceBuffer<double> loss_rows;
  DeviceBuffer<double> loss_sum;
};

// Products of one stripe. Tensor cores for f16/bf16 inputs (tile width 128), f32 FMAs for f32 (tile width 64).
template <int E>
struct StripeOps {
  static constexpr bool kTc = E != kF32;
  static constexpr int64_t kTileN = kTc ? 128 : 64;

  template <class Epi>
  static ak_status scores(const KMajorOperand &a, const KMajorOperand &b, int64_t M, int64_t N, int64_t K,
                          const Epi &epi, const char *what) {
    if constexpr (kTc) {
      return launch_tc_gemm<TcBig, E == kBF16>(a, b, 0, M, 0, N, K, false, epi, what);
    } else {
      return launch_simt_gemm<64, 64, kF32, kF32>(a, b, 0, M, 0, N, K, false, epi, what);
    }
  }
  template <class AOp, class BOp>
  static ak_status grad(const AOp &a, const BOp &b, int64_t M, int64_t N, int64_t K, const EpiStore &epi,
                        const char *what, int splits = 1) {
    // Consecutive blocks walk along N (the d columns) so that they share the A tile (stripe of G) through L2.
    if constexpr (kTc) {
      return launch_tc_gemm<TcBig, E == kBF16>(a, b, 0, M, 0, N, K, false, epi, what, splits);
    } else {
      return launch_simt_gemm<64, 64, kF32, kF32>(a, b, 0, M, 0, N, K, false, epi, what, splits);
    }
  }
  static constexpr int64_t kTileM = kTc ? 128 : 64;
  static constexpr int kTileK = kTc ? TcBig::BK : kSimtBK;
};

// One direction: rows from X, columns from Y; gradient dX (rows) and dY (columns), either both null or not.
template <int E>
ak_status nce_direction(const void *X, const void *Y, int64_t B, int64_t d, const int32_t *groups,
                        const NceScalars &p, float grad_scale, float *dX, float *dY, bool accumulate,
                        double *loss_rows, NceWork &w) {
  using Ops = StripeOps<E>;
  const int64_t es = E == kF32 ? 4 : 2;
  const int64_t Bp = w.Bp;
  const int64_t nct = Bp / Ops::kTileN;
  const bool vecY = E != kF32 && vec16_ok(Y, d, es);
  for (int64_t r0 = 0; r0 < B; r0 += w.Rmax) {
    const int64_t Rv = std::min(w.Rmax, B - r0);
    const void *Xr = static_cast<const char *>(X) + r0 * d * es;
    const bool vecX = E != kF32 && vec16_ok(Xr, d, es);
    const KMajorOperand xa{Xr, d, Rv, d, vecX};
    const KMajorOperand yb{Y, d, B, d, vecY};

    EpiNceStats st{groups, r0, Rv, B, nct, p, w.part.get()};
    AK_TRY(Ops::scores(xa, yb, Rv, Bp, d, st, "hybrid_nce stats product"));
    const int64_t fin_threads = Rv * 32;
    nce_finalize_kernel<<<static_cast<unsigned>(ceil_div(fin_threads, 256)), 256>>>(
        w.part.get(), nct, Rv, r0, p, w.rowcoef.get(), loss_rows);
    AK_CUDA_LAUNCHED("nce_finalize_kernel");
    if (!dX) continue;

    EpiNceGrad<E> ge{groups, r0, Rv, B, Bp, p, w.rowcoef.get(), w.stripe.get()};
    AK_TRY(Ops::scores(xa, yb, Rv, Bp, d, ge, "hybrid_nce gradient tiles"));

    // dX rows of the stripe: straight to dX, or through per-split partials summed in a fixed order.
    const bool split = w.dx_splits > 1;
    const EpiStore sx = split ? EpiStore{w.dx_parts.get(), d, Rv, d, grad_scale, false, Rv * d}
                                  : EpiStore{dX + r0 * d, d, Rv, d, grad_scale, accumulate, 0};
    const EpiStore sy{dY, d, B, d, grad_scale, accumulate || r0 > 0, 0};
    if constexpr (Ops::kTc) {
      const unsigned short *G = reinterpret_cast<const unsigned short *>(w.stripe.get());
      // dX rows: [G_hi | G_lo] (K-major, K = 2 Bp) times [Y ; Y] (Y rows repeated for both halves).
      const KMajorOperand ga{G, 2 * Bp, Rv, 2 * Bp, true};
      const MNMajorOperand yk{Y, Y, d, d, Bp, B, 2 * Bp, vecY};
      AK_TRY(Ops::grad(ga, yk, Rv, d, 2 * Bp, sx, "hybrid_nce dX product", w.dx_splits));
      // dY: [G_hi^T | G_lo^T] (column j of G as row, halves along k) times [X_R ; X_R].
      const MNMajorOperand gt{G, G + Bp, 2 * Bp, B, Rv, Rv, 2 * Rv, true};
      const MNMajorOperand xk{Xr, Xr, d, d, Rv, Rv, 2 * Rv, vecX};
      AK_TRY(Ops::grad(gt, xk, B, d, 2 * Rv, sy, "hybrid_nce dY product"));
    } else {
      const float *G = reinterpret_cast<const float *>(w.stripe.get());
      const KMajorOperand ga{G, Bp, Rv, Bp, false};
      const MNMajorOperand yk{Y, Y, d, d, Bp, B, Bp, false};
      AK_TRY(Ops::grad(ga, yk, Rv, d, Bp, sx, "hybrid_nce dX product", w.dx_splits));
      const MNMajorOperand gt{G, G, Bp, B, Rv, Rv, Rv, false};
      const MNMajorOperand xk{Xr, Xr, d, d, Rv, Rv, Rv, false};
      AK_TRY(Ops::grad(gt, xk, B, d, Rv, sy, "hybrid_nce dY product"));
    }
    if (split) {
      const int64_t count = Rv * d;
      const int blocks = static_cast<int>(std::min<int64_t>(4096, ceil_div(count, 256)));
      reduce_splits_kernel<<<blocks, 256>>>(w.dx_parts.get(), count, w.dx_splits, dX + r0 * d, accumulate);
      AK_CUDA_LAUNCHED("reduce_splits_kernel");
    }
  }
  return AK_OK;
}

ak_status check_nce(const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d, const ak_nce_params *params,
                    float *loss, float *dA, float *dT) {
  if (!dtype_valid(dtype)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "invalid dtype");
  if (B <= 0 || d <= 0) return ak::fail(AK_ERR_INVALID_ARGUMENT, "invalid shape B=%lld d=%lld",
                                        static_cast<long long>(B), static_cast<long long>(d));
  if (!A || !T || !params || !loss) return ak::fail(AK_ERR_INVALID_ARGUMENT, "null argument");
  if ((dA == nullptr) != (dT == nullptr)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "dA and dT: both or neither");
  if (!(params->tau > 0.f) || !std::isfinite(params->tau)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "tau must be > 0");
  if (!(params->alpha >= 0.f) || !(params->beta >= 0.f) || !(params->lambda >= 0.f))
    return ak::fail(AK_ERR_INVALID_ARGUMENT, "alpha, beta and lambda must be >= 0");
  if (params->direction < AK_NCE_A2T || params->direction > AK_NCE_BOTH)
    return ak::fail(AK_ERR_INVALID_ARGUMENT, "invalid direction");
  if (B >= (1ll << 31)) return ak::fail(AK_ERR_INVALID_ARGUMENT, "B too large");
  return AK_OK;
}

template <int E>
ak_status nce_run(const void *A, const void *T, int64_t B, int64_t d, const int32_t *groups,
                  const ak_nce_params &prm, float *loss, float *dA, float *dT) {
  NceWork w;
  w.Bp = round_up(B, kColQuantum);
  // Stripe rows: as many as the budget allows (fewer stripes = fewer read-modify-writes of dY), in tile multiples.
  w.Rmax = std::max<int64_t>(kColQuantum, kStripeBudgetBytes / (w.Bp * 4) / kColQuantum * kColQuantum);
  w.Rmax = std::min(w.Rmax, w.Bp);
  // Test hook: AUROLA_CUDA_NCE_STRIPE_ROWS (a multiple of 128) forces small stripes, so that small batches run
  // through several stripes.
  if (const char *env = std::getenv("AUROLA_CUDA_NCE_STRIPE_ROWS")) {
    const long long v = std::atoll(env);
    if (v >= kColQuantum) w.Rmax = std::min<int64_t>(w.Bp, v / kColQuantum * kColQuantum);
  }
  w.nct = w.Bp / StripeOps<E>::kTileN;
  const int passes = prm.direction == AK_NCE_BOTH ? 2 : 1;
  if (dA) {
    AK_TRY(w.stripe.alloc(w.Rmax * w.Bp * 4, "hybrid_nce gradient stripe"));
    // The dX product has only (R / tile) x (d / tile) output tiles but a long K (2 B): too few blocks to fill the
    // GPU (128 at B = 16384, d = 1024; 32 at B = 65536). Split its K so that about two blocks per SM run, keeping
    // parts of at least 256 k.
    int dev = 0, sms = 0;
    AK_CUDA_TRY(cudaGetDevice(&dev));
    AK_CUDA_TRY(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    const int64_t tiles = ceil_div(w.Rmax, StripeOps<E>::kTileM) * ceil_div(d, StripeOps<E>::kTileN);
    const int64_t k_dx = (E == kF32 ? 1 : 2) * w.Bp;
    const int64_t want = ceil_div(2 * static_cast<int64_t>(std::max(sms, 1)), tiles);
    const int asked = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({want, 16, k_dx / 256})));
    // The parts the launch will really make (whole k tiles per part), which the reduction must match.
    w.dx_splits = static_cast<int>(ceil_div(k_dx, split_length(k_dx, asked, StripeOps<E>::kTileK)));
    if (w.dx_splits > 1) AK_TRY(w.dx_parts.alloc(w.dx_splits * w.Rmax * d, "hybrid_nce dX partial products"));
  }
  AK_TRY(w.part.alloc(w.Rmax * w.nct * kStatFields, "hybrid_nce partial statistics"));
  AK_TRY(w.rowcoef.alloc(w.Rmax, "hybrid_nce row coefficients"));
  AK_TRY(w.loss_rows.alloc(passes * B, "hybrid_nce row losses"));
  AK_TRY(w.loss_sum.alloc(1, "hybrid_nce loss"));

  const NceScalars p{1.f / prm.tau, prm.alpha, prm.beta, prm.lambda, prm.detach_weights != 0};
  const double scale = (passes == 2 ? 0.5 : 1.0) / static_cast<double>(B);
  const float grad_scale = static_cast<float>(scale / static_cast<double>(prm.tau));
  if (prm.direction == AK_NCE_A2T || prm.direction == AK_NCE_BOTH) {
    AK_TRY(nce_direction<E>(A, T, B, d, groups, p, grad_scale, dA, dT, false, w.loss_rows.get(), w));
  }
  if (prm.direction == AK_NCE_T2A || prm.direction == AK_NCE_BOTH) {
    const bool acc = prm.direction == AK_NCE_BOTH;
    AK_TRY(nce_direction<E>(T, A, B, d, groups, p, grad_scale, dT, dA, acc, w.loss_rows.get() + (passes - 1) * B,
                            w));
  }
  sum_rows_kernel<<<1, 1024>>>(w.loss_rows.get(), passes * B, w.loss_sum.get());
  AK_CUDA_LAUNCHED("sum_rows_kernel");
  double total = 0.0;
  AK_CUDA_TRY(cudaMemcpy(&total, w.loss_sum.get(), sizeof(double), cudaMemcpyDeviceToHost));
  AK_TRY(sync_default_stream("hybrid_nce"));
  *loss = static_cast<float>(total * scale);
  return AK_OK;
}

}  // namespace

ak_status hybrid_nce_device(const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d,
                            const int32_t *groups, const ak_nce_params *params, float *loss, float *dA, float *dT) {
  AK_TRY(check_nce(A, T, dtype, B, d, params, loss, dA, dT));
  switch (dtype) {
    case AK_F32: return nce_run<kF32>(A, T, B, d, groups, *params, loss, dA, dT);
    case AK_F16: return nce_run<kF16>(A, T, B, d, groups, *params, loss, dA, dT);
    default: return nce_run<kBF16>(A, T, B, d, groups, *params, loss, dA, dT);
  }
}

ak_status hybrid_nce(const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d, const int32_t *groups,
                     const ak_nce_params *params, float *loss, float *dA, float *dT) {
  AK_TRY(check_nce(A, T, dtype, B, d, params, loss, dA, dT));
  const int64_t in_bytes = B * d * dtype_size(dtype);
  DeviceBuffer<unsigned char> da, dt;
  DeviceBuffer<int32_t> dg;
  DeviceBuffer<float> gA, gT;
  AK_TRY(upload(da, A, in_bytes, "hybrid_nce A"));
  AK_TRY(upload(dt, T, in_bytes, "hybrid_nce T"));
  if (groups) AK_TRY(upload(dg, groups, B * 4, "hybrid_nce groups"));
  if (dA) {
    AK_TRY(gA.alloc(B * d, "hybrid_nce dA"));
    AK_TRY(gT.alloc(B * d, "hybrid_nce dT"));
  }
  AK_TRY(hybrid_nce_device(da.get(), dt.get(), dtype, B, d, groups ? dg.get() : nullptr, params, loss,
                           dA ? gA.get() : nullptr, dA ? gT.get() : nullptr));
  if (dA) {
    AK_CUDA_TRY(cudaMemcpy(dA, gA.get(), static_cast<size_t>(B * d) * sizeof(float), cudaMemcpyDeviceToHost));
    AK_CUDA_TRY(cudaMemcpy(dT, gT.get(), static_cast<size_t>(B * d) * sizeof(float), cudaMemcpyDeviceToHost));
  }
  return AK_OK;
}

}  // namespace ak::cuda
