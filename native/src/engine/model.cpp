// aurola's decoder-only audio-language model, forward and backward, over the layer functions of ops.hpp; and the
// C API of aurola_engine.h over its float instance. The architecture is libs/backbone's (reference.ts, the ONNX
// writer): token embedding, pre-norm blocks (RMSNorm → q, k, v → RoPE → causal masked attention → Wo → residual;
// RMSNorm → SwiGLU → residual), final RMSNorm, LM head tied to the embedding; the conv + GELU audio encoder whose
// tokens replace the input embeddings at [audio_at, audio_at + tokens).
//
// Rows: the batch arrives right-padded [B, L]; the engine keeps only its real positions, packed sequence after
// sequence (N rows), so linear layers, norms and MLPs never touch padding; attention takes the sequences' row ranges.
// The audio encoder likewise runs every clip of the batch at once (model.hpp, AudioStage): one GEMM per convolution.
//
// Memory: the forward keeps, per block, its input x, q and k (after RoPE), v, the attention output, x + attention,
// the SwiGLU gate and up projections, both RMSNorm rstd and the attention log-sum-exp; the normalised inputs and the
// SwiGLU output are recomputed in the backward (cheap, elementwise) instead of being stored. Everything lives in one
// arena grown on demand and reused across calls; the backward's temporaries are part of it.
#include "model.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "common.hpp"
#include "ops.hpp"

namespace ak::engine {

namespace {

int omp_threads(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

// p[0..n) = 0; large buffers (the backward's temporaries) in parallel chunks.
template <typename T>
void zero(T *p, int64_t n, int threads = 1) {
  constexpr int64_t chunk = 1 << 16;
  const int64_t chunks = (n + chunk - 1) / chunk;
#pragma omp parallel for num_threads(omp_threads(threads)) schedule(static) if (chunks > 4)
  for (int64_t c = 0; c < chunks; c++)
    std::memset(p + c * chunk, 0, static_cast<size_t>(std::min(chunk, n - c * chunk)) * sizeof(T));
}

// out = a + b, elementwise.
template <typename T>
void add(T *out, const T *a, const T *b, int64_t n, int threads) {
#pragma omp parallel for num_threads(omp_threads(threads)) if (n > (1 << 16)) schedule(static)
  for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

int64_t conv_out(int64_t in, int64_t k, int64_t s) {
  const int64_t num = in + 2 * (k / 2) - k;  // ≥ −1 for in ≥ 0
  return (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;  // floor division
}

#define AK_REQUIRE(cond, ...) \
  do {                        \
    if (!(cond)) return ak::fail(AK_ERR_INVALID_ARGUMENT, __VA_ARGS__); \
  } while (0)

}  // namespace

// ---- Owned ----

template <typename T>
bool Owned<T>::resize(int64_t count) {
  reset();
  if (count <= 0) return true;
  ptr_ = static_cast<T *>(aligned_alloc_bytes(count * static_cast<int64_t>(sizeof(T))));
  if (!ptr_) return false;
  count_ = count;
  zero(ptr_, count_);
  return true;
}

template <typename T>
void Owned<T>::reset() {
  if (ptr_) aligned_free_bytes(ptr_);
  ptr_ = nullptr;
  count_ = 0;
}

// ---- construction and layout ----

template <typename T>
ak_status Model<T>::init(const ak_model_config &c, int threads) {
  AK_REQUIRE(c.vocab_size > 0 && c.hidden_size > 0 && c.num_heads > 0 && c.intermediate_size > 0 && c.max_positions > 0,
             "model: vocab_size, hidden_size, num_heads, intermediate_size and max_positions must be positive "
             "(got %d, %d, %d, %d, %d)",
             c.vocab_size, c.hidden_size, c.num_heads, c.intermediate_size, c.max_positions);
  AK_REQUIRE(c.num_layers >= 0, "model: num_layers must be >= 0 (got %d)", c.num_layers);
  AK_REQUIRE(c.hidden_size % c.num_heads == 0, "model: hidden_size %d is not a multiple of num_heads %d", c.hidden_size,
             c.num_heads);
  AK_REQUIRE((c.hidden_size / c.num_heads) % 2 == 0, "model: head size %d must be even (rotary halves)",
             c.hidden_size / c.num_heads);
  AK_REQUIRE(std::isfinite(c.rms_norm_eps) && c.rms_norm_eps > 0, "model: rms_norm_eps must be positive (got %g)",
             static_cast<double>(c.rms_norm_eps));
  AK_REQUIRE(std::isfinite(c.rope_theta) && c.rope_theta > 0, "model: rope_theta must be positive (got %g)",
             static_cast<double>(c.rope_theta));
  AK_REQUIRE(c.n_mels > 0, "model: n_mels must be positive (got %d)", c.n_mels);
  AK_REQUIRE(c.num_audio_convs >= 0 && c.num_audio_convs <= AK_MAX_AUDIO_CONVS,
             "model: num_audio_convs must be in [0, %d] (got %d)", AK_MAX_AUDIO_CONVS, c.num_audio_convs);
  for (int i = 0; i < c.num_audio_convs; i++)
    AK_REQUIRE(c.conv_kernel[i] > 0 && c.conv_stride[i] > 0 && c.conv_channels[i] > 0,
               "model: audio conv %d needs positive kernel, stride and channels (got %d, %d, %d)", i, c.conv_kernel[i],
               c.conv_stride[i], c.conv_channels[i]);
  cfg_ = c;
  threads_ = threads;
  d_ = c.hidden_size, f_ = c.intermediate_size, H_ = c.num_heads, hd_ = d_ / H_;

  tensors_.clear();
  num_params_ = 0;
  auto add_tensor = [&](std::string name, int64_t count) {
    tensors_.push_back({std::move(name), num_params_, count});
    num_params_ += count;
    return num_params_ - count;
  };
  embed_ = add_tensor("embed", static_cast<int64_t>(c.vocab_size) * d_);
  layer_off_.assign(c.num_layers, {});
  for (int l = 0; l < c.num_layers; l++) {
    const std::string p = "layers." + std::to_string(l) + ".";
    LayerOffsets &o = layer_off_[l];
    o.attn_norm = add_tensor(p + "attnNorm", d_);
    o.wq = add_tensor(p + "wq", d_ * d_);
    o.wk = add_tensor(p + "wk", d_ * d_);
    o.wv = add_tensor(p + "wv", d_ * d_);
    o.wo = add_tensor(p + "wo", d_ * d_);
    o.mlp_norm = add_tensor(p + "mlpNorm", d_);
    o.w_gate = add_tensor(p + "wGate", d_ * f_);
    o.w_up = add_tensor(p + "wUp", d_ * f_);
    o.w_down = add_tensor(p + "wDown", f_ * d_);
  }
  final_norm_ = add_tensor("finalNorm", d_);
  conv_off_.assign(c.num_audio_convs, {});
  for (int i = 0; i < c.num_audio_convs; i++) {
    const std::string p = "audio.convs." + std::to_string(i) + ".";
    conv_off_[i].weight = add_tensor(p + "weight", static_cast<int64_t>(c.conv_channels[i]) * channels_in(i) * c.conv_kernel[i]);
    conv_off_[i].bias = add_tensor(p + "bias", c.conv_channels[i]);
  }
  proj_ = add_tensor("audio.proj", last_channels() * d_);
  proj_bias_ = add_tensor("audio.projBias", d_);
  if (!params_.resize(num_params_) || !grads_.resize(num_params_))
    return ak::fail(AK_ERR_OUT_OF_MEMORY, "model: cannot allocate %lld parameters", static_cast<long long>(num_params_));
  have_forward_ = false;
  return AK_OK;
}

template <typename T>
int64_t Model<T>::audio_tokens(int64_t frames) const {
  if (frames < 0) return -1;
  int64_t n = frames;
  for (int i = 0; i < cfg_.num_audio_convs; i++) n = conv_out(n, cfg_.conv_kernel[i], cfg_.conv_stride[i]);
  return n;
}

template <typename T>
void Model<T>::layout(T *base, int64_t *total) {
  int64_t used = 0;
  constexpr int64_t kAlign = 64 / sizeof(T);
  auto take = [&](int64_t n) -> T * {
    T *p = base ? base + used : nullptr;
    used += (n + kAlign - 1) / kAlign * kAlign;
    return p;
  };
  const int64_t N = N_, B = B_;
  acts_.resize(cfg_.num_layers);
  for (LayerActs &a : acts_) {
    a.x = take(N * d_);
    a.q = take(N * d_), a.k = take(N * d_), a.v = take(N * d_), a.att = take(N * d_), a.xmid = take(N * d_);
    a.gate = take(N * f_), a.up = take(N * f_);
    a.rstd_attn = take(N), a.rstd_mlp = take(N);
    a.lse = take(N * H_);
  }
  x_final_ = take(N * d_);
  rope_cs_ = take(N * (hd_ / 2)), rope_sn_ = take(N * (hd_ / 2));
  xr_ = take(B * d_), hid_ = take(B * d_), rstd_f_ = take(B);
  for (T *&p : t_bd_) p = take(B * d_);
  int64_t x_max = 0, pre_max = 0;  // the backward's gradients of x (not of the features, unless projected) and pre
  for (size_t c = 0; c < stages_.size(); c++) {
    AudioStage &st = stages_[c];
    st.x = take(st.rows * channels_in(static_cast<int>(c)));
    if (c > 0 || c + 1 == stages_.size()) x_max = std::max(x_max, st.rows * channels_in(static_cast<int>(c)));
    if (c + 1 < stages_.size()) {
      st.pre = take(st.out_rows * cfg_.conv_channels[c]);
      pre_max = std::max(pre_max, st.out_rows * cfg_.conv_channels[c]);
    }
  }
  // Temporaries: t_nd_[0] and [1] live through the whole backward (the audio encoder's input gradient and its
  // token rows); the rest serve the blocks and then, once the last block is done, the audio encoder, so they share
  // one region.
  t_nd_[0] = take(N * d_), t_nd_[1] = take(N * d_);
  const int64_t shared_at = used;
  for (int i = 2; i < 7; i++) t_nd_[i] = take(N * d_);
  for (T *&p : t_nf_) p = take(N * f_);
  const int64_t blocks_end = used;
  used = shared_at;
  t_audio_[0] = take(x_max), t_audio_[1] = take(pre_max);
  used = std::max(used, blocks_end);
  *total = used;
}

template <typename T>
int64_t Model<T>::activation_bytes() const {
  const int64_t n = static_cast<int64_t>(ids_.capacity() + pos_.capacity() + starts_.capacity() + row_of_.capacity() +
                                         read_row_.capacity() + select_.capacity()) * 4 +
                    static_cast<int64_t>(mask_.capacity() + flat_is_token_.capacity() + is_token_.capacity());
  return arena_.size() * static_cast<int64_t>(sizeof(T)) + n;
}

// ---- batch checks ----

template <typename T>
ak_status Model<T>::check_batch(const ak_batch &bt) {
  AK_REQUIRE(bt.batch > 0 && bt.length > 0, "forward: batch and length must be positive (got %d, %d)", bt.batch,
             bt.length);
  const int64_t N = static_cast<int64_t>(bt.batch) * bt.length;
  AK_REQUIRE(N <= std::numeric_limits<int32_t>::max(), "forward: batch × length = %lld is too large",
             static_cast<long long>(N));
  AK_REQUIRE(bt.ids && bt.mask && bt.positions && bt.read_at, "forward: ids, mask, positions and read_at are required");
  AK_REQUIRE(bt.num_audio >= 0, "forward: num_audio must be >= 0 (got %d)", bt.num_audio);
  AK_REQUIRE(bt.num_audio == 0 || (bt.audio_seq && bt.audio_at && bt.audio_frames && bt.audio_features),
             "forward: num_audio = %d but audio_seq, audio_at, audio_frames or audio_features is null", bt.num_audio);
  AK_REQUIRE(bt.num_select >= 0, "forward: num_select must be >= 0 (got %d)", bt.num_select);
  AK_REQUIRE(bt.num_select == 0 || bt.select_ids, "forward: num_select = %d but select_ids is null", bt.num_select);
  const int32_t L = bt.length;

  // Flat [B·L] views first (mask, which rows are tokens), then the packed rows.
  std::vector<uint8_t> &mask = mask_, &is_token = flat_is_token_;
  mask.resize(N);
  is_token.resize(N);
  for (int64_t n = 0; n < N; n++) {
    AK_REQUIRE(bt.mask[n] <= 1, "forward: mask[%lld] = %d (sequence %lld, position %lld) must be 0 or 1",
               static_cast<long long>(n), bt.mask[n], static_cast<long long>(n / L), static_cast<long long>(n % L));
    mask[n] = is_token[n] = bt.mask[n];
  }

  clips_.resize(bt.num_audio);
  int64_t feature_offset = 0;
  for (int32_t a = 0; a < bt.num_audio; a++) {
    Clip &clip = clips_[a];
    clip.seq = bt.audio_seq[a], clip.at = bt.audio_at[a], clip.frames = bt.audio_frames[a];
    AK_REQUIRE(clip.seq >= 0 && clip.seq < bt.batch, "forward: audio_seq[%d] = %d outside [0, %d)", a, clip.seq,
               bt.batch);
    AK_REQUIRE(clip.frames > 0, "forward: audio_frames[%d] = %d must be positive", a, clip.frames);
    const int64_t tokens = audio_tokens(clip.frames);
    AK_REQUIRE(clip.at >= 0 && clip.at + tokens <= L,
               "forward: audio clip %d (%lld tokens at position %d) does not fit in the sequence length %d", a,
               static_cast<long long>(tokens), clip.at, L);
    clip.tokens = static_cast<int32_t>(tokens);
    clip.row = static_cast<int64_t>(clip.seq) * L + clip.at;  // flat for now, packed below
    for (int64_t t = 0; t < tokens; t++) {
      const int64_t row = clip.row + t;
      AK_REQUIRE(mask[row], "forward: audio clip %d token %lld lands on padding (sequence %d, position %lld)", a,
                 static_cast<long long>(t), clip.seq, static_cast<long long>(clip.at + t));
      AK_REQUIRE(is_token[row], "forward: audio clip %d overlaps another clip at sequence %d, position %lld", a,
                 clip.seq, static_cast<long long>(clip.at + t));
      is_token[row] = 0;
    }
    clip.features = bt.audio_features + feature_offset;
    feature_offset += static_cast<int64_t>(clip.frames) * cfg_.n_mels;
    clip.time.assign(cfg_.num_audio_convs + 1, clip.frames);
    for (int c = 0; c < cfg_.num_audio_convs; c++)
      clip.time[c + 1] = conv_out(clip.time[c], cfg_.conv_kernel[c], cfg_.conv_stride[c]);
  }

  // Pack: the real positions of each sequence, in order.
  row_of_.resize(N);
  starts_.resize(bt.batch + 1);
  ids_.clear(), pos_.clear(), is_token_.clear();
  for (int32_t b = 0; b < bt.batch; b++) {
    starts_[b] = static_cast<int32_t>(ids_.size());
    for (int64_t n = static_cast<int64_t>(b) * L; n < static_cast<int64_t>(b + 1) * L; n++) {
      row_of_[n] = -1;
      if (!mask[n]) continue;
      const int32_t id = bt.ids[n], p = bt.positions[n];
      if (is_token[n]) {
        AK_REQUIRE(id >= 0 && id < cfg_.vocab_size, "forward: ids[%lld] = %d (sequence %lld, position %lld) outside [0, %d)",
                   static_cast<long long>(n), id, static_cast<long long>(n / L), static_cast<long long>(n % L),
                   cfg_.vocab_size);
      }
      AK_REQUIRE(p >= 0 && p < cfg_.max_positions,
                 "forward: positions[%lld] = %d (sequence %lld, position %lld) outside [0, max_positions = %d)",
                 static_cast<long long>(n), p, static_cast<long long>(n / L), static_cast<long long>(n % L),
                 cfg_.max_positions);
      row_of_[n] = static_cast<int32_t>(ids_.size());
      ids_.push_back(is_token[n] ? id : 0);
      pos_.push_back(p);
      is_token_.push_back(is_token[n]);
    }
  }
  starts_[bt.batch] = static_cast<int32_t>(ids_.size());
  for (Clip &clip : clips_) clip.row = row_of_[clip.row];  // its tokens are real, hence consecutive rows

  read_row_.resize(bt.batch);
  for (int32_t b = 0; b < bt.batch; b++) {
    const int32_t r = bt.read_at[b];
    AK_REQUIRE(r >= 0 && r < L, "forward: read_at[%d] = %d outside [0, length = %d)", b, r, L);
    AK_REQUIRE(mask[static_cast<int64_t>(b) * L + r], "forward: read_at[%d] = %d is a padding position", b, r);
    read_row_[b] = row_of_[static_cast<int64_t>(b) * L + r];
  }
  select_.resize(bt.num_select);
  for (int32_t s = 0; s < bt.num_select; s++) {
    AK_REQUIRE(bt.select_ids[s] >= 0 && bt.select_ids[s] < cfg_.vocab_size, "forward: select_ids[%d] = %d outside [0, %d)",
               s, bt.select_ids[s], cfg_.vocab_size);
    select_[s] = bt.select_ids[s];
  }
  B_ = bt.batch, L_ = bt.length, S_ = bt.num_select;
  N_ = starts_[bt.batch];
  plan_audio();
  return AK_OK;
}

// ---- forward ----

template <typename T>
void Model<T>::plan_audio() {
  const int nc = cfg_.num_audio_convs;
  stages_.assign(clips_.empty() ? 0 : nc + 1, AudioStage{});
  for (size_t c = 0; c < stages_.size(); c++) {
    AudioStage &st = stages_[c];
    const bool conv = static_cast<int>(c) < nc;
    const int64_t k = conv ? cfg_.conv_kernel[c] : 1;
    st.pad = conv ? k / 2 : 0, st.stride = conv ? cfg_.conv_stride[c] : 1;
    st.at.resize(clips_.size());
    int64_t row = 0;
    for (size_t j = 0; j < clips_.size(); j++) {
      st.at[j] = row;
      row += (clips_[j].time[c] + 2 * st.pad + st.stride - 1) / st.stride * st.stride;
    }
    st.out_rows = conv ? row / st.stride : 0;
    st.rows = row + std::max<int64_t>(0, k - st.stride);  // the last output window reaches this far
  }
}

// Zeroes the rows of stage c's x that are not clip data (pads, stride fill, the tail).
template <typename T>
void Model<T>::zero_audio_gaps(const AudioStage &st, int64_t channels, int64_t c) {
  int64_t row = 0;
  for (size_t j = 0; j < clips_.size(); j++) {
    const int64_t data = st.at[j] + st.pad;
    zero(st.x + row * channels, (data - row) * channels);
    row = data + clips_[j].time[c];
  }
  zero(st.x + row * channels, (st.rows - row) * channels);
}

template <typename T>
void Model<T>::audio_forward(T *x0) {
  if (clips_.empty()) return;
  const T *P = params_.data();
  const int nc = cfg_.num_audio_convs;
  const int64_t clips = static_cast<int64_t>(clips_.size()), mels = cfg_.n_mels;
  AudioStage &first = stages_[0];
  zero_audio_gaps(first, mels, 0);
  for (int64_t j = 0; j < clips; j++) {
    const Clip &clip = clips_[j];
    T *dst = first.x + (first.at[j] + first.pad) * mels;
    for (int64_t e = 0; e < clip.frames * mels; e++) dst[e] = static_cast<T>(clip.features[e]);
  }
  for (int c = 0; c < nc; c++) {
    const AudioStage &st = stages_[c], &next = stages_[c + 1];
    const int64_t Co = cfg_.conv_channels[c];
    conv1d_forward(st.pre, st.x, P + conv_off_[c].weight, P + conv_off_[c].bias, st.out_rows, channels_in(c), Co,
                   static_cast<int64_t>(cfg_.conv_kernel[c]), st.stride, threads_);
    zero_audio_gaps(next, Co, c + 1);
#pragma omp parallel for num_threads(omp_threads(threads_)) schedule(static)
    for (int64_t j = 0; j < clips; j++)
      gelu_forward(next.x + (next.at[j] + next.pad) * Co, st.pre + st.at[j] / st.stride * Co, clips_[j].time[c + 1] * Co);
  }
  // Projection of every clip's tokens at once, then each clip's rows into place.
  const AudioStage &last = stages_[nc];
  T *tokens = t_nd_[0];
  linear_forward(tokens, last.x, P + proj_, P + proj_bias_, last.rows, last_channels(), d_, threads_);
  for (int64_t j = 0; j < clips; j++)
    std::memcpy(x0 + clips_[j].row * d_, tokens + last.at[j] * d_, static_cast<size_t>(clips_[j].tokens * d_) * sizeof(T));
}

template <typename T>
ak_status Model<T>::forward(const ak_batch &batch, T *hidden, T *logits) {
  have_forward_ = false;
  const ak_status st = check_batch(batch);
  if (st != AK_OK) return st;
  int64_t total = 0;
  layout(nullptr, &total);
  if (arena_.size() < total && !arena_.resize(total))
    return ak::fail(AK_ERR_OUT_OF_MEMORY, "forward: cannot allocate %lld bytes of activations",
                    static_cast<long long>(total * static_cast<int64_t>(sizeof(T))));
  layout(arena_.data(), &total);

  const int64_t B = B_, N = N_, d = d_, f = f_;
  const T eps = static_cast<T>(cfg_.rms_norm_eps), theta = static_cast<T>(cfg_.rope_theta);
  const T *P = params_.data();
  const int nl = cfg_.num_layers;

  rope_table(rope_cs_, rope_sn_, pos_.data(), N, hd_, theta);
  T *x0 = nl > 0 ? acts_[0].x : x_final_;
  embedding_forward(x0, P + embed_, ids_.data(), N, d);
  audio_forward(x0);

  T *tmp = t_nd_[0], *xn = t_nd_[1], *sw = t_nf_[0];
  for (int l = 0; l < nl; l++) {
    LayerActs &a = acts_[l];
    const LayerOffsets &o = layer_off_[l];
    T *x_out = l + 1 < nl ? acts_[l + 1].x : x_final_;
    rmsnorm_forward(xn, a.rstd_attn, a.x, P + o.attn_norm, N, d, eps);
    linear_forward(a.q, xn, P + o.wq, static_cast<const T *>(nullptr), N, d, d, threads_);
    linear_forward(a.k, xn, P + o.wk, static_cast<const T *>(nullptr), N, d, d, threads_);
    linear_forward(a.v, xn, P + o.wv, static_cast<const T *>(nullptr), N, d, d, threads_);
    rope_forward(a.q, rope_cs_, rope_sn_, N, H_, hd_);
    rope_forward(a.k, rope_cs_, rope_sn_, N, H_, hd_);
    attention_forward(a.att, a.lse, a.q, a.k, a.v, starts_.data(), B, H_, hd_, threads_);
    linear_forward(tmp, a.att, P + o.wo, static_cast<const T *>(nullptr), N, d, d, threads_);
    add(a.xmid, a.x, tmp, N * d, threads_);
    rmsnorm_forward(xn, a.rstd_mlp, a.xmid, P + o.mlp_norm, N, d, eps);
    linear_forward(a.gate, xn, P + o.w_gate, static_cast<const T *>(nullptr), N, d, f, threads_);
    linear_forward(a.up, xn, P + o.w_up, static_cast<const T *>(nullptr), N, d, f, threads_);
    swiglu_forward(sw, a.gate, a.up, N * f);
    linear_forward(tmp, sw, P + o.w_down, static_cast<const T *>(nullptr), N, f, d, threads_);
    add(x_out, a.xmid, tmp, N * d, threads_);
  }

  gather_rows_forward(xr_, x_final_, read_row_.data(), B, d);
  rmsnorm_forward(hid_, rstd_f_, xr_, P + final_norm_, B, d, eps);
  if (hidden) std::memcpy(hidden, hid_, static_cast<size_t>(B * d) * sizeof(T));
  if (logits) {
    for (int64_t b = 0; b < B; b++)
      for (int64_t s = 0; s < S_; s++) {
        const T *e = P + embed_ + static_cast<int64_t>(select_[s]) * d;
        T sum = 0;
        for (int64_t i = 0; i < d; i++) sum += hid_[b * d + i] * e[i];
        logits[b * S_ + s] = sum;
      }
  }
  have_forward_ = true;
  return AK_OK;
}

// ---- backward ----

template <typename T>
void Model<T>::audio_backward(const T *dx0) {
  if (clips_.empty()) return;
  const T *P = params_.data();
  T *G = grads_.data();
  const int nc = cfg_.num_audio_convs;
  const int64_t clips = static_cast<int64_t>(clips_.size()), C = last_channels();
  const AudioStage &last = stages_[nc];
  T *dtokens = t_nd_[1], *dx = t_audio_[0], *dpre = t_audio_[1];
  for (int64_t j = 0; j < clips; j++)
    std::memcpy(dtokens + last.at[j] * d_, dx0 + clips_[j].row * d_, static_cast<size_t>(clips_[j].tokens * d_) * sizeof(T));
  zero(dx, last.rows * C, threads_);
  linear_backward(dx, G + proj_, G + proj_bias_, dtokens, last.x, P + proj_, last.rows, C, d_, threads_);
  // dx holds d(stage c + 1's x); only its clip data rows are read.
  for (int c = nc - 1; c >= 0; c--) {
    const AudioStage &st = stages_[c], &next = stages_[c + 1];
    const int64_t Co = cfg_.conv_channels[c], Ci = channels_in(c);
    zero(dpre, st.out_rows * Co, threads_);  // junk rows stay 0, so they add nothing to the weight gradient
#pragma omp parallel for num_threads(omp_threads(threads_)) schedule(static)
    for (int64_t j = 0; j < clips; j++)
      gelu_backward(dpre + st.at[j] / st.stride * Co, dx + (next.at[j] + next.pad) * Co, st.pre + st.at[j] / st.stride * Co,
                    clips_[j].time[c + 1] * Co);
    if (c > 0) zero(dx, st.rows * Ci, threads_);  // the features (c = 0) need no gradient
    conv1d_backward(c > 0 ? dx : static_cast<T *>(nullptr), G + conv_off_[c].weight, G + conv_off_[c].bias, dpre, st.x,
                    P + conv_off_[c].weight, st.out_rows, Ci, Co, static_cast<int64_t>(cfg_.conv_kernel[c]), st.stride,
                    threads_);
  }
}

template <typename T>
ak_status Model<T>::backward(const T *d_hidden, const T *d_logits) {
  AK_REQUIRE(have_forward_, "backward: no forward to differentiate (call forward first; a failed forward clears it)");
  const int64_t B = B_, N = N_, d = d_, f = f_;
  const T eps = static_cast<T>(cfg_.rms_norm_eps);
  const T *P = params_.data();
  T *G = grads_.data();

  // Head: hidden = RMSNorm(x_final[read rows]); logits[b, s] = hidden[b] · embed[select[s]].
  T *dhid = t_bd_[0], *dxr = t_bd_[1];
  if (d_hidden) std::memcpy(dhid, d_hidden, static_cast<size_t>(B * d) * sizeof(T));
  else zero(dhid, B * d);
  if (d_logits) {
    for (int64_t b = 0; b < B; b++)
      for (int64_t s = 0; s < S_; s++) {
        const T g = d_logits[b * S_ + s];
        if (g == T(0)) continue;
        const int64_t row = static_cast<int64_t>(select_[s]) * d;
        const T *e = P + embed_ + row;
        T *ge = G + embed_ + row;
        for (int64_t i = 0; i < d; i++) {
          dhid[b * d + i] += g * e[i];
          ge[i] += g * hid_[b * d + i];
        }
      }
  }
  zero(dxr, B * d);
  rmsnorm_backward(dxr, G + final_norm_, dhid, xr_, P + final_norm_, rstd_f_, B, d);
  T *dx = t_nd_[0], *dxn = t_nd_[1], *datt = t_nd_[2], *dq = t_nd_[3], *dk = t_nd_[4], *dv = t_nd_[5], *xn = t_nd_[6];
  T *sw = t_nf_[0], *dsw = t_nf_[1], *dgate = t_nf_[2], *dup = t_nf_[3];
  zero(dx, N * d, threads_);
  gather_rows_backward(dx, dxr, read_row_.data(), B, d);

  for (int l = cfg_.num_layers - 1; l >= 0; l--) {
    LayerActs &a = acts_[l];
    const LayerOffsets &o = layer_off_[l];
    // MLP branch; dx holds d(block output).
    rmsnorm_forward(xn, a.rstd_mlp, a.xmid, P + o.mlp_norm, N, d, eps);  // recomputed (same values, same rstd)
    swiglu_forward(sw, a.gate, a.up, N * f);
    zero(dsw, N * f, threads_);
    linear_backward(dsw, G + o.w_down, static_cast<T *>(nullptr), dx, sw, P + o.w_down, N, f, d, threads_);
    zero(dgate, N * f, threads_), zero(dup, N * f, threads_);
    swiglu_backward(dgate, dup, dsw, a.gate, a.up, N * f);
    zero(dxn, N * d, threads_);
    linear_backward(dxn, G + o.w_gate, static_cast<T *>(nullptr), dgate, xn, P + o.w_gate, N, d, f, threads_);
    linear_backward(dxn, G + o.w_up, static_cast<T *>(nullptr), dup, xn, P + o.w_up, N, d, f, threads_);
    rmsnorm_backward(dx, G + o.mlp_norm, dxn, a.xmid, P + o.mlp_norm, a.rstd_mlp, N, d);  // dx = d(xmid)
    // Attention branch.
    zero(datt, N * d, threads_);
    linear_backward(datt, G + o.wo, static_cast<T *>(nullptr), dx, a.att, P + o.wo, N, d, d, threads_);
    zero(dq, N * d, threads_), zero(dk, N * d, threads_), zero(dv, N * d, threads_);
    attention_backward(dq, dk, dv, datt, a.att, a.lse, a.q, a.k, a.v, starts_.data(), B, H_, hd_, threads_);
    rope_backward(dq, rope_cs_, rope_sn_, N, H_, hd_);
    rope_backward(dk, rope_cs_, rope_sn_, N, H_, hd_);
    rmsnorm_forward(xn, a.rstd_attn, a.x, P + o.attn_norm, N, d, eps);
    zero(dxn, N * d, threads_);
    linear_backward(dxn, G + o.wq, static_cast<T *>(nullptr), dq, xn, P + o.wq, N, d, d, threads_);
    linear_backward(dxn, G + o.wk, static_cast<T *>(nullptr), dk, xn, P + o.wk, N, d, d, threads_);
    linear_backward(dxn, G + o.wv, static_cast<T *>(nullptr), dv, xn, P + o.wv, N, d, d, threads_);
    rmsnorm_backward(dx, G + o.attn_norm, dxn, a.x, P + o.attn_norm, a.rstd_attn, N, d);  // dx = d(block input)
  }

  // Input embeddings: audio rows feed the audio encoder, token rows the embedding table.
  audio_backward(dx);
  for (int64_t n = 0; n < N; n++)
    if (!is_token_[n]) zero(dx + n * d, d);
  embedding_backward(G + embed_, dx, ids_.data(), N, d);
  return AK_OK;
}

// ---- gradients and the optimiser ----

template <typename T>
void Model<T>::zero_grads() {
  zero(grads_.data(), num_params_, threads_);
}

template <typename T>
double Model<T>::grad_norm() const {
  const T *g = grads_.data();
  const int64_t n = num_params_;
  double sum = 0;
#pragma omp parallel for num_threads(omp_threads(threads_)) if (n > (1 << 16)) reduction(+ : sum) schedule(static)
  for (int64_t i = 0; i < n; i++) sum += static_cast<double>(g[i]) * static_cast<double>(g[i]);
  return std::sqrt(sum);
}

template <typename T>
ak_status Model<T>::adamw_step(T *m, T *v, int64_t step, double lr, double beta1, double beta2, double eps,
                               double weight_decay, const uint8_t *decay_mask, double grad_scale) {
  AK_REQUIRE(m && v, "adamw: m and v are required");
  AK_REQUIRE(step >= 1, "adamw: step counts from 1 (got %lld)", static_cast<long long>(step));
  AK_REQUIRE(std::isfinite(lr) && lr >= 0, "adamw: lr must be finite and >= 0 (got %g)", lr);
  AK_REQUIRE(beta1 >= 0 && beta1 < 1, "adamw: beta1 must be in [0, 1) (got %g)", beta1);
  AK_REQUIRE(beta2 >= 0 && beta2 < 1, "adamw: beta2 must be in [0, 1) (got %g)", beta2);
  AK_REQUIRE(std::isfinite(eps) && eps > 0, "adamw: eps must be positive (got %g)", eps);
  AK_REQUIRE(std::isfinite(weight_decay) && weight_decay >= 0, "adamw: weight_decay must be finite and >= 0 (got %g)",
             weight_decay);
  AK_REQUIRE(std::isfinite(grad_scale), "adamw: grad_scale must be finite (got %g)", grad_scale);
  AK_REQUIRE(weight_decay == 0 || decay_mask, "adamw: weight_decay %g needs a decay_mask", weight_decay);
  if (decay_mask)
    for (size_t i = 0; i < tensors_.size(); i++)
      AK_REQUIRE(decay_mask[i] <= 1, "adamw: decay_mask[%zu] = %d must be 0 or 1", i, decay_mask[i]);

  // Bias corrections in double, folded into the step size and the denominator's epsilon:
  // m̂/(√v̂ + eps) = (m/bc1) / (√v/√bc2 + eps).
  const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2);
  const T c1 = static_cast<T>(1 - beta1), c2 = static_cast<T>(1 - beta2);
  const T inv_bc1 = static_cast<T>(1 / (1 - std::pow(beta1, static_cast<double>(step))));
  const T inv_sqrt_bc2 = static_cast<T>(1 / std::sqrt(1 - std::pow(beta2, static_cast<double>(step))));
  const T lr_t = static_cast<T>(lr), eps_t = static_cast<T>(eps), gs = static_cast<T>(grad_scale);
  T *p = params_.data();
  const T *g = grads_.data();
  const int64_t num_tensors = static_cast<int64_t>(tensors_.size());
  // One parallel region for all tensors (no barrier between them): fork/join per tensor costs more than small
  // tensors' updates, badly so when the cores are shared.
#pragma omp parallel num_threads(omp_threads(threads_)) if (num_params_ > (1 << 15))
  for (int64_t t = 0; t < num_tensors; t++) {
    const int64_t begin = tensors_[t].offset, end = begin + tensors_[t].count;
    const T wd = decay_mask && decay_mask[t] ? static_cast<T>(weight_decay) : T(0);
#pragma omp for schedule(static) nowait
    for (int64_t i = begin; i < end; i++) {
      const T gi = g[i] * gs;
      const T mi = b1 * m[i] + c1 * gi;
      const T vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi, v[i] = vi;
      p[i] -= lr_t * ((mi * inv_bc1) / (std::sqrt(vi) * inv_sqrt_bc2 + eps_t) + wd * p[i]);
    }
  }
  return AK_OK;
}

template class Owned<float>;
template class Owned<double>;
template class Model<float>;
template class Model<double>;

}  // namespace ak::engine

// ---- the C API ----

struct ak_model {
  ak::engine::Model<float> impl;
};

namespace {

template <typename F>
ak_status guarded(const char *fn, F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return ak::fail(AK_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
  } catch (const std::exception &e) {
    return ak::fail(AK_ERR_INVALID_ARGUMENT, "%s: %s", fn, e.what());
  }
}

}  // namespace

extern "C" {

ak_status ak_model_create(const ak_model_config *config, int threads, ak_model **out) {
  if (!out) return ak::fail(AK_ERR_INVALID_ARGUMENT, "ak_model_create: out is null");
  *out = nullptr;
  if (!config) return ak::fail(AK_ERR_INVALID_ARGUMENT, "ak_model_create: config is null");
  return guarded("ak_model_create", [&] {
    auto *model = new ak_model();
    const ak_status st = model->impl.init(*config, threads);
    if (st != AK_OK) {
      delete model;
      return st;
    }
    *out = model;
    return AK_OK;
  });
}

void ak_model_destroy(ak_model *model) { delete model; }

int64_t ak_model_num_params(const ak_model *model) { return model ? model->impl.num_params() : 0; }

int32_t ak_model_num_tensors(const ak_model *model) {
  return model ? static_cast<int32_t>(model->impl.tensors().size()) : 0;
}

ak_status ak_model_tensor(const ak_model *model, int32_t i, const char **name, int64_t *offset, int64_t *count) {
  if (!model) return ak::fail(AK_ERR_INVALID_ARGUMENT, "ak_model_tensor: model is null");
  const auto &t = model->impl.tensors();
  if (i < 0 || static_cast<size_t>(i) >= t.size())
    return ak::fail(AK_ERR_INVALID_ARGUMENT, "ak_model_tensor: index %d outside [0, %zu)", i, t.size());
  if (name) *name = t[i].name.c_str();
  if (offset) *offset = t[i].offset;
  if (count) *count = t[i].count;
  return AK_OK;
}

float *ak_model_params(ak_model *model) { return model ? model->impl.params() : nullptr; }
float *ak_model_grads(ak_model *model) { return model ? model->impl.grads() : nullptr; }

int32_t ak_model_audio_tokens(const ak_model *model, int32_t frames) {
  if (!model) return -1;
  const int64_t n = model->impl.audio_tokens(frames);
  return static_cast<int32_t>(std::min<int64_t>(n, std::numeric_limits<int32_t>::max()));
}

ak_status ak_model_forward(ak_model *model, const ak_batch *batch, float *hidden, float *logits) {
  if (!model || !batch) return ak::fail(AK_ERR_INVALID_ARGUMENT, "ak_model_forward: model or batch is null");
  return guarded("ak_model_forward", [&] { return model->impl.forward(*batch, hidden, logits); });
}

ak_status ak_model_backward(ak_model *model, const float *d_hidden, const float *d_logits) {
  if (!model) return ak::fail(AK_ERR_INVALID_ARGUMENT, "ak_model_backward: model is null");
  return guarded("ak_model_backward", [&] { return model->impl.backward(d_hidden, d_logits); });
}

void ak_model_zero_grads(ak_model *model) {
  if (model) model->impl.zero_grads();
}

int64_t ak_model_activation_bytes(const ak_model *model) { return model ? model->impl.activation_bytes() : 0; }

double ak_grad_norm(const ak_model *model) {
  return model ? model->impl.grad_norm() : std::numeric_limits<double>::quiet_NaN();
}

ak_status ak_adamw_step(ak_model *model, float *m, float *v, int64_t step, float lr, float beta1, float beta2, float eps,
                        float weight_decay, const uint8_t *decay_mask, float grad_scale) {
  if (!model) return ak::fail(AK_ERR_INVALID_ARGUMENT, "ak_adamw_step: model is null");
  return guarded("ak_adamw_step", [&] {
    return model->impl.adamw_step(m, v, step, lr, beta1, beta2, eps, weight_decay, decay_mask, grad_scale);
  });
}

}  // extern "C"
