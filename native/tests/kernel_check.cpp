// kernel_check: the standalone correctness check and benchmark of the aurola kernels (no Node.js needed).
//
//   kernel_check --check            compare the C API (CPU, and CUDA when a device is present) with double-precision
//                                   references written here; prints one line per case group and "N passed, M failed"
//   kernel_check --bench [--quick]  time the CPU path (and the CUDA device-pointer path on a GPU host); one JSON
//                                   object per case, then a table
//
// The references are deliberately naive: similarity and top-k from a full double score matrix and a full sort;
// Hybrid-NCE from the formula with explicit B x B double matrices and its analytic gradient, which is itself checked
// against central finite differences on a tiny case. f16/bf16 inputs are rounded here first, so only the kernels'
// f32 accumulation differs from the reference.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "aurola_kernels.h"
#ifdef AK_WITH_CUDA
#include "cuda/cuda_bench.hpp"
#include "cuda/cuda_kernels.hpp"
#endif

#include "check_tally.hpp"

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const float kInfF = std::numeric_limits<float>::infinity();

using check::GroupScope;
using check::report_failure;

const char *dtype_name(ak_dtype t) { return t == AK_F32 ? "f32" : t == AK_F16 ? "f16" : "bf16"; }
const char *device_name(ak_device d) { return d == AK_DEVICE_CUDA ? "cuda" : "cpu"; }
const char *dir_name(int d) { return d == AK_NCE_A2T ? "a2t" : d == AK_NCE_T2A ? "t2a" : "both"; }

std::vector<ak_device> devices() {
  std::vector<ak_device> v{AK_DEVICE_CPU};
  if (ak_cuda_device_count() > 0) v.push_back(AK_DEVICE_CUDA);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Storage types, rounded here independently of the library (round to nearest even)
// ---------------------------------------------------------------------------------------------------------------
uint32_t fbits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float bitsf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint16_t to_bf16(float f) {
  uint32_t u = fbits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
float from_bf16(uint16_t h) { return bitsf(static_cast<uint32_t>(h) << 16); }
uint16_t to_f16(float f) {
  const uint32_t u = fbits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u;
  if (a >= 0x477ff000u) return sign | 0x7c00u;  // 65520 and up round to inf
  if (a < 0x38800000u) {                        // subnormal half: multiples of 2^-24
    const double m = std::nearbyint(static_cast<double>(bitsf(a)) * 16777216.0);
    return sign | static_cast<uint16_t>(m);
  }
  uint32_t v = a - 0x38000000u;  // rebias the exponent (127 -> 15)
  v += 0xfffu + ((v >> 13) & 1u);
  return sign | static_cast<uint16_t>(v >> 13);
}
float from_f16(uint16_t h) {
  const int e = (h >> 10) & 31, m = h & 1023;
  const float s = (h & 0x8000u) ? -1.f : 1.f;
  if (e == 0) return s * std::ldexp(static_cast<float>(m), -24);
  if (e == 31) return m ? std::numeric_limits<float>::quiet_NaN() : s * kInfF;
  return s * std::ldexp(static_cast<float>(1024 + m), e - 25);
}

// A matrix in one storage type, with the exact values it holds (after rounding) as doubles.
struct Mat {
  ak_dtype dt = AK_F32;
  int64_t rows = 0, cols = 0;
  std::vector<float> f;
  std::vector<uint16_t> h;
  std::vector<double> v;
  const void *data() const { return dt == AK_F32 ? static_cast<const void *>(f.data()) : h.data(); }
  double at(int64_t r, int64_t c) const { return v[r * cols + c]; }
};

Mat make_mat(ak_dtype dt, int64_t rows, int64_t cols, const std::vector<float> &src) {
  Mat m;
  m.dt = dt;
  m.rows = rows;
  m.cols = cols;
  m.v.resize(rows * cols);
  if (dt == AK_F32) {
    m.f = src;
    for (int64_t i = 0; i < rows * cols; ++i) m.v[i] = src[i];
  } else {
    m.h.resize(rows * cols);
    for (int64_t i = 0; i < rows * cols; ++i) {
      m.h[i] = dt == AK_F16 ? to_f16(src[i]) : to_bf16(src[i]);
      m.v[i] = dt == AK_F16 ? from_f16(m.h[i]) : from_bf16(m.h[i]);
    }
  }
  return m;
}

std::vector<float> random_values(std::mt19937_64 &rng, int64_t count, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> x(count);
  for (auto &e : x) e = u(rng);
  return x;
}
// Rows scaled to unit length (the cosine-similarity inputs the loss is meant for).
std::vector<float> unit_rows(std::mt19937_64 &rng, int64_t rows, int64_t cols) {
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<float> x(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) {
      x[r * cols + c] = nd(rng);
      s += double(x[r * cols + c]) * x[r * cols + c];
    }
    const float inv = s > 0 ? static_cast<float>(1.0 / std::sqrt(s)) : 1.f;
    for (int64_t c = 0; c < cols; ++c) x[r * cols + c] *= inv;
  }
  return x;
}

// Reference scores and the tolerance of each: relative 1e-5 of sum |q_k c_k| (the size of the rounding an f32 sum
// of those products can make, for the d used here).
void ref_scores(const Mat &Q, const Mat &C, std::vector<double> &s, std::vector<double> &tol) {
  const int64_t q = Q.rows, n = C.rows, d = Q.cols;
  s.assign(q * n, 0.0);
  tol.assign(q * n, 0.0);
  for (int64_t i = 0; i < q; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0, mag = 0;
      for (int64_t k = 0; k < d; ++k) {
        const double p = Q.at(i, k) * C.at(j, k);
        acc += p;
        mag += std::fabs(p);
      }
      s[i * n + j] = acc;
      tol[i * n + j] = 1e-5 * mag + 1e-30;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------------------------
void check_convert() {
  GroupScope gs("convert f32 <-> f16/bf16");
  std::mt19937_64 rng(11);
  std::vector<float> x = random_values(rng, 4000, -70000.f, 70000.f);
  const float specials[] = {0.f, -0.f, 1.f, -1.f, 65504.f, 65520.f, 1e-8f, 6e-8f, 3e-5f, 6.1e-5f, 1e-40f,
                            kInfF, -kInfF, std::numeric_limits<float>::quiet_NaN(), 0.33333334f, 2.5f};
  for (float s : specials) x.push_back(s);
  auto small = random_values(rng, 2000, -1e-4f, 1e-4f);
  x.insert(x.end(), small.begin(), small.end());
  const int64_t n = static_cast<int64_t>(x.size());
  for (ak_dtype dt : {AK_F16, AK_BF16}) {
    std::vector<uint16_t> h(n);
    CHECK(ak_convert(x.data(), AK_F32, h.data(), dt, n) == AK_OK, "convert to %s: %s", dtype_name(dt), ak_last_error());
    int bad = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint16_t want = dt == AK_F16 ? to_f16(x[i]) : to_bf16(x[i]);
      const bool nan = x[i] != x[i];
      const bool ok = nan ? (dt == AK_F16 ? ((h[i] & 0x7c00u) == 0x7c00u && (h[i] & 0x3ffu))
                                          : ((h[i] & 0x7f80u) == 0x7f80u && (h[i] & 0x7fu)))
                          : h[i] == want;
      if (!ok && bad++ < 3) report_failure("convert %g to %s: got 0x%04x want 0x%04x", x[i], dtype_name(dt), h[i], want);
    }
    CHECK(bad == 0, "convert to %s: %d mismatches", dtype_name(dt), bad);
    std::vector<float> back(n);
    CHECK(ak_convert(h.data(), dt, back.data(), AK_F32, n) == AK_OK, "convert from %s", dtype_name(dt));
    bad = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float want = dt == AK_F16 ? from_f16(h[i]) : from_bf16(h[i]);
      if (!(fbits(back[i]) == fbits(want) || (want != want && back[i] != back[i]))) ++bad;
    }
    CHECK(bad == 0, "convert from %s: %d mismatches", dtype_name(dt), bad);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Similarity
// ---------------------------------------------------------------------------------------------------------------
void check_similarity() {
  GroupScope gs("similarity vs double reference");
  struct Shape { int64_t q, n, d; };
  const Shape shapes[] = {{1, 1, 1}, {1, 7, 3}, {3, 5, 17}, {17, 33, 129}, {64, 130, 64},
                          {5, 300, 8}, {130, 70, 16}, {2, 1000, 1}, {20, 129, 33}};
  const ak_dtype types[] = {AK_F32, AK_F16, AK_BF16};
  std::mt19937_64 rng(21);
  for (ak_device dev : devices())
    for (const Shape &sh : shapes)
      for (ak_dtype qt : types)
        for (ak_dtype ct : types) {
          const Mat Q = make_mat(qt, sh.q, sh.d, random_values(rng, sh.q * sh.d));
          const Mat C = make_mat(ct, sh.n, sh.d, random_values(rng, sh.n * sh.d));
          std::vector<double> ref, tol;
          ref_scores(Q, C, ref, tol);
          std::vector<float> S(sh.q * sh.n, std::numeric_limits<float>::quiet_NaN());
          const ak_status st = ak_similarity(dev, Q.data(), qt, C.data(), ct, sh.q, sh.n, sh.d, S.data());
          CHECK(st == AK_OK, "similarity %s q=%lld n=%lld d=%lld %s/%s: status %d %s", device_name(dev),
                (long long)sh.q, (long long)sh.n, (long long)sh.d, dtype_name(qt), dtype_name(ct), st, ak_last_error());
          if (st != AK_OK) continue;
          int64_t bad = 0, worst = -1;
          double worst_err = 0;
          for (int64_t e = 0; e < sh.q * sh.n; ++e) {
            const double err = std::fabs(S[e] - ref[e]);
            if (!(err <= tol[e])) {
              ++bad;
              if (!(err <= worst_err)) worst_err = err, worst = e;
            }
          }
          CHECK(bad == 0, "similarity %s q=%lld n=%lld d=%lld %s/%s: %lld bad, e.g. [%lld] got %.9g want %.9g",
                device_name(dev), (long long)sh.q, (long long)sh.n, (long long)sh.d, dtype_name(qt), dtype_name(ct),
                (long long)bad, (long long)worst, worst >= 0 ? S[worst] : 0.f, worst >= 0 ? ref[worst] : 0.0);
        }
}

// ---------------------------------------------------------------------------------------------------------------
// Top-k
// ---------------------------------------------------------------------------------------------------------------
bool bit(const std::vector<uint8_t> &allow, int64_t j) { return allow.empty() || ((allow[j >> 3] >> (j & 7)) & 1); }

// Checks one query's results against the reference scores of its row. `ctx` names the case in failures.
// exact: the reference scores are exact (tol 0), so ties must come out in row order and the ids must match all
// the way.
bool check_query_topk(const std::string &ctx, int64_t qi, const double *ref, const double *tol, int64_t n,
                      const std::vector<uint8_t> &allow, int64_t k, const float *got_s, const int32_t *got_id,
                      bool exact) {
  // Reference order: score descending, then row ascending; NaN below every number.
  std::vector<int64_t> order;
  for (int64_t j = 0; j < n; ++j)
    if (bit(allow, j)) order.push_back(j);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const bool na = std::isnan(ref[a]), nb = std::isnan(ref[b]);
    if (na != nb) return nb;
    if (!na && ref[a] != ref[b]) return ref[a] > ref[b];
    return a < b;
  });
  const int64_t kk = std::min<int64_t>(k, static_cast<int64_t>(order.size()));
  char where[160];
  std::snprintf(where, sizeof where, "%s query %lld", ctx.c_str(), (long long)qi);
  std::vector<char> seen(n, 0);
  bool ok = true;
  // Records the first problem of this query only (later ones usually follow from it).
  auto fail = [&](const char *fmt, ...) {
    if (ok) {
      char msg[240];
      std::va_list args;
      va_start(args, fmt);
      std::vsnprintf(msg, sizeof msg, fmt, args);
      va_end(args);
      report_failure("%s: %s", where, msg);
    }
    ok = false;
  };
  for (int64_t r = 0; r < kk; ++r) {
    const int32_t id = got_id[r];
    if (id < 0 || id >= n) { fail("slot %lld: id %d out of range (n=%lld)", (long long)r, id, (long long)n); break; }
    if (!bit(allow, id)) { fail("slot %lld: row %d not allowed", (long long)r, id); break; }
    if (seen[id]) { fail("slot %lld: row %d returned twice", (long long)r, id); break; }
    seen[id] = 1;
    const double want = ref[id];
    if (std::isnan(want)) {
      // The API leaves the reported score of a NaN row open: NaN, or -inf as the CPU path reports it.
      if (!(got_s[r] != got_s[r] || got_s[r] == -kInfF)) fail("slot %lld: NaN row %d reported %g", (long long)r, id, got_s[r]);
    } else if (!(std::fabs(got_s[r] - want) <= tol[id])) {
      fail("slot %lld: row %d score %.9g, recomputed %.9g", (long long)r, id, got_s[r], want);
    }
    if (r > 0) {
      const float a = got_s[r - 1], b = got_s[r];
      const bool an = std::isnan(ref[got_id[r - 1]]), bn = std::isnan(want);
      if (an && !bn) fail("slot %lld: number after a NaN row (%g, %g)", (long long)r, a, b);
      if (!an && !bn && a < b) fail("slot %lld: scores not descending (%.9g then %.9g)", (long long)r, a, b);
      if (!an && !bn && a == b && got_id[r - 1] > id) fail("slot %lld: tie not by row (%d before %d)", (long long)r, got_id[r - 1], id);
      if (an && bn && got_id[r - 1] > id) fail("slot %lld: NaN rows not by row (%d before %d)", (long long)r, got_id[r - 1], id);
    }
  }
  if (!ok) return false;
  // The set is a top-k up to near ties: every row left out ranks no better than the worst one returned.
  if (kk > 0) {
    const double kth = ref[order[kk - 1]];
    for (int64_t j : order) {
      if (seen[j]) continue;
      if (std::isnan(ref[j])) continue;
      if (std::isnan(kth)) { fail("row %lld (a number, %g) left out while NaN rows are returned", (long long)j, ref[j]); break; }
      if (ref[j] > kth + tol[j] + tol[order[kk - 1]]) { fail("row %lld (%.9g) left out, beats the k-th %.9g", (long long)j, ref[j], kth); break; }
    }
  }
  // Where the reference order is not a near tie, the ids must be exactly the reference ids.
  for (int64_t r = 0; r < kk && ok; ++r) {
    const int64_t j = order[r];
    if (std::isnan(ref[j])) {
      if (got_id[r] != j) fail("slot %lld: NaN part, row %d, want %lld", (long long)r, got_id[r], (long long)j);
      continue;
    }
    bool isolated = true;
    const double gap = 2 * tol[j] + 1e-30;
    if (r > 0 && !std::isnan(ref[order[r - 1]]) && std::fabs(ref[order[r - 1]] - ref[j]) <= gap + tol[order[r - 1]]) isolated = false;
    if (r + 1 < static_cast<int64_t>(order.size()) && !std::isnan(ref[order[r + 1]]) &&
        std::fabs(ref[order[r + 1]] - ref[j]) <= gap + tol[order[r + 1]])
      isolated = false;
    if ((isolated || exact) && got_id[r] != j) fail("slot %lld: row %d, reference row %lld", (long long)r, got_id[r], (long long)j);
  }
  for (int64_t r = kk; r < k && ok; ++r)
    if (!(got_s[r] == -kInfF && got_id[r] == -1)) fail("empty slot %lld: (%g, %d) instead of (-inf, -1)", (long long)r, got_s[r], got_id[r]);
  return ok;
}

// Runs one search case on one device and checks every query, or the queries in `checked` (then ref and tol hold
// one row per checked query, in that order). `tag` is added to the case name.
void run_search_case(ak_device dev, const Mat &Q, const Mat &C, int64_t k, const std::vector<uint8_t> &allow,
                     const char *allow_name, const std::vector<double> &ref, const std::vector<double> &tol,
                     bool exact = false, const std::vector<int64_t> *checked = nullptr, const char *tag = "") {
  const int64_t q = Q.rows, n = C.rows, d = Q.cols;
  char ctx[200];
  std::snprintf(ctx, sizeof ctx, "search %s%s q=%lld n=%lld d=%lld k=%lld %s/%s allow=%s", device_name(dev), tag,
                (long long)q, (long long)n, (long long)d, (long long)k, dtype_name(Q.dt), dtype_name(C.dt), allow_name);
  std::vector<float> s(q * k, 12345.f);
  std::vector<int32_t> id(q * k, -7);
  int64_t kout = -5;
  const ak_status st = ak_search_topk(dev, Q.data(), Q.dt, C.data(), C.dt, q, n, d, k,
                                      allow.empty() ? nullptr : allow.data(), s.data(), id.data(), &kout);
  CHECK(st == AK_OK, "%s: status %d %s", ctx, st, ak_last_error());
  if (st != AK_OK) return;
  int64_t allowed = 0;
  for (int64_t j = 0; j < n; ++j) allowed += bit(allow, j);
  CHECK(kout == std::min(k, allowed), "%s: k_out %lld, want %lld", ctx, (long long)kout, (long long)std::min(k, allowed));
  bool all = true;
  const int64_t rows = checked ? static_cast<int64_t>(checked->size()) : q;
  for (int64_t t = 0; t < rows; ++t) {
    const int64_t i = checked ? (*checked)[t] : t;
    all = check_query_topk(ctx, i, ref.data() + t * n, tol.data() + t * n, n, allow, k, s.data() + i * k,
                           id.data() + i * k, exact) && all;
  }
  CHECK(all, "%s: see above", ctx);
}

// Every device; on CUDA a second time with a tiny candidate budget, so that even small cases go through many
// corpus chunks and buffer compactions (AUROLA_CUDA_TOPK_BUDGET, read by the CUDA twin).
void run_search_all(const Mat &Q, const Mat &C, int64_t k, const std::vector<uint8_t> &allow, const char *allow_name,
                    const std::vector<double> &ref, const std::vector<double> &tol, bool exact = false,
                    const std::vector<int64_t> *checked = nullptr) {
  for (ak_device dev : devices()) {
    run_search_case(dev, Q, C, k, allow, allow_name, ref, tol, exact, checked);
    if (dev == AK_DEVICE_CUDA) {
      setenv("AUROLA_CUDA_TOPK_BUDGET", "65536", 1);
      run_search_case(dev, Q, C, k, allow, allow_name, ref, tol, exact, checked, "(small budget)");
      unsetenv("AUROLA_CUDA_TOPK_BUDGET");
    }
  }
}

std::vector<uint8_t> make_allow(std::mt19937_64 &rng, int64_t n, const char *mode) {
  std::vector<uint8_t> a((n + 7) / 8, 0);
  if (!std::strcmp(mode, "none")) return {};
  if (!std::strcmp(mode, "zero")) return a;
  std::uniform_real_distribution<double> u(0, 1);
  const double p = !std::strcmp(mode, "half") ? 0.5 : 0.03;
  for (int64_t j = 0; j < n; ++j)
    if (u(rng) < p) a[j >> 3] |= static_cast<uint8_t>(1u << (j & 7));
  if (!std::strcmp(mode, "one")) {
    std::fill(a.begin(), a.end(), 0);
    const int64_t j = static_cast<int64_t>(u(rng) * n);
    a[j >> 3] |= static_cast<uint8_t>(1u << (j & 7));
  }
  // Bits past n must be ignored: set them.
  if (n % 8) a.back() |= static_cast<uint8_t>(0xffu << (n % 8));
  return a;
}

void check_search() {
  GroupScope gs("search_topk vs sorted double reference");
  struct Case { int64_t q, n, d, k; };
  const Case cases[] = {{1, 1, 1, 1},     {1, 10, 3, 7},    {3, 5, 17, 10},   {4, 100, 17, 1},  {7, 300, 129, 100},
                        {2, 50, 8, 50},   {33, 1000, 16, 7}, {5, 2000, 33, 100}, {1, 700, 1, 7}, {64, 513, 20, 10},
                        {2, 257, 64, 256}, {17, 129, 24, 1000}, {16, 1030, 256, 10}, {9, 515, 41, 5}};
  const std::pair<ak_dtype, ak_dtype> types[] = {{AK_F32, AK_F32}, {AK_F16, AK_F16}, {AK_BF16, AK_BF16},
                                                 {AK_F32, AK_F16}, {AK_BF16, AK_F32}};
  const char *modes[] = {"none", "half", "sparse", "zero", "one"};
  std::mt19937_64 rng(31);
  for (const Case &c : cases)
    for (const auto &tp : types) {
      const Mat Q = make_mat(tp.first, c.q, c.d, random_values(rng, c.q * c.d));
      const Mat C = make_mat(tp.second, c.n, c.d, random_values(rng, c.n * c.d));
      std::vector<double> ref, tol;
      ref_scores(Q, C, ref, tol);
      for (const char *mode : modes) {
        const std::vector<uint8_t> allow = make_allow(rng, c.n, mode);
        run_search_all(Q, C, c.k, allow, mode, ref, tol);
      }
    }
}

void check_search_special() {
  GroupScope gs("search_topk: big k, exact ties, NaN rows");
  std::mt19937_64 rng(41);
  // k up to 4096 (and k > n), with and without a filter.
  {
    const Mat Q = make_mat(AK_F16, 3, 24, random_values(rng, 3 * 24));
    const Mat C = make_mat(AK_F16, 5000, 24, random_values(rng, 5000 * 24));
    std::vector<double> ref, tol;
    ref_scores(Q, C, ref, tol);
    for (int64_t k : {4096, 6000}) {
      for (const char *mode : {"none", "half"}) {
        const auto allow = make_allow(rng, C.rows, mode);
        run_search_all(Q, C, k, allow, mode, ref, tol);
      }
    }
    const Mat Qf = make_mat(AK_F32, 2, 24, random_values(rng, 2 * 24));
    const Mat Cf = make_mat(AK_F32, 4500, 24, random_values(rng, 4500 * 24));
    ref_scores(Qf, Cf, ref, tol);
    run_search_all(Qf, Cf, 4096, {}, "none", ref, tol);
  }
  // A corpus longer than the CUDA twin's first chunk (32768 rows), with its default buffers.
  {
    const Mat Q = make_mat(AK_F16, 2, 8, random_values(rng, 2 * 8));
    const Mat C = make_mat(AK_F16, 40000, 8, random_values(rng, 40000 * 8));
    std::vector<double> ref, tol;
    ref_scores(Q, C, ref, tol);
    for (int64_t k : {10, 600}) run_search_all(Q, C, k, {}, "none", ref, tol);
  }
  // Exact ties: small integers make every score exact in f32 whatever the summation order, so the tie order
  // (lower row first) must come out exactly.
  for (ak_dtype dt : {AK_F32, AK_F16, AK_BF16}) {
    std::uniform_int_distribution<int> u(-2, 2);
    std::vector<float> qv(5 * 4), cv(600 * 4);
    for (auto &x : qv) x = static_cast<float>(u(rng));
    for (auto &x : cv) x = static_cast<float>(u(rng));
    const Mat Q = make_mat(dt, 5, 4, qv), C = make_mat(dt, 600, 4, cv);
    std::vector<double> ref, tol;
    ref_scores(Q, C, ref, tol);
    for (auto &t : tol) t = 0;  // exact
    for (int64_t k : {1, 7, 100, 600})
      for (const char *mode : {"none", "half"}) {
        const auto allow = make_allow(rng, C.rows, mode);
        run_search_all(Q, C, k, allow, mode, ref, tol, true);
      }
  }
  // NaN rows rank below every number, in row order, and fill the results only when numbers run out.
  {
    std::vector<float> qv = random_values(rng, 2 * 6), cv = random_values(rng, 40 * 6);
    for (int r : {0, 3, 17, 18, 39}) cv[r * 6 + 2] = std::numeric_limits<float>::quiet_NaN();
    const Mat Q = make_mat(AK_F32, 2, 6, qv), C = make_mat(AK_F32, 40, 6, cv);
    std::vector<double> ref, tol;
    ref_scores(Q, C, ref, tol);
    for (int64_t k : {5, 35, 37, 40, 50})
      run_search_all(Q, C, k, {}, "none", ref, tol);
  }
}

// Reference scores for the listed query rows only.
void ref_scores_rows(const Mat &Q, const Mat &C, const std::vector<int64_t> &rows, std::vector<double> &s,
                     std::vector<double> &tol) {
  Mat sub;
  sub.dt = Q.dt;
  sub.rows = static_cast<int64_t>(rows.size());
  sub.cols = Q.cols;
  for (int64_t i : rows) sub.v.insert(sub.v.end(), Q.v.begin() + i * Q.cols, Q.v.begin() + (i + 1) * Q.cols);
  ref_scores(sub, C, s, tol);
}

void check_search_many_queries() {
  GroupScope gs("search_topk: >4096 queries, ascending corpus");
  std::mt19937_64 rng(43);
  const int64_t q = 4100, n = 20000;
  std::vector<int64_t> checked;
  for (int64_t i = 0; i < q; ++i)
    if (i < 24 || i >= q - 8 || i % 211 == 0) checked.push_back(i);
  // More queries than one batch, with buffers small enough that the corpus takes several chunks.
  for (auto tp : {std::make_pair(AK_F16, AK_F16), std::make_pair(AK_F32, AK_F32)}) {
    const Mat Q = make_mat(tp.first, q, 4, random_values(rng, q * 4));
    const Mat C = make_mat(tp.second, n, 4, random_values(rng, n * 4));
    std::vector<double> ref, tol;
    ref_scores_rows(Q, C, checked, ref, tol);
    for (int64_t k : {10, 300})
      for (const char *mode : {"none", "half"}) {
        const auto allow = make_allow(rng, n, mode);
        run_search_all(Q, C, k, allow, mode, ref, tol, false, &checked);
      }
  }
  // Scores that grow with the row index: every chunk beats the threshold of the chunks before it (the worst
  // case for candidate buffers).
  {
    std::vector<float> qv(q * 2), cv(n * 2);
    std::uniform_real_distribution<float> u(0.5f, 1.f);
    for (int64_t i = 0; i < q; ++i) qv[i * 2] = u(rng), qv[i * 2 + 1] = u(rng) * 1e-3f;
    for (int64_t j = 0; j < n; ++j) cv[j * 2] = static_cast<float>(j) / n, cv[j * 2 + 1] = u(rng);
    const Mat Q = make_mat(AK_F32, q, 2, qv), C = make_mat(AK_F32, n, 2, cv);
    std::vector<double> ref, tol;
    ref_scores_rows(Q, C, checked, ref, tol);
    run_search_all(Q, C, 50, {}, "none", ref, tol, false, &checked);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hybrid-NCE reference
// ---------------------------------------------------------------------------------------------------------------
struct NceRef {
  double loss = 0;
  std::vector<double> dA, dT;
};

double logaddexp(double a, double b) {
  const double m = std::max(a, b);
  if (m == -kInf) return -kInf;
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

// One direction over the rows of S (B x B, S[r][j] = x_r . y_j). Adds the direction's mean loss times `half` to
// *loss and (scale/tau) dL_r/ds_rj to G. With `frozen` (B x B), the hard-negative weights are those constants
// instead (what detach means), which the finite-difference check of the detached gradient uses.
void nce_rows(const std::vector<double> &S, int64_t B, const std::vector<int32_t> &groups, const ak_nce_params &p,
              double half, double *loss, std::vector<double> *G, std::vector<double> *weights_out,
              const std::vector<double> *frozen) {
  const double tau = p.tau, alpha = p.alpha, beta = p.beta, lambda = p.lambda;
  const double scale = half / static_cast<double>(B);
  for (int64_t r = 0; r < B; ++r) {
    std::vector<int> pos(B);
    for (int64_t j = 0; j < B; ++j)
      pos[j] = j == r || (!groups.empty() && groups[r] >= 0 && groups[j] == groups[r]);
    double mP = -kInf, mN = -kInf;
    int64_t nN = 0;
    for (int64_t j = 0; j < B; ++j) {
      const double z = S[r * B + j] / tau;
      const double c = j == r ? 1.0 : lambda;
      if (pos[j]) {
        if (c > 0) mP = std::max(mP, z);
      } else {
        mN = std::max(mN, z);
        ++nN;
      }
    }
    double sP = 0, sX = 0, sY = 0;
    for (int64_t j = 0; j < B; ++j) {
      const double z = S[r * B + j] / tau;
      if (pos[j]) {
        const double c = j == r ? 1.0 : lambda;
        if (c > 0) sP += c * std::exp(z - mP);
      } else {
        sX += std::exp((1 + beta) * (z - mN));
        sY += std::exp(beta * (z - mN));
      }
    }
    const double logP = mP + std::log(sP);
    double logQ = -kInf, logX = 0, logY = 0;
    if (nN > 0) {
      logX = (1 + beta) * mN + std::log(sX);
      logY = beta * mN + std::log(sY);
      if (frozen) {
        // Q = sum_N w0_j e^{z_j}, with w0 fixed.
        double m = -kInf;
        for (int64_t j = 0; j < B; ++j)
          if (!pos[j]) m = std::max(m, S[r * B + j] / tau);
        double s = 0;
        for (int64_t j = 0; j < B; ++j)
          if (!pos[j]) s += (*frozen)[r * B + j] * std::exp(S[r * B + j] / tau - m);
        logQ = m + std::log(s);
      } else {
        logQ = std::log(static_cast<double>(nN)) + logX - logY;
      }
    }
    const double logD = logaddexp(alpha > 0 ? std::log(alpha) : -kInf, logQ - logP) + logP;
    *loss += scale * (logD - logP);
    const double w = logQ == -kInf ? 0.0 : std::exp(logQ - logD);  // Qn / D
    if (weights_out) {
      for (int64_t j = 0; j < B; ++j)
        (*weights_out)[r * B + j] = pos[j] ? 0.0 : nN * std::exp(beta * S[r * B + j] / tau - logY);
    }
    if (!G) continue;
    for (int64_t j = 0; j < B; ++j) {
      const double z = S[r * B + j] / tau;
      double gz;
      if (pos[j]) {
        const double c = j == r ? 1.0 : lambda;
        gz = -w * c * std::exp(z - logP);
      } else if (frozen) {
        gz = std::exp(logQ) > 0 ? w * (*frozen)[r * B + j] * std::exp(z - logQ) : 0.0;
      } else if (p.detach_weights) {
        gz = w * std::exp((1 + beta) * z - logX);
      } else {
        gz = w * ((1 + beta) * std::exp((1 + beta) * z - logX) - beta * std::exp(beta * z - logY));
      }
      (*G)[r * B + j] += scale / tau * gz;
    }
  }
}

// The full reference: loss and, when grads, dA and dT. frozen_a2t / frozen_t2a: see nce_rows.
NceRef nce_reference(const std::vector<double> &A, const std::vector<double> &T, int64_t B, int64_t d,
                     const std::vector<int32_t> &groups, const ak_nce_params &p, bool grads,
                     const std::vector<double> *frozen_a2t = nullptr, const std::vector<double> *frozen_t2a = nullptr) {
  NceRef out;
  std::vector<double> S(B * B), St(B * B);
  for (int64_t i = 0; i < B; ++i)
    for (int64_t j = 0; j < B; ++j) {
      double acc = 0;
      for (int64_t k = 0; k < d; ++k) acc += A[i * d + k] * T[j * d + k];
      S[i * B + j] = acc;
      St[j * B + i] = acc;
    }
  const double half = p.direction == AK_NCE_BOTH ? 0.5 : 1.0;
  std::vector<double> G(grads ? B * B : 0, 0.0), Gt(grads ? B * B : 0, 0.0);
  if (p.direction != AK_NCE_T2A) nce_rows(S, B, groups, p, half, &out.loss, grads ? &G : nullptr, nullptr, frozen_a2t);
  if (p.direction != AK_NCE_A2T) nce_rows(St, B, groups, p, half, &out.loss, grads ? &Gt : nullptr, nullptr, frozen_t2a);
  if (!grads) return out;
  // a2t: dA_i += sum_j G_ij t_j, dT_j += sum_i G_ij a_i; t2a (rows of S^T): dT_r += sum_j Gt_rj a_j, dA_j += Gt_rj t_r.
  out.dA.assign(B * d, 0.0);
  out.dT.assign(B * d, 0.0);
  for (int64_t i = 0; i < B; ++i)
    for (int64_t j = 0; j < B; ++j) {
      const double g = G[i * B + j] + Gt[j * B + i];  // both are dL/ds_ij
      if (g == 0) continue;
      for (int64_t k = 0; k < d; ++k) {
        out.dA[i * d + k] += g * T[j * d + k];
        out.dT[j * d + k] += g * A[i * d + k];
      }
    }
  return out;
}

// The analytic reference gradient against central differences of the reference loss, in double.
void check_nce_reference_gradient() {
  GroupScope gs("hybrid_nce reference gradient vs finite diff");
  std::mt19937_64 rng(51);
  const int64_t B = 5, d = 3;
  const std::vector<int32_t> groups{0, 1, 0, -1, 1};
  for (int dir = 0; dir < 3; ++dir)
    for (int detach = 0; detach < 2; ++detach)
      for (int use_groups = 0; use_groups < 2; ++use_groups) {
        const std::vector<float> af = random_values(rng, B * d), tf = random_values(rng, B * d);
        std::vector<double> A(af.begin(), af.end()), T(tf.begin(), tf.end());
        const ak_nce_params p{0.5f, 0.7f, 0.3f, 0.4f, dir, detach};
        const std::vector<int32_t> g = use_groups ? groups : std::vector<int32_t>{};
        const NceRef ref = nce_reference(A, T, B, d, g, p, true);
        // Detached weights: differentiate the loss with the weights frozen at this point.
        std::vector<double> wa(B * B), wt(B * B);
        const std::vector<double> *fa = nullptr, *ft = nullptr;
        if (detach) {
          std::vector<double> S(B * B), St(B * B);
          for (int64_t i = 0; i < B; ++i)
            for (int64_t j = 0; j < B; ++j) {
              double acc = 0;
              for (int64_t k = 0; k < d; ++k) acc += A[i * d + k] * T[j * d + k];
              S[i * B + j] = St[j * B + i] = acc;
            }
          double dummy = 0;
          nce_rows(S, B, g, p, 1.0, &dummy, nullptr, &wa, nullptr);
          nce_rows(St, B, g, p, 1.0, &dummy, nullptr, &wt, nullptr);
          fa = &wa;
          ft = &wt;
        }
        double maxg = 0, maxerr = 0;
        const double h = 1e-6;
        for (int which = 0; which < 2; ++which) {
          std::vector<double> &X = which ? T : A;
          const std::vector<double> &an = which ? ref.dT : ref.dA;
          for (int64_t e = 0; e < B * d; ++e) {
            const double x0 = X[e];
            X[e] = x0 + h;
            const double lp = nce_reference(A, T, B, d, g, p, false, fa, ft).loss;
            X[e] = x0 - h;
            const double lm = nce_reference(A, T, B, d, g, p, false, fa, ft).loss;
            X[e] = x0;
            const double fd = (lp - lm) / (2 * h);
            maxg = std::max(maxg, std::fabs(an[e]));
            maxerr = std::max(maxerr, std::fabs(fd - an[e]));
          }
        }
        // The frozen-weight loss equals the real loss at this point, which checks the weights themselves.
        if (detach) {
          const double l0 = nce_reference(A, T, B, d, g, p, false, fa, ft).loss;
          CHECK(std::fabs(l0 - ref.loss) <= 1e-12 * std::max(1.0, std::fabs(ref.loss)),
                "frozen-weight loss %.15g != loss %.15g", l0, ref.loss);
        }
        CHECK(maxerr <= 1e-6 * std::max(1.0, maxg), "reference gradient %s detach=%d groups=%d: max error %.3g (max |g| %.3g)",
              dir_name(dir), detach, use_groups, maxerr, maxg);
      }
}

// ---------------------------------------------------------------------------------------------------------------
// Hybrid-NCE against the reference
// ---------------------------------------------------------------------------------------------------------------
struct NceCompare {
  double loss_err = 0;     // |got - ref| / max(1, |ref|)
  double grad_err = 0;     // max |got - ref| / max |ref|
};

NceCompare compare_nce(const NceRef &ref, float loss, const std::vector<float> &dA, const std::vector<float> &dT) {
  NceCompare c;
  c.loss_err = std::fabs(loss - ref.loss) / std::max(1.0, std::fabs(ref.loss));
  if (!(c.loss_err == c.loss_err)) c.loss_err = kInf;
  double mx = 0, err = 0;
  for (size_t e = 0; e < ref.dA.size(); ++e) {
    mx = std::max({mx, std::fabs(ref.dA[e]), std::fabs(ref.dT[e])});
    const double ea = std::fabs(dA[e] - ref.dA[e]), et = std::fabs(dT[e] - ref.dT[e]);
    err = std::max({err, ea == ea ? ea : kInf, et == et ? et : kInf});
  }
  c.grad_err = ref.dA.empty() ? 0 : err / std::max(mx, 1e-3);
  return c;
}

void check_nce() {
  GroupScope gs("hybrid_nce vs double reference");
  struct Shape { int64_t B, d; };
  const Shape shapes[] = {{1, 3}, {2, 1}, {17, 17}, {64, 64}, {130, 17}, {64, 3}, {17, 129}, {300, 9}};
  const ak_nce_params psets[] = {{0.05f, 1.f, 0.1f, 0.2f, 0, 0},
                                 {0.1f, 0.5f, 0.f, 0.f, 0, 0},
                                 {1.f, 2.f, 0.5f, 1.f, 0, 0},
                                 {0.07f, 0.f, 0.2f, 0.3f, 0, 0}};
  std::mt19937_64 rng(61);
  for (const Shape &sh : shapes)
    for (ak_dtype dt : {AK_F32, AK_F16, AK_BF16})
      for (int use_groups = 0; use_groups < 2; ++use_groups) {
        // Unit rows for small temperatures (as the loss is used), raw uniform values for tau = 1.
        const std::vector<float> au = unit_rows(rng, sh.B, sh.d), tu = unit_rows(rng, sh.B, sh.d);
        const std::vector<float> ar = random_values(rng, sh.B * sh.d), tr = random_values(rng, sh.B * sh.d);
        std::vector<int32_t> groups;
        if (use_groups) {
          std::uniform_int_distribution<int32_t> u(-1, static_cast<int32_t>(std::max<int64_t>(1, sh.B / 4)));
          groups.resize(sh.B);
          for (auto &x : groups) x = u(rng);
        }
        for (const ak_nce_params &base : psets) {
          if (base.alpha == 0.f && sh.B <= 2) continue;  // D can be 0 there: the loss is not finite
          const bool raw = base.tau >= 1.f;
          const Mat A = make_mat(dt, sh.B, sh.d, raw ? ar : au), T = make_mat(dt, sh.B, sh.d, raw ? tr : tu);
          for (int dir = 0; dir < 3; ++dir)
            for (int detach = 0; detach < 2; ++detach) {
              ak_nce_params p = base;
              p.direction = dir;
              p.detach_weights = detach;
              const NceRef ref = nce_reference(A.v, T.v, sh.B, sh.d, groups, p, true);
              for (ak_device dev : devices()) {
                float loss = std::numeric_limits<float>::quiet_NaN();
                std::vector<float> dA(sh.B * sh.d, std::numeric_limits<float>::quiet_NaN()), dT = dA;
                const ak_status st = ak_hybrid_nce(dev, A.data(), T.data(), dt, sh.B, sh.d,
                                                   groups.empty() ? nullptr : groups.data(), &p, &loss, dA.data(),
                                                   dT.data());
                char ctx[200];
                std::snprintf(ctx, sizeof ctx, "nce %s B=%lld d=%lld %s groups=%d tau=%g a=%g b=%g l=%g %s detach=%d",
                              device_name(dev), (long long)sh.B, (long long)sh.d, dtype_name(dt), use_groups, p.tau,
                              p.alpha, p.beta, p.lambda, dir_name(dir), detach);
                CHECK(st == AK_OK, "%s: status %d %s", ctx, st, ak_last_error());
                if (st != AK_OK) continue;
                const NceCompare c = compare_nce(ref, loss, dA, dT);
                CHECK(c.loss_err <= 1e-4, "%s: loss %.9g, reference %.9g", ctx, loss, ref.loss);
                CHECK(c.grad_err <= 1e-4, "%s: gradient error %.3g of max", ctx, c.grad_err);
                if (dev == AK_DEVICE_CUDA && sh.B > 128) {
                  // Again through several row stripes (AUROLA_CUDA_NCE_STRIPE_ROWS, read by the CUDA twin).
                  setenv("AUROLA_CUDA_NCE_STRIPE_ROWS", "128", 1);
                  float loss3 = 0;
                  std::vector<float> dA3(dA.size()), dT3(dT.size());
                  const ak_status st3 = ak_hybrid_nce(dev, A.data(), T.data(), dt, sh.B, sh.d,
                                                      groups.empty() ? nullptr : groups.data(), &p, &loss3, dA3.data(),
                                                      dT3.data());
                  unsetenv("AUROLA_CUDA_NCE_STRIPE_ROWS");
                  const NceCompare c3 = compare_nce(ref, loss3, dA3, dT3);
                  CHECK(st3 == AK_OK && c3.loss_err <= 1e-4 && c3.grad_err <= 1e-4,
                        "%s (128-row stripes): status %d, loss error %.3g, gradient error %.3g", ctx, st3, c3.loss_err,
                        c3.grad_err);
                }
                // Forward only: same loss, gradients untouched.
                float loss2 = std::numeric_limits<float>::quiet_NaN();
                const ak_status st2 = ak_hybrid_nce(dev, A.data(), T.data(), dt, sh.B, sh.d,
                                                    groups.empty() ? nullptr : groups.data(), &p, &loss2, nullptr,
                                                    nullptr);
                CHECK(st2 == AK_OK && std::fabs(loss2 - ref.loss) <= 1e-4 * std::max(1.0, std::fabs(ref.loss)),
                      "%s forward only: status %d loss %.9g", ctx, st2, loss2);
              }
            }
        }
      }
}

// ---------------------------------------------------------------------------------------------------------------
// Argument errors
// ---------------------------------------------------------------------------------------------------------------
void check_errors() {
  GroupScope gs("argument errors");
  const float q[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float S[16], sc[16], loss, dA[8], dT[8];
  int32_t ids[16];
  int64_t kout;
  const ak_nce_params good{0.05f, 1.f, 0.1f, 0.2f, 0, 0};
  const ak_status INV = AK_ERR_INVALID_ARGUMENT;
  for (ak_device dev : devices()) {
    const char *dn = device_name(dev);
    CHECK(ak_similarity(dev, nullptr, AK_F32, q, AK_F32, 1, 1, 4, S) == INV, "%s similarity null Q", dn);
    CHECK(ak_similarity(dev, q, AK_F32, nullptr, AK_F32, 1, 1, 4, S) == INV, "%s similarity null C", dn);
    CHECK(ak_similarity(dev, q, AK_F32, q, AK_F32, 1, 1, 4, nullptr) == INV, "%s similarity null S", dn);
    CHECK(ak_similarity(dev, q, AK_F32, q, AK_F32, 1, 1, 0, S) == INV, "%s similarity d=0", dn);
    CHECK(ak_similarity(dev, q, AK_F32, q, AK_F32, 1, 1, -3, S) == INV, "%s similarity d<0", dn);
    CHECK(ak_similarity(dev, q, static_cast<ak_dtype>(7), q, AK_F32, 1, 1, 4, S) == INV, "%s similarity dtype", dn);
    CHECK(ak_search_topk(dev, q, AK_F32, q, AK_F32, 1, 2, 4, 0, nullptr, sc, ids, &kout) == INV, "%s search k=0", dn);
    CHECK(ak_search_topk(dev, q, AK_F32, q, AK_F32, 1, 2, 4, -1, nullptr, sc, ids, &kout) == INV, "%s search k<0", dn);
    CHECK(ak_search_topk(dev, q, AK_F32, q, AK_F32, 1, 2, 0, 1, nullptr, sc, ids, &kout) == INV, "%s search d=0", dn);
    CHECK(ak_search_topk(dev, nullptr, AK_F32, q, AK_F32, 1, 2, 4, 1, nullptr, sc, ids, &kout) == INV, "%s search null Q", dn);
    CHECK(ak_search_topk(dev, q, AK_F32, nullptr, AK_F32, 1, 2, 4, 1, nullptr, sc, ids, &kout) == INV, "%s search null C", dn);
    CHECK(ak_search_topk(dev, q, AK_F32, q, AK_F32, 1, 2, 4, 1, nullptr, nullptr, ids, &kout) == INV, "%s search null scores", dn);
    CHECK(ak_search_topk(dev, q, AK_F32, q, AK_F32, 1, 2, 4, 1, nullptr, sc, nullptr, &kout) == INV, "%s search null ids", dn);
    CHECK(ak_search_topk(dev, q, AK_F32, q, static_cast<ak_dtype>(3), 1, 2, 4, 1, nullptr, sc, ids, &kout) == INV,
          "%s search dtype", dn);
    auto nce = [&](ak_nce_params p, const void *A, ak_dtype dt, int64_t B, int64_t d, float *l, float *ga, float *gt) {
      return ak_hybrid_nce(dev, A, q, dt, B, d, nullptr, &p, l, ga, gt);
    };
    ak_nce_params p = good;
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, dT) == AK_OK, "%s nce valid call: %s", dn, ak_last_error());
    p = good, p.tau = 0.f;
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, dT) == INV, "%s nce tau=0", dn);
    p = good, p.tau = -1.f;
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, dT) == INV, "%s nce tau<0", dn);
    p = good, p.tau = std::numeric_limits<float>::quiet_NaN();
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, dT) == INV, "%s nce tau=NaN", dn);
    p = good, p.direction = 3;
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, dT) == INV, "%s nce direction=3", dn);
    p = good, p.direction = -1;
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, dT) == INV, "%s nce direction=-1", dn);
    p = good, p.alpha = -1.f;
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, dT) == INV, "%s nce alpha<0", dn);
    p = good;
    CHECK(nce(p, q, static_cast<ak_dtype>(5), 2, 4, &loss, dA, dT) == INV, "%s nce dtype", dn);
    CHECK(nce(p, q, AK_F32, 0, 4, &loss, dA, dT) == INV, "%s nce B=0", dn);
    CHECK(nce(p, q, AK_F32, 2, 0, &loss, dA, dT) == INV, "%s nce d=0", dn);
    CHECK(nce(p, nullptr, AK_F32, 2, 4, &loss, dA, dT) == INV, "%s nce null A", dn);
    CHECK(nce(p, q, AK_F32, 2, 4, nullptr, dA, dT) == INV, "%s nce null loss", dn);
    CHECK(nce(p, q, AK_F32, 2, 4, &loss, dA, nullptr) == INV, "%s nce dA without dT", dn);
    CHECK(ak_hybrid_nce(dev, q, q, AK_F32, 2, 4, nullptr, nullptr, &loss, dA, dT) == INV, "%s nce null params", dn);
  }
  CHECK(ak_similarity(static_cast<ak_device>(9), q, AK_F32, q, AK_F32, 1, 1, 4, S) == INV, "unknown device");
  if (ak_cuda_device_count() == 0) {
    CHECK(ak_similarity(AK_DEVICE_CUDA, q, AK_F32, q, AK_F32, 1, 1, 4, S) == AK_ERR_UNSUPPORTED,
          "cuda requested without a device: want AK_ERR_UNSUPPORTED");
  }
}

int run_check() {
  std::printf("kernel_check --check: cpu isa %s, %d threads, cuda built %d, cuda devices %d\n", ak_cpu_isa(),
              ak_get_num_threads(), ak_cuda_built(), ak_cuda_device_count());
  check_convert();
  check_similarity();
  check_search();
  check_search_special();
  check_search_many_queries();
  check_nce_reference_gradient();
  check_nce();
  check_errors();
  return check::summary();
}

// ---------------------------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------------------------
struct BenchRow {
  std::string name, device, shape;
  double ms = 0, gflops = 0;
  int64_t scratch = 0;
  std::string note;
};
std::vector<BenchRow> g_rows;

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void emit(const BenchRow &r) {
  std::printf("{\"case\":\"%s\",\"device\":\"%s\",\"shape\":\"%s\",\"median_ms\":%.4f,\"gflops\":%.1f,"
              "\"scratch_peak_bytes\":%lld%s%s%s}\n",
              r.name.c_str(), r.device.c_str(), r.shape.c_str(), r.ms, r.gflops, (long long)r.scratch,
              r.note.empty() ? "" : ",\"note\":\"", r.note.c_str(), r.note.empty() ? "" : "\"");
  std::fflush(stdout);
  g_rows.push_back(r);
}

// Fast deterministic fill (the bench inputs are large): xorshift values in [-1, 1).
void fill_uniform(std::vector<float> &x, uint64_t seed) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto &e : x) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    e = static_cast<float>(static_cast<int64_t>(s >> 11) * (1.0 / 4503599627370496.0) - 1.0);
  }
}
void fill_unit_rows(std::vector<float> &x, int64_t rows, int64_t cols, uint64_t seed) {
  fill_uniform(x, seed);
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) s += double(x[r * cols + c]) * x[r * cols + c];
    const float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (int64_t c = 0; c < cols; ++c) x[r * cols + c] *= inv;
  }
}
std::vector<uint16_t> to_half_vec(const std::vector<float> &x, ak_dtype dt) {
  std::vector<uint16_t> h(x.size());
  ak_convert(x.data(), AK_F32, h.data(), dt, static_cast<int64_t>(x.size()));
  return h;
}

template <class F>
std::vector<double> time_reps(int reps, F &&fn) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    fn();
    t.push_back(now_ms() - t0);
  }
  return t;
}

void bench_cpu(bool quick) {
  const int64_t N = quick ? 50000 : 200000, d = 512;
  std::vector<float> corpus(N * d);
  fill_uniform(corpus, 1);
  const std::vector<uint16_t> corpus16 = to_half_vec(corpus, AK_F16);
  const int64_t Qmax = 1024;
  std::vector<float> queries(Qmax * d);
  fill_uniform(queries, 2);
  const std::vector<int64_t> qs = quick ? std::vector<int64_t>{1, 64} : std::vector<int64_t>{1, 64, 256, 1024};
  for (int64_t k : {10, 100}) {
    for (int64_t q : qs) {
      std::vector<float> s(q * k);
      std::vector<int32_t> id(q * k);
      ak_search_topk(AK_DEVICE_CPU, queries.data(), AK_F32, corpus.data(), AK_F32, q, N, d, k, nullptr, s.data(),
                     id.data(), nullptr);  // warm-up
      ak_scratch_peak_bytes(1);
      const int reps = q >= 256 ? 3 : 7;
      ak_status st = AK_OK;
      const double ms = median(time_reps(reps, [&] {
        st = ak_search_topk(AK_DEVICE_CPU, queries.data(), AK_F32, corpus.data(), AK_F32, q, N, d, k, nullptr,
                            s.data(), id.data(), nullptr);
      }));
      BenchRow r{"search_f32", "cpu", "Q=" + std::to_string(q) + " N=" + std::to_string(N) + " d=512 k=" + std::to_string(k),
                 ms, 2.0 * q * N * d / (ms * 1e6), ak_scratch_peak_bytes(1), st == AK_OK ? "" : ak_last_error()};
      emit(r);
    }
  }
  // An f16 corpus (the index's default) at a server's micro-batch sizes.
  for (const auto [q, k] : {std::pair<int64_t, int64_t>{1, 10}, {1, 100}, {4, 10}, {8, 10}, {16, 10}, {32, 10}}) {
    std::vector<float> s(q * k);
    std::vector<int32_t> id(q * k);
    ak_search_topk(AK_DEVICE_CPU, queries.data(), AK_F32, corpus16.data(), AK_F16, q, N, d, k, nullptr, s.data(),
                   id.data(), nullptr);
    ak_scratch_peak_bytes(1);
    ak_status st = AK_OK;
    const double ms = median(time_reps(7, [&] {
      st = ak_search_topk(AK_DEVICE_CPU, queries.data(), AK_F32, corpus16.data(), AK_F16, q, N, d, k, nullptr,
                          s.data(), id.data(), nullptr);
    }));
    emit({"search_f16_corpus", "cpu", "Q=" + std::to_string(q) + " N=" + std::to_string(N) + " d=512 k=" + std::to_string(k),
          ms, 2.0 * q * N * d / (ms * 1e6), ak_scratch_peak_bytes(1), st == AK_OK ? "" : ak_last_error()});
  }
  const std::vector<int64_t> Bs = quick ? std::vector<int64_t>{1024} : std::vector<int64_t>{1024, 4096, 8192};
  for (int64_t B : Bs) {
    std::vector<float> A(B * d), T(B * d), dA(B * d), dT(B * d);
    fill_unit_rows(A, B, d, 3);
    fill_unit_rows(T, B, d, 4);
    std::vector<int32_t> groups(B);
    uint64_t s = 5;
    for (auto &g : groups) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      g = static_cast<int32_t>(s % static_cast<uint64_t>(B / 8 + 1)) - 1;  // in [-1, B/8)
    }
    const ak_nce_params p{0.05f, 1.f, 0.1f, 0.2f, AK_NCE_A2T, 0};
    float loss = 0;
    ak_hybrid_nce(AK_DEVICE_CPU, A.data(), T.data(), AK_F32, B, d, groups.data(), &p, &loss, dA.data(), dT.data());
    ak_scratch_peak_bytes(1);
    ak_status st = AK_OK;
    const double ms = median(time_reps(B >= 8192 ? 3 : 5, [&] {
      st = ak_hybrid_nce(AK_DEVICE_CPU, A.data(), T.data(), AK_F32, B, d, groups.data(), &p, &loss, dA.data(),
                         dT.data());
    }));
    // fwd+bwd = 4 products of B x B x d (scores twice, dA, dT), as the streamed implementations do them.
    emit({"hybrid_nce_f32_fwd_bwd", "cpu", "B=" + std::to_string(B) + " d=512 a2t groups", ms,
          4.0 * 2.0 * B * B * d / (ms * 1e6), ak_scratch_peak_bytes(1), st == AK_OK ? "" : ak_last_error()});
  }
}

#ifdef AK_WITH_CUDA
// Device buffer owned by the bench (not library scratch).
struct DevMem {
  void *p = nullptr;
  explicit DevMem(int64_t bytes) : p(ak::cuda::bench::alloc(bytes)) {}
  ~DevMem() { ak::cuda::bench::release(p); }
  DevMem(const DevMem &) = delete;
  DevMem &operator=(const DevMem &) = delete;
};

template <class F>
std::vector<double> gpu_reps(int reps, F &fn) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r)
    t.push_back(ak::cuda::bench::time_ms([](void *c) { (*static_cast<F *>(c))(); }, &fn));
  return t;
}

void bench_gpu(bool quick) {
  namespace cb = ak::cuda::bench;
  char name[256];
  int64_t mem = 0;
  if (!cb::device_info(name, sizeof name, &mem)) {
    std::printf("gpu: %s\n", name);
    return;
  }
  std::printf("gpu: %s, %.1f GiB\n", name, mem / 1073741824.0);
  const int64_t N = 1 << 20, d = 1024;
  // ---- search: f16 corpus resident on the device
  {
    std::vector<float> cf(N * d);
    fill_uniform(cf, 7);
    const std::vector<uint16_t> c16 = to_half_vec(cf, AK_F16);
    std::vector<float>().swap(cf);
    const int64_t Qmax = 1024;
    std::vector<float> qf(Qmax * d);
    fill_uniform(qf, 8);
    const std::vector<uint16_t> q16 = to_half_vec(qf, AK_F16);
    DevMem dC(N * d * 2), dQ(Qmax * d * 2), dS(Qmax * 1000 * 4), dI(Qmax * 1000 * 4);
    if (!dC.p || !dQ.p || !dS.p || !dI.p || !cb::to_device(dC.p, c16.data(), N * d * 2) ||
        !cb::to_device(dQ.p, q16.data(), Qmax * d * 2)) {
      std::printf("gpu: could not place the corpus on the device\n");
      return;
    }
    for (int64_t k : {10, 1000})
      for (int64_t q : {1, 64, 1024}) {
        ak_status st = AK_OK;
        auto run = [&] {
          st = ak::cuda::search_topk_device(dQ.p, AK_F16, dC.p, AK_F16, q, N, d, k, nullptr,
                                            static_cast<float *>(dS.p), static_cast<int32_t *>(dI.p), nullptr);
        };
        run();
        run();  // warm-up: pool growth, module load
        ak_scratch_peak_bytes(1);
        const double ms = median(gpu_reps(quick ? 5 : 15, run));
        const int64_t scratch = ak_scratch_peak_bytes(1);
        // Correctness on the first queries against the CPU path (same f16 inputs).
        std::string note = st == AK_OK ? "" : ak_last_error();
        if (st == AK_OK) {
          const int64_t qc = std::min<int64_t>(q, 8);
          std::vector<float> gs(q * k), cs(qc * k);
          std::vector<int32_t> gi(q * k), ci(qc * k);
          cb::to_host(gs.data(), dS.p, q * k * 4);
          cb::to_host(gi.data(), dI.p, q * k * 4);
          ak_search_topk(AK_DEVICE_CPU, q16.data(), AK_F16, c16.data(), AK_F16, qc, N, d, k, nullptr, cs.data(),
                         ci.data(), nullptr);
          double max_err = 0;
          int64_t id_diff = 0;
          for (int64_t e = 0; e < qc * k; ++e) {
            max_err = std::max(max_err, static_cast<double>(std::fabs(gs[e] - cs[e])));
            id_diff += gi[e] != ci[e];
          }
          char buf[160];
          std::snprintf(buf, sizeof buf, "vs cpu on %lld queries: max |score diff| %.3g, %lld id slots differ",
                        (long long)qc, max_err, (long long)id_diff);
          note = buf;
        }
        emit({"search_f16", "cuda", "Q=" + std::to_string(q) + " N=1M d=1024 k=" + std::to_string(k), ms,
              2.0 * q * N * d / (ms * 1e6), scratch, note});
      }
  }
  // ---- Hybrid-NCE, bf16, device pointers
  const ak_nce_params p{0.05f, 1.f, 0.1f, 0.2f, AK_NCE_A2T, 0};
  for (int64_t B : {int64_t(4096), int64_t(16384), int64_t(65536)}) {
    if (quick && B == 65536) continue;
    std::vector<float> af(B * d), tf(B * d);
    fill_unit_rows(af, B, d, 9);
    fill_unit_rows(tf, B, d, 10);
    const std::vector<uint16_t> a16 = to_half_vec(af, AK_BF16), t16 = to_half_vec(tf, AK_BF16);
    std::vector<int32_t> groups(B);
    uint64_t s = 11;
    for (auto &g : groups) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      g = static_cast<int32_t>(s % static_cast<uint64_t>(B / 8 + 1)) - 1;
    }
    DevMem dA(B * d * 2), dT(B * d * 2), gA(B * d * 4), gT(B * d * 4), dg(B * 4);
    if (!dA.p || !dT.p || !gA.p || !gT.p || !dg.p) {
      std::printf("gpu: no memory for B=%lld\n", (long long)B);
      continue;
    }
    cb::to_device(dA.p, a16.data(), B * d * 2);
    cb::to_device(dT.p, t16.data(), B * d * 2);
    cb::to_device(dg.p, groups.data(), B * 4);
    float loss = 0;
    ak_status st = AK_OK;
    auto run = [&] {
      st = ak::cuda::hybrid_nce_device(dA.p, dT.p, AK_BF16, B, d, static_cast<int32_t *>(dg.p), &p, &loss,
                                       static_cast<float *>(gA.p), static_cast<float *>(gT.p));
    };
    run();
    ak_scratch_peak_bytes(1);
    const double ms = median(gpu_reps(B >= 65536 ? 2 : (quick ? 3 : 10), run));
    const int64_t scratch = ak_scratch_peak_bytes(1);
    std::string note = st == AK_OK ? "" : ak_last_error();
    if (st == AK_OK && B == 4096) {
      std::vector<float> ga(B * d), gt(B * d), ca(B * d), ct(B * d);
      cb::to_host(ga.data(), gA.p, B * d * 4);
      cb::to_host(gt.data(), gT.p, B * d * 4);
      float closs = 0;
      const ak_status cst = ak_hybrid_nce(AK_DEVICE_CPU, a16.data(), t16.data(), AK_BF16, B, d, groups.data(), &p,
                                          &closs, ca.data(), ct.data());
      double mx = 0, err = 0;
      for (int64_t e = 0; e < B * d; ++e) {
        mx = std::max({mx, static_cast<double>(std::fabs(ca[e])), static_cast<double>(std::fabs(ct[e]))});
        err = std::max({err, static_cast<double>(std::fabs(ga[e] - ca[e])), static_cast<double>(std::fabs(gt[e] - ct[e]))});
      }
      char buf[200];
      std::snprintf(buf, sizeof buf, "vs cpu (status %d): loss %.7g vs %.7g, max grad err %.3g of max %.3g", cst, loss,
                    closs, err, mx);
      note = buf;
    }
    emit({"hybrid_nce_bf16_fwd_bwd", "cuda", "B=" + std::to_string(B) + " d=1024 a2t groups", ms,
          4.0 * 2.0 * B * B * d / (ms * 1e6), scratch, note});
  }
}
#endif

int run_bench(bool quick) {
  std::printf("kernel_check --bench%s: cpu isa %s, %d threads, cuda devices %d\n", quick ? " --quick" : "", ak_cpu_isa(),
              ak_get_num_threads(), ak_cuda_device_count());
  bench_cpu(quick);
#ifdef AK_WITH_CUDA
  if (ak_cuda_device_count() > 0) bench_gpu(quick);
#endif
  std::printf("\n%-24s %-6s %-34s %11s %10s %14s\n", "case", "device", "shape", "median ms", "GFLOP/s", "scratch MiB");
  for (const BenchRow &r : g_rows)
    std::printf("%-24s %-6s %-34s %11.3f %10.1f %14.1f%s%s\n", r.name.c_str(), r.device.c_str(), r.shape.c_str(), r.ms,
                r.gflops, r.scratch / 1048576.0, r.note.empty() ? "" : "  ", r.note.c_str());
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  bool check = false, bench = false, quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--check")) check = true;
    else if (!std::strcmp(argv[i], "--bench")) bench = true;
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else {
      std::fprintf(stderr, "usage: %s --check | --bench [--quick]\n", argv[0]);
      return 2;
    }
  }
  if (!check && !bench) {
    std::fprintf(stderr, "usage: %s --check | --bench [--quick]\n", argv[0]);
    return 2;
  }
  int rc = 0;
  if (check) rc = run_check();
  if (bench) rc = run_bench(quick) || rc;
  return rc;
}
