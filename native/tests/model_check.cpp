// model_check: the standalone check of the training engine's whole model (aurola_engine.h, src/engine/model.cpp).
//
//   model_check            run every check; prints one line per group and "N passed, M failed" (exit 1 on failure)
//   model_check --bench    also time forward + backward + AdamW of a mid-sized float model
//
// 1. Architecture: the double model's forward against a naive float64 port of libs/backbone's reference.ts written
//    here (embedding, audio conv + GELU encoder replacing rows, pre-norm blocks, final norm, tied head).
// 2. Gradient: on a tiny double model (vocab 11, hidden 12, 2 layers, 3 heads, inter 10, 2 audio convs one of stride
//    2, 5 mels; 3 right-padded sequences of different lengths, one with an audio clip) the backward of a random
//    projection J = Σ r_h·hidden + Σ r_l·logits against a 4-point central finite difference of J for EVERY parameter
//    element.
// 3. float (the C API) vs double, forward and gradients, on the tiny case and on a larger one where the blocked
//    GEMM's packing paths are exercised.
// 4. AdamW against a scalar double reference over a few steps; gradient norm.
// 5. Argument validation: every error path of the C API answers AK_ERR_INVALID_ARGUMENT with a message.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "aurola_engine.h"
#include "engine/model.hpp"

#include "check_tally.hpp"

namespace {

using check::GroupScope;

using Rng = std::mt19937_64;
double normal(Rng &rng) { return std::normal_distribution<double>(0.0, 1.0)(rng); }

// ---------------------------------------------------------------------------------------------------------------
// Configurations, parameters and batches
// ---------------------------------------------------------------------------------------------------------------
ak_model_config tiny_config() {
  ak_model_config c{};
  c.vocab_size = 11, c.hidden_size = 12, c.num_layers = 2, c.num_heads = 3, c.intermediate_size = 10;
  c.max_positions = 16, c.rms_norm_eps = 1e-5f, c.rope_theta = 10000.f;
  c.n_mels = 5, c.num_audio_convs = 2;
  c.conv_kernel[0] = 3, c.conv_stride[0] = 1, c.conv_channels[0] = 6;
  c.conv_kernel[1] = 4, c.conv_stride[1] = 2, c.conv_channels[1] = 7;  // even kernel: padding 2, stride 2
  return c;
}

ak_model_config larger_config() {
  ak_model_config c{};
  c.vocab_size = 70, c.hidden_size = 96, c.num_layers = 2, c.num_heads = 4, c.intermediate_size = 200;
  c.max_positions = 128, c.rms_norm_eps = 1e-6f, c.rope_theta = 10000.f;
  c.n_mels = 20, c.num_audio_convs = 2;
  c.conv_kernel[0] = 5, c.conv_stride[0] = 2, c.conv_channels[0] = 40;
  c.conv_kernel[1] = 3, c.conv_stride[1] = 2, c.conv_channels[1] = 56;
  return c;
}

// Random weights in the manner of libs/backbone's randomDecoderWeights: matrices N(0, 1/fan_in), norms 1 + N(0, 0.1²).
void random_params(const std::vector<ak::engine::TensorInfo> &tensors, const ak_model_config &c, std::vector<double> &p,
                   Rng &rng) {
  int64_t total = 0;
  for (const auto &t : tensors) total += t.count;
  p.assign(total, 0.0);
  for (size_t ti = 0; ti < tensors.size(); ti++) {
    const auto &t = tensors[ti];
    const bool norm = t.name.find("Norm") != std::string::npos;
    double fan_in = c.hidden_size;
    if (t.name.find("wDown") != std::string::npos) fan_in = c.intermediate_size;
    if (t.name.rfind("audio.convs.", 0) == 0) {
      const int conv = std::atoi(t.name.c_str() + 12);
      const int in = conv == 0 ? c.n_mels : c.conv_channels[conv - 1];
      fan_in = static_cast<double>(in) * c.conv_kernel[conv];
    }
    if (t.name == "audio.proj" || t.name == "audio.projBias")
      fan_in = c.num_audio_convs ? c.conv_channels[c.num_audio_convs - 1] : c.n_mels;
    for (int64_t i = 0; i < t.count; i++)
      p[t.offset + i] = norm ? 1.0 + 0.1 * normal(rng) : normal(rng) / std::sqrt(fan_in);
  }
}

struct Batch {
  int32_t B = 0, L = 0;
  std::vector<int32_t> ids, positions, read_at, audio_seq, audio_at, audio_frames, select;
  std::vector<uint8_t> mask;
  std::vector<float> features;
  ak_batch view() const {
    ak_batch b{};
    b.batch = B, b.length = L;
    b.ids = ids.data(), b.mask = mask.data(), b.positions = positions.data(), b.read_at = read_at.data();
    b.num_audio = static_cast<int32_t>(audio_seq.size());
    b.audio_seq = audio_seq.data(), b.audio_at = audio_at.data(), b.audio_frames = audio_frames.data();
    b.audio_features = features.data();
    b.num_select = static_cast<int32_t>(select.size());
    b.select_ids = select.data();
    return b;
  }
};

// Right-padded sequences of the given lengths; clips = {seq, at, frames}; the audio placeholder id is vocab − 1.
Batch make_batch(const ak_model_config &c, const std::vector<int> &lengths, int L,
                 const std::vector<std::array<int, 3>> &clips, const std::vector<int> &read_at,
                 const std::vector<int> &position_offset, std::vector<int32_t> select, Rng &rng) {
  Batch b;
  b.B = static_cast<int32_t>(lengths.size()), b.L = L;
  b.ids.assign(b.B * L, 0), b.positions.assign(b.B * L, 0), b.mask.assign(b.B * L, 0);
  for (int s = 0; s < b.B; s++)
    for (int t = 0; t < L; t++) {
      const int n = s * L + t;
      if (t < lengths[s]) {
        b.mask[n] = 1;
        b.ids[n] = static_cast<int32_t>(rng() % (c.vocab_size - 1));
        b.positions[n] = position_offset[s] + t;
      } else {
        b.ids[n] = 0;  // pad id
        b.positions[n] = 1;
      }
    }
  for (const auto &clip : clips) {
    b.audio_seq.push_back(clip[0]), b.audio_at.push_back(clip[1]), b.audio_frames.push_back(clip[2]);
    for (int64_t f = 0; f < static_cast<int64_t>(clip[2]) * c.n_mels; f++) b.features.push_back(static_cast<float>(normal(rng)));
  }
  b.read_at.assign(read_at.begin(), read_at.end());
  b.select = std::move(select);
  return b;
}

// Marks audio positions with the placeholder id (needs the token counts).
void mark_audio(Batch &b, const ak_model_config &c, const std::function<int(int)> &tokens) {
  for (size_t a = 0; a < b.audio_seq.size(); a++)
    for (int t = 0; t < tokens(b.audio_frames[a]); t++) b.ids[b.audio_seq[a] * b.L + b.audio_at[a] + t] = c.vocab_size - 1;
}

// ---------------------------------------------------------------------------------------------------------------
// A naive float64 port of libs/backbone/src/reference.ts (loops, no tricks), fed from the flat parameter array.
// ---------------------------------------------------------------------------------------------------------------
struct Ref {
  const ak_model_config &c;
  std::map<std::string, const double *> w;
  Ref(const ak_model_config &cfg, const std::vector<ak::engine::TensorInfo> &tensors, const std::vector<double> &p) : c(cfg) {
    for (const auto &t : tensors) w[t.name] = p.data() + t.offset;
  }
  const double *at(const std::string &name) const { return w.at(name); }

  static std::vector<double> linear(const std::vector<double> &x, int rows, int in, const double *W, int out,
                                    const double *bias = nullptr) {
    std::vector<double> y(static_cast<size_t>(rows) * out);
    for (int r = 0; r < rows; r++)
      for (int o = 0; o < out; o++) {
        double s = bias ? bias[o] : 0;
        for (int i = 0; i < in; i++) s += x[r * in + i] * W[i * out + o];
        y[r * out + o] = s;
      }
    return y;
  }
  std::vector<double> rmsnorm(const std::vector<double> &x, int rows, int dim, const double *w) const {
    std::vector<double> y(x.size());
    const double eps = static_cast<double>(c.rms_norm_eps);
    for (int r = 0; r < rows; r++) {
      double ss = 0;
      for (int i = 0; i < dim; i++) ss += x[r * dim + i] * x[r * dim + i];
      const double scale = 1 / std::sqrt(ss / dim + eps);
      for (int i = 0; i < dim; i++) y[r * dim + i] = x[r * dim + i] * scale * w[i];
    }
    return y;
  }
  void rope(std::vector<double> &x, int rows, const std::vector<int> &pos) const {
    const int heads = c.num_heads, hd = c.hidden_size / heads, half = hd / 2;
    const double theta = static_cast<double>(c.rope_theta);
    for (int r = 0; r < rows; r++)
      for (int h = 0; h < heads; h++) {
        const int base = r * heads * hd + h * hd;
        for (int i = 0; i < half; i++) {
          const double angle = pos[r] * std::pow(theta, (-2.0 * i) / hd);
          const double co = std::cos(angle), si = std::sin(angle);
          const double x1 = x[base + i], x2 = x[base + i + half];
          x[base + i] = x1 * co - x2 * si;
          x[base + i + half] = x2 * co + x1 * si;
        }
      }
  }
  std::vector<double> attention(const std::vector<double> &q, const std::vector<double> &k, const std::vector<double> &v,
                                int rows, const std::vector<bool> &key_mask) const {
    const int heads = c.num_heads, hd = c.hidden_size / heads, width = c.hidden_size;
    std::vector<double> out(static_cast<size_t>(rows) * width, 0.0), scores(rows);
    const double scale = 1 / std::sqrt(static_cast<double>(hd));
    for (int h = 0; h < heads; h++)
      for (int i = 0; i < rows; i++) {
        double mx = -INFINITY;
        for (int j = 0; j < rows; j++) {
          double dot = 0;
          for (int e = 0; e < hd; e++) dot += q[i * width + h * hd + e] * k[j * width + h * hd + e];
          scores[j] = dot * scale + (j <= i && key_mask[j] ? 0 : -1e9);
          mx = std::max(mx, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j < rows; j++) sum += scores[j] = std::exp(scores[j] - mx);
        for (int j = 0; j < rows; j++)
          for (int e = 0; e < hd; e++) out[i * width + h * hd + e] += scores[j] / sum * v[j * width + h * hd + e];
      }
    return out;
  }

  // hidden [B, d] at read_at, logits [B, S].
  void forward(const Batch &b, std::vector<double> &hidden, std::vector<double> &logits) const {
    const int d = c.hidden_size, L = b.L, f = c.intermediate_size;
    std::vector<double> x(static_cast<size_t>(b.B) * L * d);
    const double *embed = at("embed");
    for (int n = 0; n < b.B * L; n++)
      for (int i = 0; i < d; i++) x[n * d + i] = embed[b.ids[n] * d + i];
    // audio encoder, per clip, time-major as reference.ts
    size_t feat_off = 0;
    for (size_t a = 0; a < b.audio_seq.size(); a++) {
      int T = b.audio_frames[a], C = c.n_mels;
      std::vector<double> h(b.features.begin() + feat_off, b.features.begin() + feat_off + static_cast<size_t>(T) * C);
      feat_off += static_cast<size_t>(T) * C;
      for (int l = 0; l < c.num_audio_convs; l++) {
        const double *W = at("audio.convs." + std::to_string(l) + ".weight");
        const double *bias = at("audio.convs." + std::to_string(l) + ".bias");
        const int k = c.conv_kernel[l], s = c.conv_stride[l], Co = c.conv_channels[l], pad = k / 2;
        const int To = static_cast<int>(std::floor((T + 2.0 * pad - k) / s)) + 1;
        std::vector<double> y(static_cast<size_t>(To) * Co);
        for (int t = 0; t < To; t++)
          for (int o = 0; o < Co; o++) {
            double sum = bias[o];
            for (int kk = 0; kk < k; kk++) {
              const int src = t * s + kk - pad;
              if (src < 0 || src >= T) continue;
              for (int ci = 0; ci < C; ci++) sum += W[(o * C + ci) * k + kk] * h[src * C + ci];
            }
            y[t * Co + o] = 0.5 * sum * (1 + std::erf(sum / std::sqrt(2.0)));
          }
        h = std::move(y), T = To, C = Co;
      }
      const std::vector<double> tok = linear(h, T, C, at("audio.proj"), d, at("audio.projBias"));
      for (int t = 0; t < T; t++)
        for (int i = 0; i < d; i++) x[(static_cast<size_t>(b.audio_seq[a]) * L + b.audio_at[a] + t) * d + i] = tok[t * d + i];
    }
    const int S = static_cast<int>(b.select.size());
    hidden.assign(static_cast<size_t>(b.B) * d, 0.0);
    logits.assign(static_cast<size_t>(b.B) * S, 0.0);
    for (int s = 0; s < b.B; s++) {
      std::vector<double> xs(x.begin() + static_cast<size_t>(s) * L * d, x.begin() + static_cast<size_t>(s + 1) * L * d);
      std::vector<bool> key_mask(L);
      std::vector<int> pos(L);
      for (int j = 0; j < L; j++) key_mask[j] = b.mask[s * L + j] != 0, pos[j] = b.positions[s * L + j];
      for (int l = 0; l < c.num_layers; l++) {
        const std::string p = "layers." + std::to_string(l) + ".";
        const std::vector<double> xn = rmsnorm(xs, L, d, at(p + "attnNorm"));
        std::vector<double> q = linear(xn, L, d, at(p + "wq"), d), k = linear(xn, L, d, at(p + "wk"), d);
        const std::vector<double> v = linear(xn, L, d, at(p + "wv"), d);
        rope(q, L, pos), rope(k, L, pos);
        const std::vector<double> o = linear(attention(q, k, v, L, key_mask), L, d, at(p + "wo"), d);
        for (size_t i = 0; i < xs.size(); i++) xs[i] += o[i];
        const std::vector<double> xm = rmsnorm(xs, L, d, at(p + "mlpNorm"));
        std::vector<double> gate = linear(xm, L, d, at(p + "wGate"), f);
        const std::vector<double> up = linear(xm, L, d, at(p + "wUp"), f);
        for (size_t i = 0; i < gate.size(); i++) gate[i] = gate[i] / (1 + std::exp(-gate[i])) * up[i];
        const std::vector<double> mlp = linear(gate, L, f, at(p + "wDown"), d);
        for (size_t i = 0; i < xs.size(); i++) xs[i] += mlp[i];
      }
      const std::vector<double> last = rmsnorm(xs, L, d, at("finalNorm"));
      const int r = b.read_at[s];
      for (int i = 0; i < d; i++) hidden[s * d + i] = last[r * d + i];
      for (int t = 0; t < S; t++) {
        double sum = 0;
        for (int i = 0; i < d; i++) sum += last[r * d + i] * embed[b.select[t] * d + i];
        logits[s * S + t] = sum;
      }
    }
  }
};

// The address of a batch view that lives until the end of the full expression.
const ak_batch *ptr(const ak_batch &b) { return &b; }

double max_abs(const std::vector<double> &v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

template <typename A, typename B>
double max_abs_diff(const A &a, const B &b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); i++) m = std::max(m, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return m;
}

// ‖a − b‖ / ‖b‖
template <typename A, typename B>
double rel_norm_diff(const A &a, const B &b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); i++) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    num += (x - y) * (x - y), den += y * y;
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

// The tiny case shared by several groups.
struct Tiny {
  ak_model_config cfg = tiny_config();
  ak::engine::Model<double> model;
  std::vector<double> params;
  Batch batch;
  std::vector<double> r_hidden, r_logits;
  Tiny() {
    Rng rng(1234);
    if (model.init(cfg, 2) != AK_OK) std::printf("tiny model init failed: %s\n", ak_last_error());
    random_params(model.tensors(), cfg, params, rng);
    std::copy(params.begin(), params.end(), model.params());
    // 3 sequences of lengths 9, 6, 4 padded to 9; an audio clip of 7 frames (7 → 7 → 4 tokens) at positions 2..5 of
    // sequence 0; sequence 2 reads before its end; sequence 1's positions start at 3; select yes/no-like ids.
    batch = make_batch(cfg, {9, 6, 4}, 9, {{0, 2, 7}}, {8, 5, 2}, {0, 3, 0}, {3, 7}, rng);
    mark_audio(batch, cfg, [&](int f) { return static_cast<int>(model.audio_tokens(f)); });
    r_hidden.resize(static_cast<size_t>(batch.B) * cfg.hidden_size);
    r_logits.resize(static_cast<size_t>(batch.B) * batch.select.size());
    for (double &x : r_hidden) x = normal(rng);
    for (double &x : r_logits) x = normal(rng);
  }
  double objective() {
    std::vector<double> h(r_hidden.size()), l(r_logits.size());
    model.forward(batch.view(), h.data(), l.data());
    double j = 0;
    for (size_t i = 0; i < h.size(); i++) j += r_hidden[i] * h[i];
    for (size_t i = 0; i < l.size(); i++) j += r_logits[i] * l[i];
    return j;
  }
};

Tiny &tiny() {
  static Tiny t;
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------------------------
void check_layout() {
  GroupScope g("layout: tensor order, names, sizes");
  const ak_model_config c = tiny_config();
  ak_model *m = nullptr;
  CHECK(ak_model_create(&c, 1, &m) == AK_OK, "create: %s", ak_last_error());
  if (!m) return;
  const int h = c.hidden_size, f = c.intermediate_size;
  std::vector<std::pair<std::string, int64_t>> expect = {{"embed", int64_t(c.vocab_size) * h}};
  for (int l = 0; l < c.num_layers; l++) {
    const std::string p = "layers." + std::to_string(l) + ".";
    for (auto e : std::vector<std::pair<std::string, int64_t>>{{"attnNorm", h}, {"wq", h * h}, {"wk", h * h}, {"wv", h * h},
                                                              {"wo", h * h}, {"mlpNorm", h}, {"wGate", h * f},
                                                              {"wUp", h * f}, {"wDown", f * h}})
      expect.push_back({p + e.first, e.second});
  }
  expect.push_back({"finalNorm", h});
  expect.push_back({"audio.convs.0.weight", 6 * 5 * 3});
  expect.push_back({"audio.convs.0.bias", 6});
  expect.push_back({"audio.convs.1.weight", 7 * 6 * 4});
  expect.push_back({"audio.convs.1.bias", 7});
  expect.push_back({"audio.proj", 7 * h});
  expect.push_back({"audio.projBias", h});
  CHECK(ak_model_num_tensors(m) == static_cast<int32_t>(expect.size()), "num_tensors %d vs %zu", ak_model_num_tensors(m),
        expect.size());
  int64_t off = 0;
  for (int32_t i = 0; i < ak_model_num_tensors(m) && i < static_cast<int32_t>(expect.size()); i++) {
    const char *name = nullptr;
    int64_t o = -1, n = -1;
    CHECK(ak_model_tensor(m, i, &name, &o, &n) == AK_OK, "tensor %d", i);
    CHECK(name && expect[i].first == name && o == off && n == expect[i].second, "tensor %d: %s at %lld × %lld, expected %s at %lld × %lld",
          i, name ? name : "(null)", (long long)o, (long long)n, expect[i].first.c_str(), (long long)off,
          (long long)expect[i].second);
    off += expect[i].second;
  }
  CHECK(ak_model_num_params(m) == off, "num_params %lld vs %lld", (long long)ak_model_num_params(m), (long long)off);
  CHECK(ak_model_params(m) && ak_model_grads(m), "params/grads pointers");
  bool zeros = true;
  for (int64_t i = 0; i < off; i++) zeros = zeros && ak_model_params(m)[i] == 0.f && ak_model_grads(m)[i] == 0.f;
  CHECK(zeros, "params and grads start at zero");
  // audio token counts: floor((n + 2·floor(k/2) − k)/s) + 1 per conv
  for (int frames : {1, 2, 3, 7, 8, 100}) {
    int n = frames;
    for (int l = 0; l < c.num_audio_convs; l++)
      n = static_cast<int>(std::floor((n + 2.0 * (c.conv_kernel[l] / 2) - c.conv_kernel[l]) / c.conv_stride[l])) + 1;
    CHECK(ak_model_audio_tokens(m, frames) == n, "audio_tokens(%d) = %d, expected %d", frames, ak_model_audio_tokens(m, frames), n);
  }
  CHECK(ak_model_audio_tokens(m, 0) == 1, "audio_tokens(0) = %d (even kernel pads a frame)", ak_model_audio_tokens(m, 0));
  CHECK(ak_model_audio_tokens(m, -1) == -1, "audio_tokens(-1) = %d", ak_model_audio_tokens(m, -1));
  ak_model_destroy(m);
}

void check_reference() {
  GroupScope g("forward (double) vs naive float64 reference");
  Tiny &t = tiny();
  std::vector<double> h(t.r_hidden.size()), l(t.r_logits.size()), rh, rl;
  CHECK(t.model.forward(t.batch.view(), h.data(), l.data()) == AK_OK, "forward: %s", ak_last_error());
  Ref(t.cfg, t.model.tensors(), t.params).forward(t.batch, rh, rl);
  const double eh = max_abs_diff(h, rh), el = max_abs_diff(l, rl);
  std::printf("  tiny: max |Δhidden| %.2e (scale %.2f), max |Δlogits| %.2e (scale %.2f)\n", eh, max_abs(rh), el, max_abs(rl));
  CHECK(eh < 1e-11 && el < 1e-11, "tiny forward differs from the reference: %.3e %.3e", eh, el);

  // Larger case (double): several clips, two in one sequence, all convs strided.
  const ak_model_config c = larger_config();
  ak::engine::Model<double> m;
  CHECK(m.init(c, 0) == AK_OK, "init: %s", ak_last_error());
  Rng rng(77);
  std::vector<double> p;
  random_params(m.tensors(), c, p, rng);
  std::copy(p.begin(), p.end(), m.params());
  Batch b = make_batch(c, {40, 33, 12}, 40, {{0, 3, 50}, {0, 20, 30}, {1, 1, 20}}, {39, 32, 11}, {0, 5, 0}, {5, 9, 13}, rng);
  mark_audio(b, c, [&](int f) { return static_cast<int>(m.audio_tokens(f)); });
  std::vector<double> h2(static_cast<size_t>(b.B) * c.hidden_size), l2(static_cast<size_t>(b.B) * 3), rh2, rl2;
  CHECK(m.forward(b.view(), h2.data(), l2.data()) == AK_OK, "forward: %s", ak_last_error());
  Ref(c, m.tensors(), p).forward(b, rh2, rl2);
  const double eh2 = max_abs_diff(h2, rh2), el2 = max_abs_diff(l2, rl2);
  std::printf("  larger: max |Δhidden| %.2e, max |Δlogits| %.2e\n", eh2, el2);
  CHECK(eh2 < 1e-10 && el2 < 1e-10, "larger forward differs from the reference: %.3e %.3e", eh2, el2);

  // No convolutions: the projection reads the mel frames themselves.
  ak_model_config nc = c;
  nc.num_audio_convs = 0;
  ak::engine::Model<double> mn;
  CHECK(mn.init(nc, 0) == AK_OK, "init: %s", ak_last_error());
  random_params(mn.tensors(), nc, p, rng);
  std::copy(p.begin(), p.end(), mn.params());
  Batch bn = make_batch(nc, {40, 33, 12}, 40, {{0, 3, 10}, {0, 20, 8}, {1, 1, 6}}, {39, 32, 11}, {0, 5, 0}, {5, 9, 13}, rng);
  mark_audio(bn, nc, [](int f) { return f; });
  bn.mask[2 * 40 + 9] = 0, bn.mask[1 * 40 + 10] = 0;  // holes inside sequences too (not only right padding)
  CHECK(mn.forward(bn.view(), h2.data(), l2.data()) == AK_OK, "forward: %s", ak_last_error());
  Ref(nc, mn.tensors(), p).forward(bn, rh2, rl2);
  const double eh3 = max_abs_diff(h2, rh2), el3 = max_abs_diff(l2, rl2);
  std::printf("  no audio convs, holes in the mask: max |Δhidden| %.2e, max |Δlogits| %.2e\n", eh3, el3);
  CHECK(eh3 < 1e-10 && el3 < 1e-10, "no-conv forward differs from the reference: %.3e %.3e", eh3, el3);
}

void check_gradient() {
  GroupScope g("gradient (double) vs finite differences, every element");
  Tiny &t = tiny();
  auto &m = t.model;
  m.zero_grads();
  std::vector<double> h(t.r_hidden.size()), l(t.r_logits.size());
  CHECK(m.forward(t.batch.view(), h.data(), l.data()) == AK_OK, "forward: %s", ak_last_error());
  CHECK(m.backward(t.r_hidden.data(), t.r_logits.data()) == AK_OK, "backward: %s", ak_last_error());
  const std::vector<double> grad(m.grads(), m.grads() + m.num_params());
  double gscale = 0;
  for (double x : grad) gscale = std::max(gscale, std::fabs(x));

  // 4-point central difference: (8(J(+h) − J(−h)) − (J(+2h) − J(−2h))) / 12h, error O(h⁴).
  const double step = 1e-3;
  double worst_all = 0;
  int64_t checked = 0, nonzero = 0;
  for (const auto &ti : m.tensors()) {
    double worst = 0, worst_abs = 0;
    for (int64_t i = ti.offset; i < ti.offset + ti.count; i++) {
      const double p0 = m.params()[i];
      auto J = [&](double dx) {
        m.params()[i] = p0 + dx;
        return t.objective();
      };
      const double fd = (8 * (J(step) - J(-step)) - (J(2 * step) - J(-2 * step))) / (12 * step);
      m.params()[i] = p0;
      const double err = std::fabs(grad[i] - fd);
      // Relative to the element (floored at 1e-6 of the largest gradient, below which both are ~0).
      const double rel = err / std::max({std::fabs(grad[i]), std::fabs(fd), 1e-6 * gscale});
      worst = std::max(worst, rel), worst_abs = std::max(worst_abs, err);
      if (std::fabs(grad[i]) > 1e-12) nonzero++;
      checked++;
      CHECK(rel < 1e-5, "%s[%lld]: backward %.10e, finite difference %.10e (rel %.2e)", ti.name.c_str(),
            (long long)(i - ti.offset), grad[i], fd, rel);
    }
    worst_all = std::max(worst_all, worst);
    std::printf("  %-24s %5lld elements  max rel err %.2e  max abs err %.2e\n", ti.name.c_str(), (long long)ti.count,
                worst, worst_abs);
  }
  std::printf("  %lld elements checked (%lld with nonzero gradient), max rel err %.2e, max |grad| %.3f\n",
              (long long)checked, (long long)nonzero, worst_all, gscale);
  // The placeholder id at audio positions feeds nothing: its embedding row gets no gradient.
  const int64_t ph = static_cast<int64_t>(t.cfg.vocab_size - 1) * t.cfg.hidden_size;
  bool ph_zero = true;
  for (int i = 0; i < t.cfg.hidden_size; i++) ph_zero = ph_zero && grad[ph + i] == 0.0;
  CHECK(ph_zero, "the audio placeholder's embedding row got a gradient");
  // Every audio tensor gets a gradient.
  for (const auto &ti : m.tensors()) {
    double s = 0;
    for (int64_t i = 0; i < ti.count; i++) s += std::fabs(grad[ti.offset + i]);
    CHECK(s > 0, "tensor %s got no gradient at all", ti.name.c_str());
  }
  // Backward accumulates: a second backward of the same forward doubles the gradients.
  m.forward(t.batch.view(), h.data(), l.data());
  CHECK(m.backward(t.r_hidden.data(), t.r_logits.data()) == AK_OK, "backward again");
  double e2 = 0;
  for (int64_t i = 0; i < m.num_params(); i++) e2 = std::max(e2, std::fabs(m.grads()[i] - 2 * grad[i]));
  CHECK(e2 < 1e-12 * std::max(1.0, gscale), "second backward does not accumulate: %.3e", e2);
  // d_hidden only / d_logits only add up to both.
  m.zero_grads();
  m.backward(t.r_hidden.data(), nullptr);
  m.backward(nullptr, t.r_logits.data());
  double e3 = 0;
  for (int64_t i = 0; i < m.num_params(); i++) e3 = std::max(e3, std::fabs(m.grads()[i] - grad[i]));
  CHECK(e3 < 1e-12 * std::max(1.0, gscale), "hidden-only + logits-only backward != both: %.3e", e3);
  // Gradient norm.
  double n2 = 0;
  for (double x : grad) n2 += x * x;
  CHECK(std::fabs(m.grad_norm() - std::sqrt(n2)) < 1e-12 * std::sqrt(n2), "grad_norm %.12g vs %.12g", m.grad_norm(),
        std::sqrt(n2));
  m.zero_grads();
  CHECK(m.grad_norm() == 0.0, "zero_grads");
}

// float model through the C API vs the double model, same (float-representable) parameters.
void compare_float_double(const char *label, const ak_model_config &c, const Batch &b, uint64_t seed, int threads,
                          double fwd_tol, double grad_tol) {
  Rng rng(seed);
  ak::engine::Model<double> md;
  md.init(c, threads);
  std::vector<double> p;
  random_params(md.tensors(), c, p, rng);
  for (double &x : p) x = static_cast<float>(x);
  std::copy(p.begin(), p.end(), md.params());
  ak_model *mf = nullptr;
  CHECK(ak_model_create(&c, threads, &mf) == AK_OK, "create: %s", ak_last_error());
  if (!mf) return;
  for (int64_t i = 0; i < ak_model_num_params(mf); i++) ak_model_params(mf)[i] = static_cast<float>(p[i]);
  const size_t nh = static_cast<size_t>(b.B) * c.hidden_size, nl = static_cast<size_t>(b.B) * b.select.size();
  std::vector<double> hd(nh), ld(nl), rh(nh), rl(nl);
  std::vector<float> hf(nh), lf(nl), rhf(nh), rlf(nl);
  for (size_t i = 0; i < nh; i++) rhf[i] = static_cast<float>(normal(rng)), rh[i] = rhf[i];
  for (size_t i = 0; i < nl; i++) rlf[i] = static_cast<float>(normal(rng)), rl[i] = rlf[i];
  CHECK(md.forward(b.view(), hd.data(), ld.data()) == AK_OK, "double forward: %s", ak_last_error());
  CHECK(ak_model_forward(mf, ptr(b.view()), hf.data(), lf.data()) == AK_OK, "float forward: %s", ak_last_error());
  md.backward(rh.data(), rl.data());
  CHECK(ak_model_backward(mf, rhf.data(), rlf.data()) == AK_OK, "float backward: %s", ak_last_error());
  const double eh = max_abs_diff(hf, hd) / std::max(max_abs(hd), 1e-30), el = max_abs_diff(lf, ld) / std::max(max_abs(ld), 1e-30);
  const std::vector<double> gd(md.grads(), md.grads() + md.num_params());
  const std::vector<float> gf(ak_model_grads(mf), ak_model_grads(mf) + ak_model_num_params(mf));
  const double eg = rel_norm_diff(gf, gd);
  // per-tensor gradient agreement
  double eg_worst = 0;
  std::string worst_name;
  for (const auto &ti : md.tensors()) {
    std::vector<double> a(gd.begin() + ti.offset, gd.begin() + ti.offset + ti.count);
    std::vector<float> bf(gf.begin() + ti.offset, gf.begin() + ti.offset + ti.count);
    const double e = rel_norm_diff(bf, a);
    if (e > eg_worst) eg_worst = e, worst_name = ti.name;
  }
  std::printf("  %s: hidden %.2e, logits %.2e (max abs err / max abs), grads ‖Δ‖/‖g‖ %.2e (worst tensor %s %.2e), "
              "activations %.1f KiB\n",
              label, eh, el, eg, worst_name.c_str(), eg_worst, ak_model_activation_bytes(mf) / 1024.0);
  CHECK(eh < fwd_tol && el < fwd_tol, "%s: float forward vs double %.3e %.3e", label, eh, el);
  CHECK(eg_worst < grad_tol, "%s: float gradients vs double: worst tensor %s %.3e", label, worst_name.c_str(), eg_worst);
  const double gn = ak_grad_norm(mf);
  double n2 = 0;
  for (float x : gf) n2 += static_cast<double>(x) * x;
  CHECK(std::fabs(gn - std::sqrt(n2)) <= 1e-9 * std::sqrt(n2), "%s: ak_grad_norm %.10g vs %.10g", label, gn, std::sqrt(n2));
  ak_model_destroy(mf);
}

void check_float() {
  GroupScope g("float (C API) vs double: forward and gradients");
  Tiny &t = tiny();
  compare_float_double("tiny", t.cfg, t.batch, 99, 1, 2e-5, 1e-4);
  const ak_model_config c = larger_config();
  Rng rng(5);
  ak::engine::Model<double> probe;
  probe.init(c, 1);
  Batch b = make_batch(c, {40, 33, 12}, 40, {{0, 3, 50}, {0, 20, 30}, {1, 1, 20}}, {39, 32, 11}, {0, 5, 0}, {5, 9, 13}, rng);
  mark_audio(b, c, [&](int f) { return static_cast<int>(probe.audio_tokens(f)); });
  compare_float_double("larger, 1 thread", c, b, 7, 1, 1e-4, 1e-3);
  compare_float_double("larger, 4 threads", c, b, 7, 4, 1e-4, 1e-3);
  // No convolutions: the projection reads the mel frames themselves (one token per frame).
  ak_model_config nc = c;
  nc.num_audio_convs = 0;
  Batch bn = make_batch(nc, {40, 33, 12}, 40, {{0, 3, 10}, {0, 20, 8}, {1, 1, 6}}, {39, 32, 11}, {0, 5, 0}, {5, 9, 13}, rng);
  mark_audio(bn, nc, [](int f) { return f; });
  compare_float_double("larger, no audio convs", nc, bn, 8, 2, 1e-4, 1e-3);
}

void check_reuse() {
  GroupScope g("activations: reuse across batch shapes, determinism");
  const ak_model_config c = larger_config();
  Rng rng(11);
  ak_model *m = nullptr, *fresh = nullptr;
  ak_model_create(&c, 3, &m);
  ak_model_create(&c, 3, &fresh);
  if (!m || !fresh) {
    CHECK(false, "create");
    return;
  }
  for (int64_t i = 0; i < ak_model_num_params(m); i++)
    ak_model_params(m)[i] = ak_model_params(fresh)[i] = static_cast<float>(normal(rng) * 0.1 + (i % 7 == 0 ? 1 : 0));
  ak::engine::Model<double> probe;
  probe.init(c, 1);
  auto tokens = [&](int f) { return static_cast<int>(probe.audio_tokens(f)); };
  Batch big = make_batch(c, {40, 33, 12, 40}, 40, {{0, 3, 50}}, {39, 32, 11, 7}, {0, 5, 0, 0}, {5, 9}, rng);
  mark_audio(big, c, tokens);
  Batch small = make_batch(c, {10, 7}, 10, {{1, 2, 9}}, {9, 6}, {0, 0}, {1}, rng);
  mark_audio(small, c, tokens);
  CHECK(ak_model_activation_bytes(m) == 0, "activation bytes before any forward: %lld", (long long)ak_model_activation_bytes(m));
  std::vector<float> h(4 * c.hidden_size), l(8), h1(2 * c.hidden_size), l1(2), h2(2 * c.hidden_size), l2(2);
  CHECK(ak_model_forward(m, ptr(big.view()), h.data(), l.data()) == AK_OK, "big forward: %s", ak_last_error());
  const int64_t bytes_big = ak_model_activation_bytes(m);
  CHECK(ak_model_forward(m, ptr(small.view()), h1.data(), l1.data()) == AK_OK, "small forward: %s", ak_last_error());
  CHECK(ak_model_activation_bytes(m) == bytes_big, "the arena shrank or grew for a smaller batch: %lld vs %lld",
        (long long)ak_model_activation_bytes(m), (long long)bytes_big);
  std::vector<float> dh(2 * c.hidden_size, 0.5f), dl(2, -1.f);
  CHECK(ak_model_backward(m, dh.data(), dl.data()) == AK_OK, "backward: %s", ak_last_error());
  CHECK(ak_model_forward(fresh, ptr(small.view()), h2.data(), l2.data()) == AK_OK, "fresh forward: %s", ak_last_error());
  CHECK(ak_model_backward(fresh, dh.data(), dl.data()) == AK_OK, "fresh backward: %s", ak_last_error());
  CHECK(max_abs_diff(h1, h2) == 0 && max_abs_diff(l1, l2) == 0, "reused arena changes the forward");
  bool same = true;
  for (int64_t i = 0; i < ak_model_num_params(m); i++) same = same && ak_model_grads(m)[i] == ak_model_grads(fresh)[i];
  CHECK(same, "reused arena changes the gradients");
  std::printf("  activation bytes: %lld (batch 4 × 40, hidden %d, 2 layers)\n", (long long)bytes_big, c.hidden_size);
  ak_model_destroy(m);
  ak_model_destroy(fresh);
}

void check_adamw() {
  GroupScope g("AdamW vs scalar reference");
  const ak_model_config c = tiny_config();
  ak_model *m = nullptr;
  ak_model_create(&c, 2, &m);
  if (!m) {
    CHECK(false, "create");
    return;
  }
  Rng rng(3);
  const int64_t n = ak_model_num_params(m);
  const int32_t nt = ak_model_num_tensors(m);
  std::vector<double> p(n), mm(n, 0.0), vv(n, 0.0), m_mag(n, 0.0);  // m_mag: the same average of |g| (rounding scale)
  for (int64_t i = 0; i < n; i++) p[i] = ak_model_params(m)[i] = static_cast<float>(normal(rng));
  std::vector<float> mf(n, 0.f), vf(n, 0.f);
  std::vector<uint8_t> decay(nt);
  for (int32_t t = 0; t < nt; t++) decay[t] = t % 2;
  const float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f;
  double worst = 0;
  for (int step = 1; step <= 4; step++) {
    const float gs = step == 3 ? 0.25f : 1.f;
    for (int64_t i = 0; i < n; i++) ak_model_grads(m)[i] = static_cast<float>(normal(rng) * (i % 5 == 0 ? 1e-4 : 1.0));
    CHECK(ak_adamw_step(m, mf.data(), vf.data(), step, lr, b1, b2, eps, wd, decay.data(), gs) == AK_OK, "step %d: %s", step,
          ak_last_error());
    for (int32_t t = 0; t < nt; t++) {
      int64_t off, cnt;
      ak_model_tensor(m, t, nullptr, &off, &cnt);
      for (int64_t i = off; i < off + cnt; i++) {
        const double gr = static_cast<double>(ak_model_grads(m)[i]) * gs;
        mm[i] = b1 * mm[i] + (1 - static_cast<double>(b1)) * gr;
        m_mag[i] = b1 * m_mag[i] + (1 - static_cast<double>(b1)) * std::fabs(gr);
        vv[i] = b2 * vv[i] + (1 - static_cast<double>(b2)) * gr * gr;
        const double mhat = mm[i] / (1 - std::pow(static_cast<double>(b1), step));
        const double vhat = vv[i] / (1 - std::pow(static_cast<double>(b2), step));
        p[i] -= lr * (mhat / (std::sqrt(vhat) + eps) + (decay[t] ? wd * p[i] : 0.0));
      }
    }
    for (int64_t i = 0; i < n; i++) {
      const double e = std::fabs(ak_model_params(m)[i] - p[i]) / (std::fabs(p[i]) + lr);
      worst = std::max(worst, e);
      CHECK(e < 2e-6, "step %d param %lld: %.9g vs %.9g", step, (long long)i, ak_model_params(m)[i], p[i]);
      CHECK(std::fabs(mf[i] - mm[i]) <= 1e-6 * m_mag[i] + 1e-20 && std::fabs(vf[i] - vv[i]) <= 1e-6 * vv[i] + 1e-30,
            "step %d moments %lld: m %.9g vs %.9g, v %.9g vs %.9g", step, (long long)i, mf[i], mm[i], vf[i], vv[i]);
    }
  }
  std::printf("  4 steps over %lld parameters, max |Δp| / (|p| + lr) = %.2e\n", (long long)n, worst);
  // weight decay only where the mask says so: zero gradient, one step
  ak_model_zero_grads(m);
  std::vector<float> before(ak_model_params(m), ak_model_params(m) + n), m0(n, 0.f), v0(n, 0.f);
  CHECK(ak_adamw_step(m, m0.data(), v0.data(), 1, 0.5f, b1, b2, eps, 0.2f, decay.data(), 1.f) == AK_OK, "decay step");
  bool ok = true;
  for (int32_t t = 0; t < nt; t++) {
    int64_t off, cnt;
    ak_model_tensor(m, t, nullptr, &off, &cnt);
    for (int64_t i = off; i < off + cnt; i++) {
      const float expect = decay[t] ? before[i] - 0.5f * 0.2f * before[i] : before[i];
      ok = ok && std::fabs(ak_model_params(m)[i] - expect) <= 1e-6f * std::fabs(before[i]);
    }
  }
  CHECK(ok, "decoupled weight decay applies to masked tensors only");
  ak_model_destroy(m);
}

void check_errors() {
  GroupScope g("argument validation");
  auto expect_invalid = [](ak_status st, const char *what) {
    const std::string msg = ak_last_error();
    CHECK(st == AK_ERR_INVALID_ARGUMENT && !msg.empty(), "%s: status %d, message '%s'", what, (int)st, msg.c_str());
  };
  // configuration
  ak_model *m = nullptr;
  ak_model_config c = tiny_config();
  {
    ak_model_config bad = c;
    bad.num_heads = 5;
    expect_invalid(ak_model_create(&bad, 1, &m), "hidden not a multiple of heads");
    CHECK(m == nullptr, "failed create leaves out null");
    bad = c, bad.num_heads = 4;  // head size 3: odd
    expect_invalid(ak_model_create(&bad, 1, &m), "odd head size");
    bad = c, bad.num_audio_convs = AK_MAX_AUDIO_CONVS + 1;
    expect_invalid(ak_model_create(&bad, 1, &m), "too many convs");
    bad = c, bad.conv_stride[1] = 0;
    expect_invalid(ak_model_create(&bad, 1, &m), "zero stride");
    bad = c, bad.rms_norm_eps = 0;
    expect_invalid(ak_model_create(&bad, 1, &m), "zero eps");
    bad = c, bad.vocab_size = 0;
    expect_invalid(ak_model_create(&bad, 1, &m), "zero vocab");
    bad = c, bad.num_layers = -1;
    expect_invalid(ak_model_create(&bad, 1, &m), "negative layers");
    expect_invalid(ak_model_create(nullptr, 1, &m), "null config");
    bad = c, bad.num_layers = 0, bad.num_audio_convs = 0;
    CHECK(ak_model_create(&bad, 1, &m) == AK_OK, "0 layers, 0 convs is a valid model: %s", ak_last_error());
    ak_model_destroy(m);
    m = nullptr;
  }
  CHECK(ak_model_create(&c, 1, &m) == AK_OK, "create");
  if (!m) return;
  Rng rng(8);
  for (int64_t i = 0; i < ak_model_num_params(m); i++) ak_model_params(m)[i] = static_cast<float>(normal(rng) * 0.3);
  const char *name;
  expect_invalid(ak_model_tensor(m, ak_model_num_tensors(m), &name, nullptr, nullptr), "tensor index past the end");
  expect_invalid(ak_model_tensor(m, -1, &name, nullptr, nullptr), "negative tensor index");
  expect_invalid(ak_model_backward(m, nullptr, nullptr), "backward before any forward");

  const Tiny &t = tiny();
  const Batch good = t.batch;
  std::vector<float> h(good.B * c.hidden_size), l(good.B * good.select.size());
  auto fwd = [&](const Batch &b) {
    const ak_batch v = b.view();
    return ak_model_forward(m, &v, h.data(), l.data());
  };
  CHECK(fwd(good) == AK_OK, "good batch: %s", ak_last_error());
  {
    Batch b = good;
    b.ids[1] = c.vocab_size;
    expect_invalid(fwd(b), "id = vocab at a real token");
    b = good, b.ids[2 * b.L + 1] = -1;
    expect_invalid(fwd(b), "negative id");
    b = good, b.ids[1 * b.L + 8] = 999, b.positions[1 * b.L + 8] = 999;  // padding: ignored
    CHECK(fwd(b) == AK_OK, "ids/positions at padding are ignored: %s", ak_last_error());
    b = good, b.ids[0 * b.L + 3] = 999;  // audio position: ignored
    CHECK(fwd(b) == AK_OK, "ids at audio positions are ignored: %s", ak_last_error());
    b = good, b.positions[4] = c.max_positions;
    expect_invalid(fwd(b), "position = max_positions");
    b = good, b.positions[4] = -1;
    expect_invalid(fwd(b), "negative position");
    b = good, b.mask[3] = 2;
    expect_invalid(fwd(b), "mask value 2");
    b = good, b.read_at[1] = 6;  // sequence 1 has 6 real tokens
    expect_invalid(fwd(b), "read_at on padding");
    b = good, b.read_at[0] = b.L;
    expect_invalid(fwd(b), "read_at = length");
    b = good, b.read_at[0] = -1;
    expect_invalid(fwd(b), "negative read_at");
    b = good, b.audio_at[0] = 6;  // 4 tokens at 6..9 > length 9
    expect_invalid(fwd(b), "audio tokens overflow the sequence");
    b = good, b.audio_at[0] = -1;
    expect_invalid(fwd(b), "negative audio_at");
    b = good, b.audio_seq[0] = 2, b.audio_at[0] = 1;  // sequence 2 has 4 real tokens: 1..4 hits padding at 4
    expect_invalid(fwd(b), "audio tokens on padding");
    b = good, b.audio_seq[0] = 3;
    expect_invalid(fwd(b), "audio_seq out of range");
    b = good, b.audio_frames[0] = 0;
    expect_invalid(fwd(b), "zero audio frames");
    b = good;  // a second clip overlapping the first
    b.audio_seq.push_back(0), b.audio_at.push_back(4), b.audio_frames.push_back(3);
    for (int i = 0; i < 3 * c.n_mels; i++) b.features.push_back(0.1f);
    expect_invalid(fwd(b), "overlapping clips");
    b = good, b.select[1] = c.vocab_size;
    expect_invalid(fwd(b), "select id out of range");
    b = good;
    ak_batch v = b.view();
    v.ids = nullptr;
    expect_invalid(ak_model_forward(m, &v, h.data(), l.data()), "null ids");
    v = b.view(), v.num_select = 2, v.select_ids = nullptr;
    expect_invalid(ak_model_forward(m, &v, h.data(), l.data()), "null select_ids");
    v = b.view(), v.audio_features = nullptr;
    expect_invalid(ak_model_forward(m, &v, h.data(), l.data()), "null audio_features");
    v = b.view(), v.batch = 0;
    expect_invalid(ak_model_forward(m, &v, h.data(), l.data()), "zero batch");
    v = b.view(), v.num_audio = -1;
    expect_invalid(ak_model_forward(m, &v, h.data(), l.data()), "negative num_audio");
    expect_invalid(ak_model_forward(m, nullptr, h.data(), l.data()), "null batch");
    expect_invalid(ak_model_backward(m, nullptr, nullptr), "backward after a failed forward");
    v = b.view(), v.num_select = 0;
    CHECK(ak_model_forward(m, &v, h.data(), nullptr) == AK_OK, "no select, null logits: %s", ak_last_error());
    CHECK(ak_model_forward(m, &v, nullptr, nullptr) == AK_OK, "no outputs wanted: %s", ak_last_error());
    CHECK(ak_model_backward(m, nullptr, nullptr) == AK_OK, "backward with no gradients: %s", ak_last_error());
  }
  // AdamW
  const int64_t n = ak_model_num_params(m);
  std::vector<float> mm(n), vv(n);
  std::vector<uint8_t> decay(ak_model_num_tensors(m), 1);
  expect_invalid(ak_adamw_step(m, mm.data(), vv.data(), 0, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, decay.data(), 1.f), "step 0");
  expect_invalid(ak_adamw_step(m, nullptr, vv.data(), 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, decay.data(), 1.f), "null m");
  expect_invalid(ak_adamw_step(m, mm.data(), vv.data(), 1, 1e-3f, 1.0f, 0.999f, 1e-8f, 0.f, decay.data(), 1.f), "beta1 = 1");
  expect_invalid(ak_adamw_step(m, mm.data(), vv.data(), 1, -1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, decay.data(), 1.f), "negative lr");
  expect_invalid(ak_adamw_step(m, mm.data(), vv.data(), 1, 1e-3f, 0.9f, 0.999f, 0.f, 0.f, decay.data(), 1.f), "eps 0");
  expect_invalid(ak_adamw_step(m, mm.data(), vv.data(), 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, nullptr, 1.f), "decay without mask");
  expect_invalid(ak_adamw_step(m, mm.data(), vv.data(), 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, decay.data(), NAN), "NaN grad_scale");
  decay[2] = 7;
  expect_invalid(ak_adamw_step(m, mm.data(), vv.data(), 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, decay.data(), 1.f), "mask value 7");
  expect_invalid(ak_adamw_step(nullptr, mm.data(), vv.data(), 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, nullptr, 1.f), "null model");
  ak_model_destroy(m);
}

void bench() {
  GroupScope g("bench");
  ak_model_config c{};
  c.vocab_size = 4000, c.hidden_size = 384, c.num_layers = 6, c.num_heads = 6, c.intermediate_size = 1024;
  c.max_positions = 1024, c.rms_norm_eps = 1e-6f, c.rope_theta = 10000.f;
  c.n_mels = 80, c.num_audio_convs = 2;
  c.conv_kernel[0] = 3, c.conv_stride[0] = 1, c.conv_channels[0] = 256;
  c.conv_kernel[1] = 3, c.conv_stride[1] = 2, c.conv_channels[1] = 256;
  ak_model *m = nullptr;
  if (ak_model_create(&c, 0, &m) != AK_OK) return;
  Rng rng(1);
  for (int64_t i = 0; i < ak_model_num_params(m); i++) ak_model_params(m)[i] = static_cast<float>(normal(rng) * 0.05);
  const int B = 8, L = 192, frames = 200;
  std::vector<int> lengths(B, L), reads(B, L - 1), offs(B, 0);
  std::vector<std::array<int, 3>> clips;
  for (int b = 0; b < B; b++) clips.push_back({b, 4, frames});
  Batch batch = make_batch(c, lengths, L, clips, reads, offs, {10, 11}, rng);
  std::vector<float> h(B * c.hidden_size), l(B * 2), dh(B * c.hidden_size, 0.01f), dl(B * 2, 0.1f);
  std::vector<float> mm(ak_model_num_params(m)), vv(ak_model_num_params(m));
  std::vector<uint8_t> decay(ak_model_num_tensors(m), 1);
  for (int it = 0; it < 4; it++) {
    auto t0 = std::chrono::steady_clock::now();
    ak_model_forward(m, ptr(batch.view()), h.data(), l.data());
    auto t1 = std::chrono::steady_clock::now();
    ak_model_backward(m, dh.data(), dl.data());
    auto t2 = std::chrono::steady_clock::now();
    ak_adamw_step(m, mm.data(), vv.data(), it + 1, 1e-4f, 0.9f, 0.999f, 1e-8f, 0.01f, decay.data(), 1.f);
    auto t3 = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::printf("  %lld params, batch %d × %d (+%d-frame clips): forward %.1f ms, backward %.1f ms, adamw %.1f ms, "
                "activations %.1f MiB\n",
                (long long)ak_model_num_params(m), B, L, frames, ms(t0, t1), ms(t1, t2), ms(t2, t3),
                ak_model_activation_bytes(m) / 1048576.0);
  }
  ak_model_destroy(m);
}

}  // namespace

int main(int argc, char **argv) {
  bool run_bench = false;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--bench")) run_bench = true;
    else {
      std::fprintf(stderr, "usage: %s [--bench]\n", argv[0]);
      return 2;
    }
  }
  check_layout();
  check_reference();
  check_gradient();
  check_float();
  check_reuse();
  check_adamw();
  check_errors();
  if (run_bench) bench();
  return check::summary();
}
