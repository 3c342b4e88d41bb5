// engine_check: the standalone check and benchmark of the training engine's layers (src/engine/ops.hpp).
//
//   engine_check --ops     for every layer, on random inputs with odd sizes:
//                            · the double forward against a naive reference written here;
//                            · every input and parameter gradient of the double backward against central finite
//                              differences (step 1e-5) of loss = Σ r ⊙ out for a random r;
//                            · the float forward and backward against the double ones on the same inputs;
//                            · the accumulate convention (a second backward call doubles the gradients);
//                          plus attention's causality and sequence independence, the conv output length, cross-entropy's
//                          accumulation and the float GEMM (gemm_f32) on its own. One line per check, a summary,
//                          exit status 1 on any failure.
//   engine_check --bench   GFLOP/s of linear_forward/backward<float> (the blocked GEMM) at training sizes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "aurola_kernels.h"
#include "cpu/cpu_kernels.hpp"
#include "engine/ops.hpp"

namespace {

namespace eg = ak::engine;

template <typename T>
using Vec = std::vector<T>;
template <typename T>
using Vecs = std::vector<std::vector<T>>;

// ---------------------------------------------------------------------------------------------------------------
// Tally and reporting
// ---------------------------------------------------------------------------------------------------------------
int g_passed = 0, g_failed = 0;

// Counts one check and prints its line.
void report(bool ok, const char *fmt, ...) {
  ok ? ++g_passed : ++g_failed;
  std::va_list args;
  va_start(args, fmt);
  std::printf("%s ", ok ? "  ok  " : "  FAIL");
  std::vprintf(fmt, args);
  std::printf("\n");
  std::fflush(stdout);
  va_end(args);
}

// max|a − b| / max|b|: the error of a relative to the scale of the reference b.
template <typename A, typename B>
double rel_err(const Vec<A> &a, const Vec<B> &b) {
  double diff = 0, scale = 0;
  for (size_t e = 0; e < a.size(); ++e) {
    const double x = static_cast<double>(a[e]), y = static_cast<double>(b[e]);
    diff = std::max(diff, std::isfinite(x) ? std::fabs(x - y) : std::numeric_limits<double>::infinity());
    scale = std::max(scale, std::fabs(y));
  }
  return scale > 0 ? diff / scale : diff;
}

template <typename T>
Vec<T> zeros(int64_t n) {
  return Vec<T>(static_cast<size_t>(n), T(0));
}

// Uniform values in [lo, hi), rounded to float so that the float and double paths see identical inputs.
Vec<double> random_vec(std::mt19937_64 &rng, int64_t n, double lo = -1, double hi = 1) {
  std::uniform_real_distribution<double> u(lo, hi);
  Vec<double> v(static_cast<size_t>(n));
  for (auto &x : v) x = static_cast<double>(static_cast<float>(u(rng)));
  return v;
}

Vec<int32_t> random_ids(std::mt19937_64 &rng, int64_t n, int32_t bound) {
  std::uniform_int_distribution<int32_t> u(0, bound - 1);
  Vec<int32_t> v(static_cast<size_t>(n));
  for (auto &x : v) x = u(rng);
  return v;
}

template <typename T>
Vec<T> cast_vec(const Vec<double> &v) {
  return Vec<T>(v.begin(), v.end());
}
template <typename T>
Vecs<T> cast_vecs(const Vecs<double> &v) {
  Vecs<T> out;
  for (const auto &x : v) out.push_back(cast_vec<T>(x));
  return out;
}

std::string fmt(const char *f, ...) {
  char buf[256];
  std::va_list args;
  va_start(args, f);
  std::vsnprintf(buf, sizeof buf, f, args);
  va_end(args);
  return buf;
}

// ---------------------------------------------------------------------------------------------------------------
// The layers as test cases. Each names its differentiable inputs and sizes, runs forward (returning the output
// whose projection is the loss) and backward (accumulating into one gradient per input) in either precision, and
// has a naive double reference of the forward.
// ---------------------------------------------------------------------------------------------------------------
struct Input {
  std::string name;
  int64_t size;
  double lo = -1, hi = 1;
};

struct EmbeddingCase {
  int64_t V, N, d;
  Vec<int32_t> ids;
  bool gather = false;  // the same contract under gather_rows_*
  std::string name() const {
    return fmt("%s V=%lld N=%lld d=%lld", gather ? "gather_rows" : "embedding", (long long)V, (long long)N, (long long)d);
  }
  std::vector<Input> inputs() const { return {{"table", V * d}}; }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    Vec<T> out = zeros<T>(N * d);
    if (gather) eg::gather_rows_forward(out.data(), x[0].data(), ids.data(), N, d);
    else eg::embedding_forward(out.data(), x[0].data(), ids.data(), N, d);
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &, const Vec<T> &dout, Vecs<T> &g) const {
    if (gather) eg::gather_rows_backward(g[0].data(), dout.data(), ids.data(), N, d);
    else eg::embedding_backward(g[0].data(), dout.data(), ids.data(), N, d);
  }
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(N * d);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t j = 0; j < d; ++j) out[n * d + j] = x[0][ids[n] * d + j];
    return out;
  }
};

struct LinearCase {
  int64_t N, i, o;
  bool bias;
  int threads = 0;
  std::string name() const {
    return fmt("linear N=%lld i=%lld o=%lld%s%s", (long long)N, (long long)i, (long long)o, bias ? " +bias" : "",
               threads == 1 ? " 1 thread" : "");
  }
  std::vector<Input> inputs() const { return {{"in", N * i}, {"W", i * o}, {"bias", bias ? o : 0}}; }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    Vec<T> out = zeros<T>(N * o);
    eg::linear_forward(out.data(), x[0].data(), x[1].data(), bias ? x[2].data() : nullptr, N, i, o, threads);
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    eg::linear_backward(g[0].data(), g[1].data(), bias ? g[2].data() : nullptr, dout.data(), x[0].data(), x[1].data(),
                        N, i, o, threads);
  }
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(N * o);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < o; ++c) {
        double s = bias ? x[2][c] : 0.0;
        for (int64_t r = 0; r < i; ++r) s += x[0][n * i + r] * x[1][r * o + c];
        out[n * o + c] = s;
      }
    return out;
  }
};

struct RmsNormCase {
  int64_t N, d;
  double eps = static_cast<float>(1e-5);  // float-representable: both precisions use the same eps
  std::string name() const { return fmt("rmsnorm N=%lld d=%lld", (long long)N, (long long)d); }
  std::vector<Input> inputs() const { return {{"x", N * d}, {"w", d, 0.5, 1.5}}; }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    Vec<T> out = zeros<T>(N * d), rstd = zeros<T>(N);
    eg::rmsnorm_forward(out.data(), rstd.data(), x[0].data(), x[1].data(), N, d, static_cast<T>(eps));
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    Vec<T> out = zeros<T>(N * d), rstd = zeros<T>(N);
    eg::rmsnorm_forward(out.data(), rstd.data(), x[0].data(), x[1].data(), N, d, static_cast<T>(eps));
    eg::rmsnorm_backward(g[0].data(), g[1].data(), dout.data(), x[0].data(), x[1].data(), rstd.data(), N, d);
  }
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(N * d);
    for (int64_t n = 0; n < N; ++n) {
      double ss = 0;
      for (int64_t j = 0; j < d; ++j) ss += x[0][n * d + j] * x[0][n * d + j];
      const double s = 1 / std::sqrt(ss / d + eps);
      for (int64_t j = 0; j < d; ++j) out[n * d + j] = x[0][n * d + j] * s * x[1][j];
    }
    return out;
  }
};

struct RopeCase {
  int64_t N, H, hd;
  Vec<int32_t> pos;
  double theta = 10000;
  std::string name() const { return fmt("rope N=%lld H=%lld hd=%lld", (long long)N, (long long)H, (long long)hd); }
  std::vector<Input> inputs() const { return {{"x", N * H * hd}}; }
  template <typename T>
  void table(Vec<T> &cs, Vec<T> &sn) const {
    cs = zeros<T>(N * (hd / 2)), sn = zeros<T>(N * (hd / 2));
    eg::rope_table(cs.data(), sn.data(), pos.data(), N, hd, static_cast<T>(theta));
  }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    Vec<T> out = x[0], cs, sn;
    table(cs, sn);
    eg::rope_forward(out.data(), cs.data(), sn.data(), N, H, hd);
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &, const Vec<T> &dout, Vecs<T> &g) const {
    Vec<T> d = dout, cs, sn;  // rope_backward rotates a gradient in place; the caller owns the accumulation
    table(cs, sn);
    eg::rope_backward(d.data(), cs.data(), sn.data(), N, H, hd);
    for (size_t e = 0; e < d.size(); ++e) g[0][e] += d[e];
  }
  // As a complex rotation: (x_j + i·x_{j+hd/2}) · e^{i·pos·theta^(−2j/hd)}.
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out = x[0];
    const int64_t half = hd / 2;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t j = 0; j < half; ++j) {
          const int64_t b = (n * H + h) * hd;
          const double a = pos[n] * std::pow(theta, -2.0 * j / hd);
          const double re = x[0][b + j], im = x[0][b + j + half];
          out[b + j] = re * std::cos(a) - im * std::sin(a);
          out[b + j + half] = re * std::sin(a) + im * std::cos(a);
        }
    return out;
  }
};

struct AttentionCase {
  Vec<int32_t> lens;  // packed sequences back to back (a length may be 0)
  int64_t H, hd;
  int threads = 0;
  int64_t B() const { return static_cast<int64_t>(lens.size()); }
  Vec<int32_t> starts() const {
    Vec<int32_t> s(lens.size() + 1, 0);
    for (size_t b = 0; b < lens.size(); ++b) s[b + 1] = s[b] + lens[b];
    return s;
  }
  int64_t N() const { return starts().back(); }
  std::string name() const {
    std::string l;
    for (int32_t n : lens) l += (l.empty() ? "" : ",") + std::to_string(n);
    return fmt("attention lens=%s H=%lld hd=%lld%s", l.c_str(), (long long)H, (long long)hd, threads == 1 ? " 1 thread" : "");
  }
  std::vector<Input> inputs() const {
    const int64_t n = N() * H * hd;
    return {{"q", n, -1.5, 1.5}, {"k", n, -1.5, 1.5}, {"v", n}};
  }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x, Vec<T> *lse_out = nullptr) const {
    const Vec<int32_t> st = starts();
    Vec<T> out = zeros<T>(N() * H * hd), lse = zeros<T>(H * N());
    eg::attention_forward(out.data(), lse.data(), x[0].data(), x[1].data(), x[2].data(), st.data(), B(), H, hd, threads);
    if (lse_out) *lse_out = lse;
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    Vec<T> lse;
    const Vec<T> out = forward(x, &lse);
    const Vec<int32_t> st = starts();
    eg::attention_backward(g[0].data(), g[1].data(), g[2].data(), dout.data(), out.data(), lse.data(), x[0].data(),
                           x[1].data(), x[2].data(), st.data(), B(), H, hd, threads);
  }
  // Per sequence, the full softmax over keys j ≤ i.
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(N() * H * hd, 0.0);
    const Vec<int32_t> st = starts();
    const double scale = 1 / std::sqrt(static_cast<double>(hd));
    auto at = [&](int64_t r, int64_t h) { return (r * H + h) * hd; };
    for (int64_t b = 0; b < B(); ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = st[b]; i < st[b + 1]; ++i) {
          std::vector<double> s;
          double mx = -std::numeric_limits<double>::infinity();
          for (int64_t j = st[b]; j <= i; ++j) {
            double dot = 0;
            for (int64_t c = 0; c < hd; ++c) dot += x[0][at(i, h) + c] * x[1][at(j, h) + c];
            s.push_back(dot * scale);
            mx = std::max(mx, s.back());
          }
          double sum = 0;
          for (double sj : s) sum += std::exp(sj - mx);
          for (int64_t j = st[b]; j <= i; ++j)
            for (int64_t c = 0; c < hd; ++c)
              out[at(i, h) + c] += std::exp(s[j - st[b]] - mx) / sum * x[2][at(j, h) + c];
        }
    return out;
  }
};

struct SwiGluCase {
  int64_t count;
  std::string name() const { return fmt("swiglu count=%lld", (long long)count); }
  std::vector<Input> inputs() const { return {{"gate", count, -4, 4}, {"up", count}}; }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    Vec<T> out = zeros<T>(count);
    eg::swiglu_forward(out.data(), x[0].data(), x[1].data(), count);
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    eg::swiglu_backward(g[0].data(), g[1].data(), dout.data(), x[0].data(), x[1].data(), count);
  }
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(count);
    for (int64_t e = 0; e < count; ++e) out[e] = x[0][e] / (1 + std::exp(-x[0][e])) * x[1][e];
    return out;
  }
};

struct GeluCase {
  int64_t count;
  std::string name() const { return fmt("gelu count=%lld", (long long)count); }
  std::vector<Input> inputs() const { return {{"x", count, -4, 4}}; }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    Vec<T> out = zeros<T>(count);
    eg::gelu_forward(out.data(), x[0].data(), count);
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    eg::gelu_backward(g[0].data(), dout.data(), x[0].data(), count);
  }
  // Φ(x) = erfc(−x/√2)/2, a different route to the same function.
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(count);
    for (int64_t e = 0; e < count; ++e) out[e] = x[0][e] * 0.5 * std::erfc(-x[0][e] / std::sqrt(2.0));
    return out;
  }
};

struct ConvCase {
  int64_t Ci, To, Co, k, stride;
  bool bias = true;
  std::string name() const {
    return fmt("conv1d Ci=%lld To=%lld Co=%lld k=%lld stride=%lld%s", (long long)Ci, (long long)To, (long long)Co,
               (long long)k, (long long)stride, bias ? " +bias" : "");
  }
  int64_t Ti() const { return (To - 1) * stride + k; }  // the rows the windows read
  std::vector<Input> inputs() const { return {{"in", Ti() * Ci}, {"W", Co * Ci * k}, {"bias", bias ? Co : 0}}; }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    Vec<T> out = zeros<T>(To * Co);
    eg::conv1d_forward(out.data(), x[0].data(), x[1].data(), bias ? x[2].data() : nullptr, To, Ci, Co, k, stride, 0);
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    eg::conv1d_backward(g[0].data(), g[1].data(), bias ? g[2].data() : nullptr, dout.data(), x[0].data(), x[1].data(),
                        To, Ci, Co, k, stride, 0);
  }
  // Channels-last, windows of k rows stepping by stride.
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(To * Co);
    for (int64_t t = 0; t < To; ++t)
      for (int64_t c = 0; c < Co; ++c) {
        double s = bias ? x[2][c] : 0.0;
        for (int64_t ci = 0; ci < Ci; ++ci)
          for (int64_t q = 0; q < k; ++q) s += x[1][(c * Ci + ci) * k + q] * x[0][(t * stride + q) * Ci + ci];
        out[t * Co + c] = s;
      }
    return out;
  }
};

struct L2NormCase {
  int64_t N, d;
  std::string name() const { return fmt("l2norm N=%lld d=%lld", (long long)N, (long long)d); }
  std::vector<Input> inputs() const { return {{"x", N * d}}; }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x, Vec<T> *norm_out = nullptr) const {
    Vec<T> out = zeros<T>(N * d), norm = zeros<T>(N);
    eg::l2norm_forward(out.data(), norm.data(), x[0].data(), N, d);
    if (norm_out) *norm_out = norm;
    return out;
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    Vec<T> norm;
    const Vec<T> out = forward(x, &norm);
    eg::l2norm_backward(g[0].data(), dout.data(), out.data(), norm.data(), N, d);
  }
  Vec<double> reference(const Vecs<double> &x) const {
    Vec<double> out(N * d);
    for (int64_t n = 0; n < N; ++n) {
      double ss = 0;
      for (int64_t j = 0; j < d; ++j) ss += x[0][n * d + j] * x[0][n * d + j];
      for (int64_t j = 0; j < d; ++j) out[n * d + j] = x[0][n * d + j] / std::max(std::sqrt(ss), 1e-12);
    }
    return out;
  }
};

// The loss is the one output; its backward scales the gradient of the mean by dout[0].
struct CrossEntropyCase {
  int64_t N, V, S;
  Vec<int32_t> target, select;  // select empty: all V
  std::string name() const {
    return select.empty() ? fmt("cross_entropy N=%lld V=%lld", (long long)N, (long long)V)
                          : fmt("cross_entropy N=%lld V=%lld select S=%lld", (long long)N, (long long)V, (long long)S);
  }
  std::vector<Input> inputs() const { return {{"logits", N * V, -3, 3}}; }
  const int32_t *sel() const { return select.empty() ? nullptr : select.data(); }
  template <typename T>
  Vec<T> forward(const Vecs<T> &x) const {
    return {eg::cross_entropy_forward_backward<T>(nullptr, x[0].data(), target.data(), sel(), N, V, S)};
  }
  template <typename T>
  void backward(const Vecs<T> &x, const Vec<T> &dout, Vecs<T> &g) const {
    Vec<T> d = zeros<T>(N * V);
    eg::cross_entropy_forward_backward<T>(d.data(), x[0].data(), target.data(), sel(), N, V, S);
    for (size_t e = 0; e < d.size(); ++e) g[0][e] += dout[0] * d[e];
  }
  Vec<double> reference(const Vecs<double> &x) const {
    double total = 0;
    const int64_t C = select.empty() ? V : S;
    for (int64_t n = 0; n < N; ++n) {
      double sum = 0;
      for (int64_t c = 0; c < C; ++c) sum += std::exp(x[0][n * V + (select.empty() ? c : select[c])]);
      total += std::log(sum) - x[0][n * V + (select.empty() ? target[n] : select[target[n]])];
    }
    return {total / N};
  }
};

// ---------------------------------------------------------------------------------------------------------------
// The generic check of one case
// ---------------------------------------------------------------------------------------------------------------
struct FdStats {
  double max_abs = 0, max_rel = 0;  // max_rel over elements whose gradient is above 1e-4 in magnitude
  int64_t checked = 0, bad = 0;
};

template <class Case>
Vecs<double> make_inputs(const Case &c, std::mt19937_64 &rng) {
  Vecs<double> x;
  for (const Input &in : c.inputs()) x.push_back(random_vec(rng, in.size, in.lo, in.hi));
  return x;
}

template <typename T, class Case>
Vecs<T> zero_grads(const Case &c) {
  Vecs<T> g;
  for (const Input &in : c.inputs()) g.push_back(zeros<T>(in.size));
  return g;
}

double dot(const Vec<double> &a, const Vec<double> &b) {
  double s = 0;
  for (size_t e = 0; e < a.size(); ++e) s += a[e] * b[e];
  return s;
}

// fd_per_tensor < 0: every element; otherwise that many random elements of each input.
template <class Case>
void check_case(const Case &c, uint64_t seed, int64_t fd_per_tensor = -1, double f32_tol = 1e-5) {
  std::mt19937_64 rng(seed);
  Vecs<double> x = make_inputs(c, rng);
  const std::vector<Input> specs = c.inputs();
  const Vec<double> y = c.template forward<double>(x);
  const Vec<double> r = random_vec(rng, static_cast<int64_t>(y.size()));
  Vecs<double> g = zero_grads<double>(c);
  c.template backward<double>(x, r, g);

  // Forward against the naive reference.
  const double ref_err = rel_err(y, c.reference(x));

  // Every gradient against central differences.
  const double h = 1e-5;
  FdStats fd;
  std::string worst;
  for (size_t t = 0; t < x.size(); ++t) {
    const int64_t n = static_cast<int64_t>(x[t].size());
    std::vector<int64_t> elems;
    if (fd_per_tensor < 0 || fd_per_tensor >= n) {
      for (int64_t e = 0; e < n; ++e) elems.push_back(e);
    } else {
      std::uniform_int_distribution<int64_t> u(0, n - 1);
      for (int64_t s = 0; s < fd_per_tensor; ++s) elems.push_back(u(rng));
    }
    for (int64_t e : elems) {
      const double saved = x[t][e];
      x[t][e] = saved + h;
      const double lp = dot(r, c.template forward<double>(x));
      x[t][e] = saved - h;
      const double lm = dot(r, c.template forward<double>(x));
      x[t][e] = saved;
      const double num = (lp - lm) / (2 * h), an = g[t][e];
      const double abs_err = std::fabs(num - an), mag = std::max(std::fabs(num), std::fabs(an));
      const double rel = mag > 0 ? abs_err / mag : 0;
      fd.max_abs = std::max(fd.max_abs, abs_err);
      if (mag > 1e-4) fd.max_rel = std::max(fd.max_rel, rel);
      ++fd.checked;
      if (!(rel < 1e-6 || abs_err < 1e-8)) {
        if (fd.bad++ == 0)
          worst = fmt(" (first: d%s[%lld] analytic %.10g, numeric %.10g)", specs[t].name.c_str(), (long long)e, an, num);
      }
    }
  }

  // float against double on the same (float-representable) inputs.
  const Vecs<float> xf = cast_vecs<float>(x);
  const Vec<float> yf = c.template forward<float>(xf);
  const double f_fwd = rel_err(yf, y);
  Vecs<float> gf = zero_grads<float>(c);
  c.template backward<float>(xf, cast_vec<float>(r), gf);
  double f_bwd = 0;
  for (size_t t = 0; t < g.size(); ++t) f_bwd = std::max(f_bwd, rel_err(gf[t], g[t]));

  // Accumulation: a second backward into the same gradients doubles them.
  Vecs<double> g2 = g;
  c.template backward<double>(x, r, g2);
  Vecs<float> gf2 = gf;
  c.template backward<float>(xf, cast_vec<float>(r), gf2);
  double acc_d = 0, acc_f = 0;
  for (size_t t = 0; t < g.size(); ++t) {
    Vec<double> twice = g[t];
    for (auto &v : twice) v *= 2;
    acc_d = std::max(acc_d, rel_err(g2[t], twice));
    Vec<float> twice_f = gf[t];
    for (auto &v : twice_f) v *= 2;
    acc_f = std::max(acc_f, rel_err(gf2[t], twice_f));
  }

  const std::string name = c.name();
  report(ref_err < 1e-12, "%-52s forward vs reference: rel err %.2e", name.c_str(), ref_err);
  report(fd.bad == 0 && fd.checked > 0, "%-52s backward vs finite differences: %lld elems, max abs %.2e, max rel %.2e (|g| > 1e-4)%s",
         name.c_str(), (long long)fd.checked, fd.max_abs, fd.max_rel, worst.c_str());
  report(f_fwd < f32_tol && f_bwd < f32_tol, "%-52s float vs double: forward %.2e, backward %.2e", name.c_str(), f_fwd,
         f_bwd);
  report(acc_d < 1e-13 && acc_f < 1e-6, "%-52s accumulate: 2nd backward doubles (err %.1e double, %.1e float)",
         name.c_str(), acc_d, acc_f);
}

// ---------------------------------------------------------------------------------------------------------------
// Special checks
// ---------------------------------------------------------------------------------------------------------------
template <typename T>
void check_attention_masks_t(const AttentionCase &c, const char *tname) {
  std::mt19937_64 rng(77);
  const Vecs<T> x = cast_vecs<T>(make_inputs(c, rng));
  const Vec<T> base = c.template forward<T>(x);
  const Vec<int32_t> st = c.starts();
  const int64_t row = c.H * c.hd;
  // Sequences are independent: rewriting every row outside sequence b leaves b's outputs unchanged.
  {
    bool ok = true;
    for (int64_t b = 0; b < c.B(); ++b) {
      Vecs<T> x2 = x;
      for (int64_t r = 0; r < c.N(); ++r)
        if (r < st[b] || r >= st[b + 1])
          for (int64_t e = 0; e < row; ++e) x2[0][r * row + e] -= T(1), x2[1][r * row + e] += T(3), x2[2][r * row + e] -= T(5);
      const Vec<T> out = c.template forward<T>(x2);
      for (int64_t e = st[b] * row; e < st[b + 1] * row; ++e) ok = ok && out[e] == base[e];
    }
    report(ok, "attention<%s> sequences: rewriting the other sequences' q/k/v leaves each one's outputs unchanged", tname);
  }
  // Causality: rewrite k and v at position p of every sequence; its queries before p do not move.
  {
    bool ok = true;
    for (int64_t p = 1; p < 200; ++p) {
      Vecs<T> x2 = x;
      bool any = false;
      for (int64_t b = 0; b < c.B(); ++b)
        if (st[b] + p < st[b + 1]) {
          any = true;
          for (int64_t e = 0; e < row; ++e) x2[1][(st[b] + p) * row + e] += T(1), x2[2][(st[b] + p) * row + e] += T(2);
        }
      if (!any) break;
      const Vec<T> out = c.template forward<T>(x2);
      for (int64_t b = 0; b < c.B(); ++b)
        for (int64_t i = st[b]; i < std::min<int64_t>(st[b] + p, st[b + 1]); ++i)
          for (int64_t e = 0; e < row; ++e) ok = ok && out[i * row + e] == base[i * row + e];
    }
    report(ok, "attention<%s> causal: changing position p's k/v leaves queries < p unchanged", tname);
  }
  // A query that sees only itself (every sequence's first row) outputs its own v exactly.
  {
    bool ok = true;
    for (int64_t b = 0; b < c.B(); ++b)
      if (st[b] < st[b + 1])
        for (int64_t e = 0; e < row; ++e) ok = ok && base[st[b] * row + e] == x[2][st[b] * row + e];
    bool finite = true;
    for (T v : base) finite = finite && std::isfinite(v);
    report(ok && finite, "attention<%s> first row of each sequence: output = its v", tname);
  }
}

void check_attention_masks(const AttentionCase &c) {
  check_attention_masks_t<double>(c, "double");
  check_attention_masks_t<float>(c, "float");
}

// The conv writes exactly To·Co outputs and reads only the (To − 1)·stride + k input rows (NaN beyond them).
void check_conv_extent() {
  bool ok = true;
  for (int64_t k = 1; k <= 5; ++k)
    for (int64_t s = 1; s <= 3; ++s)
      for (int64_t To = 1; To <= 9; ++To) {
        const int64_t Ci = 2, Co = 3, Ti = (To - 1) * s + k;
        Vec<float> in(Ci * (Ti + 4), std::numeric_limits<float>::quiet_NaN()), W(Co * Ci * k, 0.25f), bias(Co, 1.f),
            out(Co * To + 8, -7.f);
        std::fill(in.begin(), in.begin() + Ci * Ti, 0.5f);
        eg::conv1d_forward(out.data(), in.data(), W.data(), bias.data(), To, Ci, Co, k, s, 0);
        for (int64_t e = 0; e < Co * To; ++e) ok = ok && out[e] == 1.f + 0.25f * 0.5f * Ci * k;
        for (int64_t e = Co * To; e < Co * To + 8; ++e) ok = ok && out[e] == -7.f;
      }
  report(ok, "conv1d extent: writes To·Co outputs, reads (To − 1)·stride + k rows, for k ≤ 5, stride ≤ 3, To ≤ 9");
}

void check_cross_entropy_accumulate() {
  std::mt19937_64 rng(91);
  const int64_t N = 5, V = 9, S = 4;
  const Vec<double> logits = random_vec(rng, N * V, -2, 2);
  const Vec<int32_t> select = {7, 2, 5, 0}, target = random_ids(rng, N, S);
  for (const bool with_select : {false, true}) {
    const Vec<int32_t> tgt = with_select ? target : random_ids(rng, N, V);
    const int32_t *sel = with_select ? select.data() : nullptr;
    Vec<double> fresh(N * V, 0.0), pre = random_vec(rng, N * V), acc = pre;
    const double l1 = eg::cross_entropy_forward_backward<double>(fresh.data(), logits.data(), tgt.data(), sel, N, V, S);
    const double l2 = eg::cross_entropy_forward_backward<double>(acc.data(), logits.data(), tgt.data(), sel, N, V, S);
    double err = 0, outside = 0, row_sum = 0;
    for (int64_t e = 0; e < N * V; ++e) err = std::max(err, std::fabs(acc[e] - pre[e] - fresh[e]));
    if (with_select)  // columns not selected get nothing
      for (int64_t n = 0; n < N; ++n)
        for (int64_t v = 0; v < V; ++v)
          if (std::find(select.begin(), select.end(), v) == select.end()) outside = std::max(outside, std::fabs(fresh[n * V + v]));
    for (int64_t n = 0; n < N; ++n) {  // softmax − one-hot sums to zero per row
      double s = 0;
      for (int64_t v = 0; v < V; ++v) s += fresh[n * V + v];
      row_sum = std::max(row_sum, std::fabs(s));
    }
    report(err < 1e-15 && l1 == l2 && outside == 0 && row_sum < 1e-15,
           "cross_entropy%s: accumulates onto dlogits (err %.1e), same loss, unselected columns untouched, rows sum "
           "to 0 (%.1e)",
           with_select ? " (select)" : "", err, row_sum);
  }
}

void check_l2norm_zero_row() {
  const int64_t d = 5;
  Vec<double> x(2 * d, 0.0), out(2 * d), norm(2), dx(2 * d, 0.0), dout(2 * d, 1e-13);
  for (int64_t j = 0; j < d; ++j) x[d + j] = j + 1.0;
  eg::l2norm_forward(out.data(), norm.data(), x.data(), 2, d);
  eg::l2norm_backward(dx.data(), dout.data(), out.data(), norm.data(), 2, d);
  bool ok = norm[0] == 0;
  for (int64_t j = 0; j < d; ++j) ok = ok && out[j] == 0 && std::isfinite(dx[j]) && std::fabs(dx[j] - 0.1) < 1e-12;
  report(ok, "l2norm zero row: output 0, gradient dout / 1e-12 (finite)");
}

// gemm_f32 on its own: every operand layout, = and +=, k = 0, against a double reference; results independent of
// the thread count (each element is summed in a fixed order).
void check_gemm() {
  const auto &K = ak::cpu::kernels();
  std::mt19937_64 rng(5);
  struct Shape { int64_t m, n, k; };
  double worst = 0;
  bool same = true, ok = true;
  for (const Shape s : {Shape{1, 1, 1}, Shape{7, 13, 5}, Shape{33, 65, 300}, Shape{200, 9, 17}, Shape{5, 700, 513},
                        Shape{129, 257, 260}}) {
    for (int layout = 0; layout < 4; ++layout) {
      const bool at = layout & 1, bt = layout & 2;
      const Vec<double> a = random_vec(rng, s.m * s.k), b = random_vec(rng, s.k * s.n), c0 = random_vec(rng, s.m * s.n);
      const Vec<float> af = cast_vec<float>(a), bf = cast_vec<float>(b);
      // A stored [m, k] (rs = k, cs = 1) or as its transpose [k, m] (rs = 1, cs = m); likewise B.
      const int64_t a_rs = at ? 1 : s.k, a_cs = at ? s.m : 1, b_rs = bt ? 1 : s.n, b_cs = bt ? s.k : 1;
      for (const bool accumulate : {false, true}) {
        Vec<double> ref = accumulate ? c0 : Vec<double>(s.m * s.n, 0.0);
        double scale = 0;
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j) {
            double sum = 0, mag = 0;
            for (int64_t p = 0; p < s.k; ++p) {
              sum += a[i * a_rs + p * a_cs] * b[p * b_rs + j * b_cs];
              mag += std::fabs(a[i * a_rs + p * a_cs] * b[p * b_rs + j * b_cs]);
            }
            ref[i * s.n + j] += sum;
            scale = std::max(scale, mag);
          }
        Vec<float> c1 = cast_vec<float>(c0), c4 = c1;
        K.gemm_f32(s.m, s.n, s.k, af.data(), a_rs, a_cs, bf.data(), b_rs, b_cs, c1.data(), s.n, accumulate, 1);
        K.gemm_f32(s.m, s.n, s.k, af.data(), a_rs, a_cs, bf.data(), b_rs, b_cs, c4.data(), s.n, accumulate, 4);
        double err = 0;
        for (int64_t e = 0; e < s.m * s.n; ++e) err = std::max(err, std::fabs(c1[e] - ref[e]));
        err /= std::max(scale, 1.0);
        worst = std::max(worst, err);
        ok = ok && err < 1e-6;
        same = same && c1 == c4;
      }
    }
  }
  // Called from inside a parallel region (the nested team has one thread): still every block of C, same bits.
  bool nested = true;
  {
    const int64_t m = 150, n = 90, k = 70;
    const Vec<float> a = cast_vec<float>(random_vec(rng, m * k)), b = cast_vec<float>(random_vec(rng, k * n));
    Vec<float> want(m * n);
    K.gemm_f32(m, n, k, a.data(), k, 1, b.data(), n, 1, want.data(), n, false, 4);
    Vecs<float> got(2, Vec<float>(m * n, -1.f));
#pragma omp parallel for num_threads(2)
    for (int r = 0; r < 2; ++r) K.gemm_f32(m, n, k, a.data(), k, 1, b.data(), n, 1, got[r].data(), n, false, 4);
    nested = got[0] == want && got[1] == want;
  }
  // k = 0: C = 0, or untouched when accumulating.
  Vec<float> c(6, 3.f), d = c;
  K.gemm_f32(2, 3, 0, nullptr, 0, 1, nullptr, 3, 1, c.data(), 3, false, 0);
  K.gemm_f32(2, 3, 0, nullptr, 0, 1, nullptr, 3, 1, d.data(), 3, true, 0);
  const bool k0 = c == Vec<float>(6, 0.f) && d == Vec<float>(6, 3.f);
  report(ok && same && k0 && nested,
         "gemm_f32 (%s): 6 shapes × 4 layouts × (=, +=) vs double: max err %.2e of Σ|a·b|; 1 vs 4 threads "
         "bitwise %s; k = 0 %s; nested in a parallel region %s",
         K.isa, worst, same ? "equal" : "DIFFERENT", k0 ? "ok" : "WRONG", nested ? "ok" : "WRONG");
}

// ---------------------------------------------------------------------------------------------------------------
int run_ops() {
  std::printf("engine_check --ops: cpu isa %s, %d threads\n", ak_cpu_isa(), ak_get_num_threads());
  std::mt19937_64 rng(2024);

  check_gemm();

  {
    EmbeddingCase e{11, 7, 13, random_ids(rng, 7, 11)};
    e.ids[3] = e.ids[5];  // a repeated id accumulates
    check_case(e, 1);
    EmbeddingCase g{7, 9, 13, random_ids(rng, 9, 7), true};
    g.ids[0] = g.ids[8];
    check_case(g, 2);
  }
  check_case(LinearCase{7, 13, 5, true}, 3);
  check_case(LinearCase{7, 13, 5, false}, 4);
  check_case(LinearCase{1, 3, 1, true}, 5);
  check_case(LinearCase{131, 300, 77, true}, 6, 40);  // full GEMM tiles, two depth blocks, threads split
  check_case(LinearCase{131, 300, 77, true, 1}, 6, 10);
  check_case(RmsNormCase{7, 13}, 7);
  // d = 1: out ≈ sign(x)·w, so dx is a small difference of O(1) terms — float loses digits there by nature.
  check_case(RmsNormCase{3, 1}, 8, -1, 1e-4);
  {
    std::vector<int32_t> pos = random_ids(rng, 7, 60);
    pos[0] = 0;
    check_case(RopeCase{7, 3, 6, pos}, 9);
    check_case(RopeCase{5, 2, 8, random_ids(rng, 5, 4000)}, 10);
  }
  {
    AttentionCase a{{9, 1, 0, 6}, 3, 6};  // an empty sequence and a one-row one among them
    check_case(a, 11);
    check_attention_masks(a);
    AttentionCase one{{1}, 1, 4};
    check_case(one, 12);
    AttentionCase big{{70, 45, 97}, 2, 16};  // several query tiles per sequence
    check_case(big, 13, 30);
    check_attention_masks(big);
    big.threads = 1;
    check_case(big, 13, 5);
  }
  check_case(SwiGluCase{91}, 14);
  check_case(SwiGluCase{9001}, 14, 50);  // several chunks and a partial vector at the end
  check_case(GeluCase{91}, 15);
  check_case(GeluCase{9001}, 15, 50);
  for (int64_t k : {3, 4, 1})
    for (int64_t s : {1, 2, 3}) check_case(ConvCase{4, 5, 5, k, s}, 16 + k * 3 + s);
  check_case(ConvCase{3, 4, 2, 5, 2, false}, 30);
  check_case(ConvCase{37, 61, 70, 3, 2}, 31, 40);  // the GEMM's full tiles
  check_conv_extent();
  check_case(L2NormCase{7, 13}, 32);
  check_l2norm_zero_row();
  {
    CrossEntropyCase all{7, 11, 11, random_ids(rng, 7, 11), {}};
    check_case(all, 33);
    CrossEntropyCase sel{7, 11, 4, random_ids(rng, 7, 4), {9, 0, 4, 6}};
    check_case(sel, 34);
    check_cross_entropy_accumulate();
  }

  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Benchmark
// ---------------------------------------------------------------------------------------------------------------
double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename F>
double median_ms(int reps, F &&f) {
  f();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    f();
    t.push_back(now_ms() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int run_bench() {
  std::printf("engine_check --bench: cpu isa %s, %d threads\n", ak_cpu_isa(), ak_get_num_threads());
  std::printf("%-28s %12s %12s %12s %12s\n", "linear<float>", "fwd ms", "fwd GFLOP/s", "bwd ms", "bwd GFLOP/s");
  struct Shape { int64_t N, i, o; };
  std::mt19937_64 rng(1);
  for (const Shape s : {Shape{2048, 256, 256}, Shape{2048, 256, 704}, Shape{2048, 704, 256}, Shape{2048, 1024, 1024}}) {
    const Vec<float> in = cast_vec<float>(random_vec(rng, s.N * s.i)), W = cast_vec<float>(random_vec(rng, s.i * s.o)),
                     bias = cast_vec<float>(random_vec(rng, s.o)), dout = cast_vec<float>(random_vec(rng, s.N * s.o));
    Vec<float> out(s.N * s.o), din(s.N * s.i, 0.f), dW(s.i * s.o, 0.f), dbias(s.o, 0.f);
    const double flops = 2.0 * s.N * s.i * s.o;
    const double fwd = median_ms(15, [&] { eg::linear_forward(out.data(), in.data(), W.data(), bias.data(), s.N, s.i, s.o, 0); });
    const double bwd = median_ms(15, [&] {
      eg::linear_backward(din.data(), dW.data(), dbias.data(), dout.data(), in.data(), W.data(), s.N, s.i, s.o, 0);
    });
    std::printf("%-28s %12.3f %12.1f %12.3f %12.1f\n",
                fmt("N=%lld %lld→%lld", (long long)s.N, (long long)s.i, (long long)s.o).c_str(), fwd, flops / (fwd * 1e6),
                bwd, 2 * flops / (bwd * 1e6));
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  bool ops = false, bench = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--ops")) ops = true;
    else if (!std::strcmp(argv[i], "--bench")) bench = true;
    else {
      std::fprintf(stderr, "usage: %s --ops | --bench\n", argv[0]);
      return 2;
    }
  }
  if (!ops && !bench) {
    std::fprintf(stderr, "usage: %s --ops | --bench\n", argv[0]);
    return 2;
  }
  int rc = 0;
  if (ops) rc = run_ops();
  if (bench) rc = run_bench() || rc;
  return rc;
}
