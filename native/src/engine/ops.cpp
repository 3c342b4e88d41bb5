// The training engine's layers: forward and backward of each, on plain row-major buffers (see ops.hpp for shapes
// and conventions — backward functions accumulate). One template serves float (training) and double (the finite
// difference checks in engine_check); the float linear layers, convolutions and attention run on the kernels' blocked
// GEMM (ak::cpu::kernels().gemm_f32), SwiGLU, GELU and the softmax exponentials on the kernels' vector exp and erf,
// everything else is plain loops.
#include "engine/ops.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "cpu/cpu_kernels.hpp"

namespace ak::engine {
namespace {

inline int resolve_threads(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

// Element-wise loops go parallel only when they are long enough to pay for waking the threads.
constexpr int64_t kParallelElems = 1 << 15;

// Rows of `rows` elements each: worth a parallel loop?
inline bool worth_threads(int64_t rows, int64_t per_row) { return rows > 1 && rows * per_row >= kParallelElems; }

// a · b with eight independent partial sums: the additions pipeline (and vectorise) without -ffast-math, in an order
// fixed by n alone.
template <typename T>
inline T dot(const T *a, const T *b, int64_t n) {
  T acc[8] = {};
  int64_t c = 0;
  for (; c + 8 <= n; c += 8)
    for (int u = 0; u < 8; ++u) acc[u] += a[c + u] * b[c + u];
  for (; c < n; ++c) acc[c & 7] += a[c] * b[c];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Embedding and row gather
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
void embedding_forward(T *out, const T *table, const int32_t *ids, int64_t N, int64_t d) {
#pragma omp parallel for schedule(static) if (worth_threads(N, d))
  for (int64_t n = 0; n < N; ++n) std::memcpy(out + n * d, table + static_cast<int64_t>(ids[n]) * d, sizeof(T) * d);
}

// Serial: several rows may share an id, and the scatter is cheap next to everything else.
template <typename T>
void embedding_backward(T *dtable, const T *dout, const int32_t *ids, int64_t N, int64_t d) {
  for (int64_t n = 0; n < N; ++n) {
    T *row = dtable + static_cast<int64_t>(ids[n]) * d;
    const T *g = dout + n * d;
    for (int64_t j = 0; j < d; ++j) row[j] += g[j];
  }
}

template <typename T>
void gather_rows_forward(T *out, const T *in, const int32_t *idx, int64_t M, int64_t d) {
  embedding_forward(out, in, idx, M, d);
}

template <typename T>
void gather_rows_backward(T *din, const T *dout, const int32_t *idx, int64_t M, int64_t d) {
  embedding_backward(din, dout, idx, M, d);
}

// ---------------------------------------------------------------------------------------------------------------
// Linear: out = in · W (+ bias). float goes through the blocked GEMM; double is the plain triple loop.
// ---------------------------------------------------------------------------------------------------------------
namespace {

// dbias[c] += Σ_n dout[n, c], threads over column blocks (each thread walks all rows of its columns).
template <typename T>
void bias_backward(T *dbias, const T *dout, int64_t N, int64_t o, int threads) {
  constexpr int64_t block = 64;
  const int64_t blocks = (o + block - 1) / block;
#pragma omp parallel for num_threads(threads) schedule(static) if (blocks > 1 && worth_threads(N, o))
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t c0 = b * block, c1 = std::min(o, c0 + block);
    T acc[block] = {};
    for (int64_t n = 0; n < N; ++n) {
      const T *row = dout + n * o;
      for (int64_t c = c0; c < c1; ++c) acc[c - c0] += row[c];
    }
    for (int64_t c = c0; c < c1; ++c) dbias[c] += acc[c - c0];
  }
}

void linear_forward_f32(float *out, const float *in, const float *W, const float *bias, int64_t N, int64_t i,
                        int64_t o, int threads) {
  if (bias) {  // start from the bias and accumulate the product onto it
#pragma omp parallel for num_threads(threads) schedule(static) if (worth_threads(N, o))
    for (int64_t n = 0; n < N; ++n) std::memcpy(out + n * o, bias, sizeof(float) * o);
  }
  ak::cpu::kernels().gemm_f32(N, o, i, in, i, 1, W, o, 1, out, o, bias != nullptr, threads);
}

void linear_backward_f32(float *din, float *dW, float *dbias, const float *dout, const float *in, const float *W,
                         int64_t N, int64_t i, int64_t o, int threads) {
  const auto &k = ak::cpu::kernels();
  // din [N, i] += dout [N, o] · Wᵀ [o, i]   (Wᵀ: element (p, c) = W[c·o + p])
  if (din) k.gemm_f32(N, i, o, dout, o, 1, W, 1, o, din, i, true, threads);
  // dW [i, o] += inᵀ [i, N] · dout [N, o]   (inᵀ: element (r, p) = in[p·i + r])
  if (dW) k.gemm_f32(i, o, N, in, 1, i, dout, o, 1, dW, o, true, threads);
  if (dbias) bias_backward(dbias, dout, N, o, threads);
}

}  // namespace

template <typename T>
void linear_forward(T *out, const T *in, const T *W, const T *bias, int64_t N, int64_t i, int64_t o, int threads) {
  threads = resolve_threads(threads);
  if constexpr (std::is_same_v<T, float>) {
    linear_forward_f32(out, in, W, bias, N, i, o, threads);
  } else {
#pragma omp parallel for num_threads(threads) schedule(static) if (worth_threads(N, i * o / 16))
    for (int64_t n = 0; n < N; ++n) {
      const T *x = in + n * i;
      T *y = out + n * o;
      for (int64_t c = 0; c < o; ++c) y[c] = bias ? bias[c] : T(0);
      for (int64_t r = 0; r < i; ++r) {
        const T xr = x[r];
        const T *w = W + r * o;
        for (int64_t c = 0; c < o; ++c) y[c] += xr * w[c];
      }
    }
  }
}

template <typename T>
void linear_backward(T *din, T *dW, T *dbias, const T *dout, const T *in, const T *W, int64_t N, int64_t i, int64_t o,
                     int threads) {
  threads = resolve_threads(threads);
  if constexpr (std::is_same_v<T, float>) {
    linear_backward_f32(din, dW, dbias, dout, in, W, N, i, o, threads);
  } else {
    if (din) {
#pragma omp parallel for num_threads(threads) schedule(static) if (worth_threads(N, i * o / 16))
      for (int64_t n = 0; n < N; ++n) {
        const T *g = dout + n * o;
        T *dx = din + n * i;
        for (int64_t r = 0; r < i; ++r) {
          const T *w = W + r * o;
          T sum = 0;
          for (int64_t c = 0; c < o; ++c) sum += g[c] * w[c];
          dx[r] += sum;
        }
      }
    }
    if (dW) {
#pragma omp parallel for num_threads(threads) schedule(static) if (worth_threads(i, N * o / 16))
      for (int64_t r = 0; r < i; ++r) {
        T *dw = dW + r * o;
        for (int64_t n = 0; n < N; ++n) {
          const T xr = in[n * i + r];
          const T *g = dout + n * o;
          for (int64_t c = 0; c < o; ++c) dw[c] += xr * g[c];
        }
      }
    }
    if (dbias) bias_backward(dbias, dout, N, o, threads);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// RMSNorm: out = x · rstd ⊙ w with rstd = 1/sqrt(mean(x²) + eps). With x̂ = x · rstd and g = dout ⊙ w:
//   dx = rstd · (g − x̂ · mean(g ⊙ x̂)),   dw = Σ_rows dout ⊙ x̂.
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
void rmsnorm_forward(T *out, T *rstd, const T *x, const T *w, int64_t N, int64_t d, T eps) {
#pragma omp parallel for schedule(static) if (worth_threads(N, d))
  for (int64_t n = 0; n < N; ++n) {
    const T *xr = x + n * d;
    T *y = out + n * d;
    T ss = 0;
    for (int64_t j = 0; j < d; ++j) ss += xr[j] * xr[j];
    const T s = T(1) / std::sqrt(ss / static_cast<T>(d) + eps);
    for (int64_t j = 0; j < d; ++j) y[j] = xr[j] * s * w[j];
    if (rstd) rstd[n] = s;
  }
}

template <typename T>
void rmsnorm_backward(T *dx, T *dw, const T *dout, const T *x, const T *w, const T *rstd, int64_t N, int64_t d) {
  if (dx) {
#pragma omp parallel for schedule(static) if (worth_threads(N, d))
    for (int64_t n = 0; n < N; ++n) {
      const T *xr = x + n * d, *g = dout + n * d;
      T *gx = dx + n * d;
      const T s = rstd[n];
      T gx_sum = 0;  // Σ_j g_j · x̂_j
      for (int64_t j = 0; j < d; ++j) gx_sum += g[j] * w[j] * xr[j] * s;
      const T m = gx_sum / static_cast<T>(d);
      for (int64_t j = 0; j < d; ++j) gx[j] += s * (g[j] * w[j] - xr[j] * s * m);
    }
  }
  if (dw) {  // threads over column blocks, each walking all rows in order (as bias_backward)
    constexpr int64_t block = 64;
    const int64_t blocks = (d + block - 1) / block;
#pragma omp parallel for schedule(static) if (blocks > 1 && worth_threads(N, d))
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t j0 = b * block, j1 = std::min(d, j0 + block);
      T acc[block] = {};
      for (int64_t n = 0; n < N; ++n) {
        const T *xr = x + n * d + j0, *g = dout + n * d + j0;
        const T s = rstd[n];
        for (int64_t j = 0; j < j1 - j0; ++j) acc[j] += g[j] * xr[j] * s;
      }
      for (int64_t j = j0; j < j1; ++j) dw[j] += acc[j - j0];
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rotary positions, rotate-half: within a head, element j pairs with j + hd/2 and turns by pos · theta^(−2j/hd).
// Angles are computed in double for both scalars (as libs/backbone's reference does), once per batch into a table
// that every layer's q and k (and their gradients) reuse. The backward applies the transpose (the inverse
// rotation). An odd hd leaves the last element of each head unrotated.
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
void rope_table(T *cs, T *sn, const int32_t *pos, int64_t N, int64_t hd, T theta) {
  const int64_t half = hd / 2;
  std::vector<double> inv_freq(half);
  for (int64_t j = 0; j < half; ++j)
    inv_freq[j] = std::pow(static_cast<double>(theta), -2.0 * static_cast<double>(j) / static_cast<double>(hd));
#pragma omp parallel for schedule(static) if (worth_threads(N, half * 16))
  for (int64_t n = 0; n < N; ++n)
    for (int64_t j = 0; j < half; ++j) {
      const double angle = static_cast<double>(pos[n]) * inv_freq[j];
      cs[n * half + j] = static_cast<T>(std::cos(angle));
      sn[n * half + j] = static_cast<T>(std::sin(angle));
    }
}

namespace {

// x1' = x1 cos − x2 sin, x2' = x2 cos + x1 sin, with sin negated for the inverse.
template <typename T, bool kInverse>
void rope_apply(T *x, const T *cs, const T *sn, int64_t N, int64_t H, int64_t hd) {
  const int64_t half = hd / 2;
#pragma omp parallel for schedule(static) if (worth_threads(N, H * hd))
  for (int64_t n = 0; n < N; ++n) {
    const T *c = cs + n * half, *s = sn + n * half;
    for (int64_t h = 0; h < H; ++h) {
      T *v = x + (n * H + h) * hd;
      for (int64_t j = 0; j < half; ++j) {
        const T x1 = v[j], x2 = v[j + half], sj = kInverse ? -s[j] : s[j];
        v[j] = x1 * c[j] - x2 * sj;
        v[j + half] = x2 * c[j] + x1 * sj;
      }
    }
  }
}

}  // namespace

template <typename T>
void rope_forward(T *x, const T *cs, const T *sn, int64_t N, int64_t H, int64_t hd) {
  rope_apply<T, false>(x, cs, sn, N, H, hd);
}

template <typename T>
void rope_backward(T *dx, const T *cs, const T *sn, int64_t N, int64_t H, int64_t hd) {
  rope_apply<T, true>(dx, cs, sn, N, H, hd);
}

// ---------------------------------------------------------------------------------------------------------------
// Causal attention over packed sequences, one (sequence, head) pair per task, in tiles of query rows. For a tile of
// rows [i0, i1) only keys [0, i1) can be visible, so the products skip most of the masked upper triangle, and the
// scores live in per-thread [tile × length] buffers (memory linear in the length). Only each row's log-sum-exp is
// kept; the backward recomputes the probabilities from it:
//   S = Q Kᵀ · scale,  P = exp(S − lse) (0 above the diagonal),  O = P V;
//   dP = dO Vᵀ,  D_i = dO_i · O_i,  dS = P ⊙ (dP − D) · scale,  dQ += dS K,  dK += dSᵀ Q,  dV += Pᵀ dO.
// The products run on the calling thread (small_gemm). Tasks own disjoint rows of dq, dk, dv and lse, and each task
// walks its tiles in order, so the result does not depend on the thread count.
// ---------------------------------------------------------------------------------------------------------------
namespace {

constexpr int64_t kAttnTile = 48;  // query rows per tile (a multiple of the GEMM's 6-row micro-tile)

// C (m×n, leading dimension ldc) = or += A·B on the calling thread, A and B strided views as in gemm_f32. float:
// the kernels' blocked GEMM packing into `ws` (gemm_f32_workspace floats); double: plain loops (the checks).
void small_gemm(int64_t m, int64_t n, int64_t k, const float *A, int64_t a_rs, int64_t a_cs, const float *B,
                int64_t b_rs, int64_t b_cs, float *C, int64_t ldc, bool accumulate, float *ws) {
  ak::cpu::kernels().gemm_f32_serial(m, n, k, A, a_rs, a_cs, B, b_rs, b_cs, C, ldc, accumulate, ws);
}
void gemm(int64_t m, int64_t n, int64_t k, const double *A, int64_t a_rs, int64_t a_cs, const double *B, int64_t b_rs,
          int64_t b_cs, double *C, int64_t ldc, bool accumulate, int threads);
void small_gemm(int64_t m, int64_t n, int64_t k, const double *A, int64_t a_rs, int64_t a_cs, const double *B,
                int64_t b_rs, int64_t b_cs, double *C, int64_t ldc, bool accumulate, double *) {
  gemm(m, n, k, A, a_rs, a_cs, B, b_rs, b_cs, C, ldc, accumulate, 1);
}

// Per-thread buffers of one attention call: two [tile × longest] score matrices and the GEMM's packing space,
// 64-byte aligned.
template <typename T>
struct AttnScratch {
  std::vector<T> mem;
  T *s = nullptr, *ds = nullptr, *ws = nullptr;
  explicit AttnScratch(int64_t longest, int64_t hd) {
    const int64_t tile = kAttnTile * std::max<int64_t>(longest, 1);
    int64_t gemm = 0;
    if constexpr (std::is_same_v<T, float>) gemm = ak::cpu::kernels().gemm_f32_workspace(std::max(longest, hd));
    const int64_t align = 64 / sizeof(T), round = (tile + align - 1) / align * align;
    mem.resize(static_cast<size_t>(2 * round + gemm + align));
    T *base = mem.data();
    while (reinterpret_cast<uintptr_t>(base) % 64) ++base;
    s = base, ds = base + round, ws = base + 2 * round;
  }
};

int64_t longest_sequence(const int32_t *starts, int64_t B) {
  int64_t longest = 0;
  for (int64_t b = 0; b < B; ++b) longest = std::max<int64_t>(longest, starts[b + 1] - starts[b]);
  return longest;
}

// x = e^(x·scale − shift) in place: float on the kernels' vector exp.
void scaled_exp(float *x, int64_t n, float scale, float shift) { ak::cpu::kernels().scaled_exp_f32(x, n, scale, shift); }
void scaled_exp(double *x, int64_t n, double scale, double shift) {
  for (int64_t j = 0; j < n; ++j) x[j] = std::exp(x[j] * scale - shift);
}

// Turns the tile's raw scores S [t × keys] (rows i0.., ld keys) into probabilities in place: P_ij = exp(S_ij·scale −
// lse_i) for j ≤ i, 0 above. With `lse` null the forward computes each row's lse into lse_out instead.
template <typename T>
void tile_probabilities(T *S, int64_t t, int64_t keys, int64_t i0, T scale, const T *lse, T *lse_out) {
  for (int64_t r = 0; r < t; ++r) {
    T *srow = S + r * keys;
    const int64_t visible = i0 + r + 1;  // keys 0..i
    if (lse) {
      scaled_exp(srow, visible, scale, lse[r]);
    } else {
      T mx = -std::numeric_limits<T>::infinity();
      for (int64_t j = 0; j < visible; ++j) mx = std::max(mx, srow[j] * scale);
      scaled_exp(srow, visible, scale, mx);
      T sum = 0;
      for (int64_t j = 0; j < visible; ++j) sum += srow[j];
      lse_out[r] = mx + std::log(sum);
      const T inv = T(1) / sum;
      for (int64_t j = 0; j < visible; ++j) srow[j] *= inv;
    }
    for (int64_t j = visible; j < keys; ++j) srow[j] = T(0);
  }
}

}  // namespace

template <typename T>
void attention_forward(T *out, T *lse, const T *q, const T *k, const T *v, const int32_t *starts, int64_t B, int64_t H,
                       int64_t hd, int threads) {
  threads = resolve_threads(threads);
  const T scale = T(1) / std::sqrt(static_cast<T>(hd));
  const int64_t row = H * hd, N = starts[B], longest = longest_sequence(starts, B);
#pragma omp parallel num_threads(threads) if (B * H > 1 && N * longest * hd >= kParallelElems)
  {
    AttnScratch<T> buf(longest, hd);
#pragma omp for schedule(dynamic, 1) collapse(2)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h) {
        const int64_t s0 = starts[b], n = starts[b + 1] - s0, off = s0 * row + h * hd;
        const T *Q = q + off, *K = k + off, *V = v + off;
        for (int64_t i0 = 0; i0 < n; i0 += kAttnTile) {
          const int64_t i1 = std::min(n, i0 + kAttnTile), t = i1 - i0, keys = i1;
          small_gemm(t, keys, hd, Q + i0 * row, row, 1, K, 1, row, buf.s, keys, false, buf.ws);  // S = Q Kᵀ
          tile_probabilities(buf.s, t, keys, i0, scale, static_cast<const T *>(nullptr), lse + h * N + s0 + i0);
          small_gemm(t, hd, keys, buf.s, keys, 1, V, row, 1, out + off + i0 * row, row, false, buf.ws);  // O = P V
        }
      }
  }
}

template <typename T>
void attention_backward(T *dq, T *dk, T *dv, const T *dout, const T *out, const T *lse, const T *q, const T *k,
                        const T *v, const int32_t *starts, int64_t B, int64_t H, int64_t hd, int threads) {
  threads = resolve_threads(threads);
  const T scale = T(1) / std::sqrt(static_cast<T>(hd));
  const int64_t row = H * hd, N = starts[B], longest = longest_sequence(starts, B);
#pragma omp parallel num_threads(threads) if (B * H > 1 && N * longest * hd >= kParallelElems)
  {
    AttnScratch<T> buf(longest, hd);
#pragma omp for schedule(dynamic, 1) collapse(2)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h) {
        const int64_t s0 = starts[b], n = starts[b + 1] - s0, off = s0 * row + h * hd;
        const T *Q = q + off, *K = k + off, *V = v + off, *dO = dout + off, *O = out + off;
        T *dQ = dq + off, *dK = dk + off, *dV = dv + off;
        for (int64_t i0 = 0; i0 < n; i0 += kAttnTile) {
          const int64_t i1 = std::min(n, i0 + kAttnTile), t = i1 - i0, keys = i1;
          T *P = buf.s, *dS = buf.ds;
          small_gemm(t, keys, hd, Q + i0 * row, row, 1, K, 1, row, P, keys, false, buf.ws);  // S = Q Kᵀ
          tile_probabilities(P, t, keys, i0, scale, lse + h * N + s0 + i0, static_cast<T *>(nullptr));
          small_gemm(t, keys, hd, dO + i0 * row, row, 1, V, 1, row, dS, keys, false, buf.ws);  // dP = dO Vᵀ
          for (int64_t r = 0; r < t; ++r) {
            const T D = dot(dO + (i0 + r) * row, O + (i0 + r) * row, hd);
            T *ds = dS + r * keys;
            const T *p = P + r * keys;
            for (int64_t j = 0; j < keys; ++j) ds[j] = p[j] * (ds[j] - D) * scale;
          }
          small_gemm(t, hd, keys, dS, keys, 1, K, row, 1, dQ + i0 * row, row, true, buf.ws);   // dQ += dS K
          small_gemm(keys, hd, t, dS, 1, keys, Q + i0 * row, row, 1, dK, row, true, buf.ws);  // dK += dSᵀ Q
          small_gemm(keys, hd, t, P, 1, keys, dO + i0 * row, row, 1, dV, row, true, buf.ws);  // dV += Pᵀ dO
        }
      }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SwiGLU and GELU. float runs the kernels' vector versions (exp, erf) over fixed-size chunks: these are the widest
// elementwise layers, and libm's scalar erf costs ~20 ns.
// ---------------------------------------------------------------------------------------------------------------
constexpr int64_t kChunk = 4096;

template <typename T>
void swiglu_forward(T *out, const T *gate, const T *up, int64_t count) {
  const int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t e0 = c * kChunk, e1 = std::min(count, e0 + kChunk);
    if constexpr (std::is_same_v<T, float>) {
      ak::cpu::kernels().swiglu_f32(out + e0, gate + e0, up + e0, e1 - e0);
    } else {
      for (int64_t e = e0; e < e1; ++e) out[e] = gate[e] / (T(1) + std::exp(-gate[e])) * up[e];
    }
  }
}

// d silu(g)/dg = σ(g) · (1 + g · (1 − σ(g)))
template <typename T>
void swiglu_backward(T *dgate, T *dup, const T *dout, const T *gate, const T *up, int64_t count) {
  const int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t e0 = c * kChunk, e1 = std::min(count, e0 + kChunk);
    if constexpr (std::is_same_v<T, float>) {
      ak::cpu::kernels().swiglu_backward_f32(dgate ? dgate + e0 : nullptr, dup ? dup + e0 : nullptr, dout + e0,
                                             gate + e0, up + e0, e1 - e0);
    } else {
      for (int64_t e = e0; e < e1; ++e) {
        const T g = gate[e], sig = T(1) / (T(1) + std::exp(-g));
        if (dgate) dgate[e] += dout[e] * up[e] * sig * (T(1) + g * (T(1) - sig));
        if (dup) dup[e] += dout[e] * g * sig;
      }
    }
  }
}

template <typename T>
void gelu_forward(T *out, const T *x, int64_t count) {
  const T r2 = static_cast<T>(0.70710678118654752440);
  const int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t e0 = c * kChunk, e1 = std::min(count, e0 + kChunk);
    if constexpr (std::is_same_v<T, float>) {
      ak::cpu::kernels().gelu_f32(out + e0, x + e0, e1 - e0);
    } else {
      for (int64_t e = e0; e < e1; ++e) out[e] = T(0.5) * x[e] * (T(1) + std::erf(x[e] * r2));
    }
  }
}

// d/dx = Φ(x) + x φ(x)
template <typename T>
void gelu_backward(T *dx, const T *dout, const T *x, int64_t count) {
  const T r2 = static_cast<T>(0.70710678118654752440), inv_sqrt_2pi = static_cast<T>(0.39894228040143267794);
  const int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t e0 = c * kChunk, e1 = std::min(count, e0 + kChunk);
    if constexpr (std::is_same_v<T, float>) {
      ak::cpu::kernels().gelu_backward_f32(dx + e0, dout + e0, x + e0, e1 - e0);
    } else {
      for (int64_t e = e0; e < e1; ++e) {
        const T xe = x[e];
        dx[e] += dout[e] * (T(0.5) * (T(1) + std::erf(xe * r2)) + xe * inv_sqrt_2pi * std::exp(T(-0.5) * xe * xe));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conv1d, channels-last and unpadded. Row t of the im2col matrix, [in[t·s], in[t·s + 1], …, in[t·s + k − 1]], is one
// contiguous run of k·Ci values of the input, so the input itself serves as the GEMM's left operand (rows s·Ci
// apart) — no im2col copy. The weights are repacked to match that depth order, Wt [k·Ci, Co] with
// Wt[q·Ci + ci, c] = W[c, ci, q]:
//   out = in_view · Wt,  dWt = in_viewᵀ · dout,  din[t·s + q] += dout[t] · Wt_qᵀ for each tap q (k products whose
//   rows interleave, made one after the other).
// float runs the kernels' GEMM; double the same products as plain loops.
// ---------------------------------------------------------------------------------------------------------------
namespace {

// C (m×n, leading dimension ldc) = or += A·B over strided views, as gemm_f32.
void gemm(int64_t m, int64_t n, int64_t k, const float *A, int64_t a_rs, int64_t a_cs, const float *B, int64_t b_rs,
          int64_t b_cs, float *C, int64_t ldc, bool accumulate, int threads) {
  ak::cpu::kernels().gemm_f32(m, n, k, A, a_rs, a_cs, B, b_rs, b_cs, C, ldc, accumulate, threads);
}
void gemm(int64_t m, int64_t n, int64_t k, const double *A, int64_t a_rs, int64_t a_cs, const double *B, int64_t b_rs,
          int64_t b_cs, double *C, int64_t ldc, bool accumulate, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (worth_threads(m, n * k / 16))
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p) sum += A[i * a_rs + p * a_cs] * B[p * b_rs + j * b_cs];
      C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0.0) + sum;
    }
}

// Wt [k·Ci, Co] from W [Co, Ci, k].
template <typename T>
std::vector<T> conv_weights_by_tap(const T *W, int64_t Ci, int64_t Co, int64_t k) {
  std::vector<T> Wt(static_cast<size_t>(k * Ci * Co));
  for (int64_t c = 0; c < Co; ++c)
    for (int64_t ci = 0; ci < Ci; ++ci)
      for (int64_t q = 0; q < k; ++q) Wt[(q * Ci + ci) * Co + c] = W[(c * Ci + ci) * k + q];
  return Wt;
}

}  // namespace

template <typename T>
void conv1d_forward(T *out, const T *in, const T *W, const T *bias, int64_t To, int64_t Ci, int64_t Co, int64_t k,
                    int64_t stride, int threads) {
  if (To <= 0) return;
  threads = resolve_threads(threads);
  const std::vector<T> Wt = conv_weights_by_tap(W, Ci, Co, k);
  if (bias) {  // start from the bias and accumulate the product onto it
#pragma omp parallel for num_threads(threads) schedule(static) if (worth_threads(To, Co))
    for (int64_t t = 0; t < To; ++t) std::memcpy(out + t * Co, bias, sizeof(T) * Co);
  }
  gemm(To, Co, k * Ci, in, stride * Ci, 1, Wt.data(), Co, 1, out, Co, bias != nullptr, threads);
}

template <typename T>
void conv1d_backward(T *din, T *dW, T *dbias, const T *dout, const T *in, const T *W, int64_t To, int64_t Ci, int64_t Co,
                     int64_t k, int64_t stride, int threads) {
  if (To <= 0) return;
  threads = resolve_threads(threads);
  if (dbias) bias_backward(dbias, dout, To, Co, threads);
  if (dW) {
    std::vector<T> dWt(static_cast<size_t>(k * Ci * Co));
    gemm(k * Ci, Co, To, in, 1, stride * Ci, dout, Co, 1, dWt.data(), Co, false, threads);
    for (int64_t c = 0; c < Co; ++c)
      for (int64_t ci = 0; ci < Ci; ++ci)
        for (int64_t q = 0; q < k; ++q) dW[(c * Ci + ci) * k + q] += dWt[(q * Ci + ci) * Co + c];
  }
  if (din) {
    const std::vector<T> Wt = conv_weights_by_tap(W, Ci, Co, k);
    for (int64_t q = 0; q < k; ++q)  // din rows t·s + q (rows stride·Ci apart from din + q·Ci) += dout · Wt_qᵀ
      gemm(To, Ci, Co, dout, Co, 1, Wt.data() + q * Ci * Co, 1, Co, din + q * Ci, stride * Ci, true, threads);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// L2 normalisation: out = x / max(‖x‖, 1e-12). Above the floor, dx = (dout − out (out · dout)) / ‖x‖; at the
// floor the denominator is a constant, dx = dout / 1e-12.
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
void l2norm_forward(T *out, T *norm, const T *x, int64_t N, int64_t d) {
#pragma omp parallel for schedule(static) if (worth_threads(N, d))
  for (int64_t n = 0; n < N; ++n) {
    const T *xr = x + n * d;
    T ss = 0;
    for (int64_t j = 0; j < d; ++j) ss += xr[j] * xr[j];
    const T nr = std::sqrt(ss), inv = T(1) / std::max(nr, static_cast<T>(1e-12));
    for (int64_t j = 0; j < d; ++j) out[n * d + j] = xr[j] * inv;
    if (norm) norm[n] = nr;
  }
}

template <typename T>
void l2norm_backward(T *dx, const T *dout, const T *out, const T *norm, int64_t N, int64_t d) {
  const T floor = static_cast<T>(1e-12);
#pragma omp parallel for schedule(static) if (worth_threads(N, d))
  for (int64_t n = 0; n < N; ++n) {
    const T *g = dout + n * d, *y = out + n * d;
    T *gx = dx + n * d;
    if (norm[n] > floor) {
      const T yg = dot(y, g, d), inv = T(1) / norm[n];
      for (int64_t j = 0; j < d; ++j) gx[j] += (g[j] - y[j] * yg) * inv;
    } else {
      for (int64_t j = 0; j < d; ++j) gx[j] += g[j] / floor;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-entropy over the selected logits of each row; the loss is summed in double whatever T is.
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
T cross_entropy_forward_backward(T *dlogits, const T *logits, const int32_t *target, const int32_t *select, int64_t N,
                                 int64_t V, int64_t S) {
  if (N <= 0) return T(0);
  const int64_t C = select ? S : V;  // classes per row
  const T inv_n = T(1) / static_cast<T>(N);
  double total = 0.0;
#pragma omp parallel reduction(+ : total) if (worth_threads(N, C))
  {
    std::vector<T> z(C);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; ++n) {
      const T *row = logits + n * V;
      T mx = -std::numeric_limits<T>::infinity();
      for (int64_t c = 0; c < C; ++c) {
        z[c] = row[select ? select[c] : c];
        mx = std::max(mx, z[c]);
      }
      T sum = 0;
      for (int64_t c = 0; c < C; ++c) sum += std::exp(z[c] - mx);
      const T log_z = mx + std::log(sum);
      total += static_cast<double>(log_z - z[target[n]]);
      if (dlogits) {
        T *g = dlogits + n * V;
        for (int64_t c = 0; c < C; ++c)
          g[select ? select[c] : c] += (std::exp(z[c] - log_z) - (c == target[n] ? T(1) : T(0))) * inv_n;
      }
    }
  }
  return static_cast<T>(total / static_cast<double>(N));
}

// ---------------------------------------------------------------------------------------------------------------
// Explicit instantiations
// ---------------------------------------------------------------------------------------------------------------
#define AK_ENGINE_INSTANTIATE(T)                                                                                      \
  template void embedding_forward<T>(T *, const T *, const int32_t *, int64_t, int64_t);                              \
  template void embedding_backward<T>(T *, const T *, const int32_t *, int64_t, int64_t);                             \
  template void linear_forward<T>(T *, const T *, const T *, const T *, int64_t, int64_t, int64_t, int);              \
  template void linear_backward<T>(T *, T *, T *, const T *, const T *, const T *, int64_t, int64_t, int64_t, int);   \
  template void rmsnorm_forward<T>(T *, T *, const T *, const T *, int64_t, int64_t, T);                              \
  template void rmsnorm_backward<T>(T *, T *, const T *, const T *, const T *, const T *, int64_t, int64_t);          \
  template void rope_table<T>(T *, T *, const int32_t *, int64_t, int64_t, T);                                        \
  template void rope_forward<T>(T *, const T *, const T *, int64_t, int64_t, int64_t);                                \
  template void rope_backward<T>(T *, const T *, const T *, int64_t, int64_t, int64_t);                               \
  template void attention_forward<T>(T *, T *, const T *, const T *, const T *, const int32_t *, int64_t, int64_t,    \
                                     int64_t, int);                                                                   \
  template void attention_backward<T>(T *, T *, T *, const T *, const T *, const T *, const T *, const T *,           \
                                      const T *, const int32_t *, int64_t, int64_t, int64_t, int);                    \
  template void swiglu_forward<T>(T *, const T *, const T *, int64_t);                                                \
  template void swiglu_backward<T>(T *, T *, const T *, const T *, const T *, int64_t);                               \
  template void gelu_forward<T>(T *, const T *, int64_t);                                                             \
  template void gelu_backward<T>(T *, const T *, const T *, int64_t);                                                 \
  template void conv1d_forward<T>(T *, const T *, const T *, const T *, int64_t, int64_t, int64_t, int64_t, int64_t, \
                                  int);                                                                               \
  template void conv1d_backward<T>(T *, T *, T *, const T *, const T *, const T *, int64_t, int64_t, int64_t,         \
                                   int64_t, int64_t, int);                                                            \
  template void gather_rows_forward<T>(T *, const T *, const int32_t *, int64_t, int64_t);                            \
  template void gather_rows_backward<T>(T *, const T *, const int32_t *, int64_t, int64_t);                           \
  template void l2norm_forward<T>(T *, T *, const T *, int64_t, int64_t);                                             \
  template void l2norm_backward<T>(T *, const T *, const T *, const T *, int64_t, int64_t);                           \
  template T cross_entropy_forward_backward<T>(T *, const T *, const int32_t *, const int32_t *, int64_t, int64_t,    \
                                               int64_t);

AK_ENGINE_INSTANTIATE(float)
AK_ENGINE_INSTANTIATE(double)
#undef AK_ENGINE_INSTANTIATE

}  // namespace ak::engine
