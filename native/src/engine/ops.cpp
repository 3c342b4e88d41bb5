// The training engine's layers: forward and backward of each, on plain row-major buffers (see ops.hpp for shapes
// and conventions — backward functions accumulate). One template serves float (training) and double (the finite
// difference checks in engine_check); the float linear layers and convolutions run on the kernels' blocked GEMM
// (ak::cpu::kernels().gemm_f32), everything else is plain loops.
#include "engine/ops.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
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

// y += a · x (y and x never overlap).
template <typename T>
inline void axpy(T *__restrict y, T a, const T *__restrict x, int64_t n) {
  for (int64_t c = 0; c < n; ++c) y[c] += a * x[c];
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
  if (dw) {  // serial over rows (they all add into dw), vectorisable over columns
    for (int64_t n = 0; n < N; ++n) {
      const T *xr = x + n * d, *g = dout + n * d;
      const T s = rstd[n];
      for (int64_t j = 0; j < d; ++j) dw[j] += g[j] * xr[j] * s;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rotary positions, rotate-half: within a head, element j pairs with j + hd/2 and turns by pos · theta^(−2j/hd).
// Angles are computed in double for both scalars (as libs/backbone's reference does). The backward applies the
// transpose (the inverse rotation). An odd hd leaves the last element of each head unrotated.
// ---------------------------------------------------------------------------------------------------------------
namespace {

template <typename T>
void rope_apply(T *x, const int32_t *pos, int64_t N, int64_t H, int64_t hd, T theta, double direction) {
  const int64_t half = hd / 2;
  if (half == 0) return;
  std::vector<double> inv_freq(half);
  for (int64_t j = 0; j < half; ++j)
    inv_freq[j] = std::pow(static_cast<double>(theta), -2.0 * static_cast<double>(j) / static_cast<double>(hd));
#pragma omp parallel if (worth_threads(N, H * hd * 4))
  {
    std::vector<T> cs(half), sn(half);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t j = 0; j < half; ++j) {
        const double angle = static_cast<double>(pos[n]) * inv_freq[j];
        cs[j] = static_cast<T>(std::cos(angle));
        sn[j] = static_cast<T>(direction * std::sin(angle));
      }
      for (int64_t h = 0; h < H; ++h) {
        T *v = x + (n * H + h) * hd;
        for (int64_t j = 0; j < half; ++j) {
          const T x1 = v[j], x2 = v[j + half];
          v[j] = x1 * cs[j] - x2 * sn[j];
          v[j + half] = x2 * cs[j] + x1 * sn[j];
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void rope_forward(T *x, const int32_t *pos, int64_t N, int64_t H, int64_t hd, T theta) {
  rope_apply(x, pos, N, H, hd, theta, 1.0);
}

template <typename T>
void rope_backward(T *dx, const int32_t *pos, int64_t N, int64_t H, int64_t hd, T theta) {
  rope_apply(dx, pos, N, H, hd, theta, -1.0);
}

// ---------------------------------------------------------------------------------------------------------------
// Causal attention with a key padding mask, one (batch, head) pair per task. Memory is linear in L: a query row's
// scores live in a per-thread buffer of L; only each row's log-sum-exp is kept (lse = −∞ for a row with no
// visible key, whose output is zero). The backward recomputes each row's probabilities from lse:
//   P_j = exp(s_j − lse),  dP_j = dout · v_j,  D = Σ dout ⊙ out,  dS_j = P_j (dP_j − D),
//   dq += scale Σ_j dS_j k_j,  dk_j += scale dS_j q,  dv_j += P_j dout.
// Tasks own disjoint slices of dq, dk, dv (their batch and head), so no two threads write the same element.
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
void attention_forward(T *out, T *lse, const T *q, const T *k, const T *v, const uint8_t *mask, int64_t B, int64_t L,
                       int64_t H, int64_t hd, int threads) {
  threads = resolve_threads(threads);
  const T scale = T(1) / std::sqrt(static_cast<T>(hd));
  const int64_t row = H * hd;  // stride between positions
#pragma omp parallel num_threads(threads) if (B * H > 1 && B * H * L * L * hd >= kParallelElems)
  {
    std::vector<T> s(L);
#pragma omp for schedule(dynamic, 1) collapse(2)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h) {
        const uint8_t *m = mask + b * L;
        const int64_t base = b * L * row + h * hd;
        for (int64_t i = 0; i < L; ++i) {
          const T *qi = q + base + i * row;
          T *oi = out + base + i * row;
          T mx = -std::numeric_limits<T>::infinity();
          for (int64_t j = 0; j <= i; ++j) {
            if (!m[j]) continue;
            s[j] = dot(qi, k + base + j * row, hd) * scale;
            mx = std::max(mx, s[j]);
          }
          for (int64_t c = 0; c < hd; ++c) oi[c] = 0;
          T *lse_i = lse + (b * H + h) * L + i;
          if (mx == -std::numeric_limits<T>::infinity()) {  // no visible key
            *lse_i = mx;
            continue;
          }
          T sum = 0;
          for (int64_t j = 0; j <= i; ++j) {
            if (!m[j]) continue;
            const T p = std::exp(s[j] - mx);
            sum += p;
            axpy(oi, p, v + base + j * row, hd);
          }
          const T inv = T(1) / sum;
          for (int64_t c = 0; c < hd; ++c) oi[c] *= inv;
          *lse_i = mx + std::log(sum);
        }
      }
  }
}

template <typename T>
void attention_backward(T *dq, T *dk, T *dv, const T *dout, const T *out, const T *lse, const T *q, const T *k,
                        const T *v, const uint8_t *mask, int64_t B, int64_t L, int64_t H, int64_t hd, int threads) {
  threads = resolve_threads(threads);
  const T scale = T(1) / std::sqrt(static_cast<T>(hd));
  const int64_t row = H * hd;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) collapse(2) \
    if (B * H > 1 && B * H * L * L * hd >= kParallelElems)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const uint8_t *m = mask + b * L;
      const int64_t base = b * L * row + h * hd;
      for (int64_t i = 0; i < L; ++i) {
        const T li = lse[(b * H + h) * L + i];
        if (li == -std::numeric_limits<T>::infinity()) continue;  // no visible key: zero output, zero gradient
        const T *qi = q + base + i * row, *gi = dout + base + i * row, *oi = out + base + i * row;
        T *dqi = dq + base + i * row;
        const T D = dot(gi, oi, hd);
        for (int64_t j = 0; j <= i; ++j) {
          if (!m[j]) continue;
          const T *kj = k + base + j * row, *vj = v + base + j * row;
          const T p = std::exp(dot(qi, kj, hd) * scale - li), dp = dot(gi, vj, hd);
          const T ds = p * (dp - D) * scale;  // includes the score scale
          axpy(dqi, ds, kj, hd);
          axpy(dk + base + j * row, ds, qi, hd);
          axpy(dv + base + j * row, p, gi, hd);
        }
      }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// SwiGLU and GELU
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
void swiglu_forward(T *out, const T *gate, const T *up, int64_t count) {
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t e = 0; e < count; ++e) {
    const T g = gate[e];
    out[e] = g / (T(1) + std::exp(-g)) * up[e];
  }
}

// d silu(g)/dg = σ(g) · (1 + g · (1 − σ(g)))
template <typename T>
void swiglu_backward(T *dgate, T *dup, const T *dout, const T *gate, const T *up, int64_t count) {
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t e = 0; e < count; ++e) {
    const T g = gate[e], sig = T(1) / (T(1) + std::exp(-g));
    if (dgate) dgate[e] += dout[e] * up[e] * sig * (T(1) + g * (T(1) - sig));
    if (dup) dup[e] += dout[e] * g * sig;
  }
}

template <typename T>
void gelu_forward(T *out, const T *x, int64_t count) {
  const T r2 = static_cast<T>(0.70710678118654752440);
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t e = 0; e < count; ++e) out[e] = T(0.5) * x[e] * (T(1) + std::erf(x[e] * r2));
}

// d/dx = Φ(x) + x φ(x)
template <typename T>
void gelu_backward(T *dx, const T *dout, const T *x, int64_t count) {
  const T r2 = static_cast<T>(0.70710678118654752440), inv_sqrt_2pi = static_cast<T>(0.39894228040143267794);
#pragma omp parallel for schedule(static) if (count >= kParallelElems)
  for (int64_t e = 0; e < count; ++e) {
    const T xe = x[e];
    dx[e] += dout[e] * (T(0.5) * (T(1) + std::erf(xe * r2)) + xe * inv_sqrt_2pi * std::exp(T(-0.5) * xe * xe));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conv1d, channels-first, zero padding floor(k/2): out[c, t] = bias[c] + Σ_ci Σ_q W[c, ci, q] · in[ci, t·s − pad + q].
// float: im2col (col [Ci·k, To], col[(ci·k + q), t] = that input sample) and the blocked GEMM, so
//   out = W [Co, Ci·k] · col,  dW += dout · colᵀ,  dcol = Wᵀ · dout, scattered back into din (col2im).
// double: direct loops.
// ---------------------------------------------------------------------------------------------------------------
namespace {

inline int64_t conv_out_len(int64_t Ti, int64_t k, int64_t stride) { return (Ti + 2 * (k / 2) - k) / stride + 1; }

void im2col(float *col, const float *in, int64_t Ci, int64_t Ti, int64_t k, int64_t stride, int64_t To) {
  const int64_t pad = k / 2;
#pragma omp parallel for schedule(static) if (worth_threads(Ci * k, To))
  for (int64_t r = 0; r < Ci * k; ++r) {
    const float *x = in + (r / k) * Ti;
    const int64_t off = r % k - pad;
    float *dst = col + r * To;
    for (int64_t t = 0; t < To; ++t) {
      const int64_t s = t * stride + off;
      dst[t] = s >= 0 && s < Ti ? x[s] : 0.f;
    }
  }
}

void col2im_add(float *din, const float *col, int64_t Ci, int64_t Ti, int64_t k, int64_t stride, int64_t To) {
  const int64_t pad = k / 2;
#pragma omp parallel for schedule(static) if (worth_threads(Ci, k * To))
  for (int64_t ci = 0; ci < Ci; ++ci) {  // one input channel per task: its k rows of col all land in it
    float *x = din + ci * Ti;
    for (int64_t q = 0; q < k; ++q) {
      const float *src = col + (ci * k + q) * To;
      for (int64_t t = 0; t < To; ++t) {
        const int64_t s = t * stride + q - pad;
        if (s >= 0 && s < Ti) x[s] += src[t];
      }
    }
  }
}

}  // namespace

template <typename T>
void conv1d_forward(T *out, const T *in, const T *W, const T *bias, int64_t Ci, int64_t Ti, int64_t Co, int64_t k,
                    int64_t stride) {
  const int64_t To = conv_out_len(Ti, k, stride), pad = k / 2;
  if (To <= 0) return;
  for (int64_t c = 0; c < Co; ++c)
    for (int64_t t = 0; t < To; ++t) out[c * To + t] = bias ? bias[c] : T(0);
  if constexpr (std::is_same_v<T, float>) {
    std::vector<float> col(static_cast<size_t>(Ci * k * To));
    im2col(col.data(), in, Ci, Ti, k, stride, To);
    ak::cpu::kernels().gemm_f32(Co, To, Ci * k, W, Ci * k, 1, col.data(), To, 1, out, To, true, 0);
  } else {
#pragma omp parallel for schedule(static) if (worth_threads(Co, Ci * k * To))
    for (int64_t c = 0; c < Co; ++c) {
      T *y = out + c * To;
      for (int64_t ci = 0; ci < Ci; ++ci)
        for (int64_t q = 0; q < k; ++q) {
          const T w = W[(c * Ci + ci) * k + q];
          const T *x = in + ci * Ti;
          for (int64_t t = 0; t < To; ++t) {
            const int64_t s = t * stride + q - pad;
            if (s >= 0 && s < Ti) y[t] += w * x[s];
          }
        }
    }
  }
}

template <typename T>
void conv1d_backward(T *din, T *dW, T *dbias, const T *dout, const T *in, const T *W, int64_t Ci, int64_t Ti, int64_t Co,
                     int64_t k, int64_t stride) {
  const int64_t To = conv_out_len(Ti, k, stride), pad = k / 2;
  if (To <= 0) return;
  if (dbias)
    for (int64_t c = 0; c < Co; ++c) {
      T sum = 0;
      for (int64_t t = 0; t < To; ++t) sum += dout[c * To + t];
      dbias[c] += sum;
    }
  if constexpr (std::is_same_v<T, float>) {
    const auto &kern = ak::cpu::kernels();
    const int64_t K = Ci * k;
    std::vector<float> col(static_cast<size_t>(K * To));
    if (dW) {  // dW [Co, K] += dout [Co, To] · colᵀ [To, K]
      im2col(col.data(), in, Ci, Ti, k, stride, To);
      kern.gemm_f32(Co, K, To, dout, To, 1, col.data(), 1, To, dW, K, true, 0);
    }
    if (din) {  // dcol [K, To] = Wᵀ [K, Co] · dout [Co, To], then scattered into din
      kern.gemm_f32(K, To, Co, W, 1, K, dout, To, 1, col.data(), To, false, 0);
      col2im_add(din, col.data(), Ci, Ti, k, stride, To);
    }
  } else {
    if (dW) {
#pragma omp parallel for schedule(static) if (worth_threads(Co, Ci * k * To))
      for (int64_t c = 0; c < Co; ++c) {
        const T *g = dout + c * To;
        for (int64_t ci = 0; ci < Ci; ++ci)
          for (int64_t q = 0; q < k; ++q) {
            const T *x = in + ci * Ti;
            T sum = 0;
            for (int64_t t = 0; t < To; ++t) {
              const int64_t s = t * stride + q - pad;
              if (s >= 0 && s < Ti) sum += g[t] * x[s];
            }
            dW[(c * Ci + ci) * k + q] += sum;
          }
      }
    }
    if (din) {
#pragma omp parallel for schedule(static) if (worth_threads(Ci, Co * k * To))
      for (int64_t ci = 0; ci < Ci; ++ci) {
        T *x = din + ci * Ti;
        for (int64_t c = 0; c < Co; ++c)
          for (int64_t q = 0; q < k; ++q) {
            const T w = W[(c * Ci + ci) * k + q];
            const T *g = dout + c * To;
            for (int64_t t = 0; t < To; ++t) {
              const int64_t s = t * stride + q - pad;
              if (s >= 0 && s < Ti) x[s] += w * g[t];
            }
          }
      }
    }
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
  template void rope_forward<T>(T *, const int32_t *, int64_t, int64_t, int64_t, T);                                  \
  template void rope_backward<T>(T *, const int32_t *, int64_t, int64_t, int64_t, T);                                 \
  template void attention_forward<T>(T *, T *, const T *, const T *, const T *, const uint8_t *, int64_t, int64_t,    \
                                     int64_t, int64_t, int);                                                          \
  template void attention_backward<T>(T *, T *, T *, const T *, const T *, const T *, const T *, const T *,           \
                                      const T *, const uint8_t *, int64_t, int64_t, int64_t, int64_t, int);           \
  template void swiglu_forward<T>(T *, const T *, const T *, int64_t);                                                \
  template void swiglu_backward<T>(T *, T *, const T *, const T *, const T *, int64_t);                               \
  template void gelu_forward<T>(T *, const T *, int64_t);                                                             \
  template void gelu_backward<T>(T *, const T *, const T *, int64_t);                                                 \
  template void conv1d_forward<T>(T *, const T *, const T *, const T *, int64_t, int64_t, int64_t, int64_t, int64_t); \
  template void conv1d_backward<T>(T *, T *, T *, const T *, const T *, const T *, int64_t, int64_t, int64_t,         \
                                   int64_t, int64_t);                                                                 \
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
