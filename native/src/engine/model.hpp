// The whole model of aurola's training engine (aurola_engine.h) over the layer functions of ops.hpp: parameter
// layout, forward with the activations the backward needs, backward, gradient norm and AdamW. Templated on the
// scalar: float is what the C API exposes, double lets model_check compare the whole-model gradient with central
// finite differences. Not thread-safe: one call at a time per model.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "aurola_engine.h"

namespace ak::engine {

// An owning, 64-byte aligned, zero-initialised array of T (not counted as kernel scratch: ak_scratch_peak_bytes
// stays about the kernels; the engine reports its activations through activation_bytes()).
template <typename T>
class Owned {
 public:
  Owned() = default;
  Owned(const Owned &) = delete;
  Owned &operator=(const Owned &) = delete;
  ~Owned() { reset(); }
  bool resize(int64_t count);  // discards the contents; zero-fills; false when the allocation fails
  void reset();
  T *data() const { return ptr_; }
  int64_t size() const { return count_; }

 private:
  T *ptr_ = nullptr;
  int64_t count_ = 0;
};

struct TensorInfo {
  std::string name;
  int64_t offset = 0, count = 0;
};

template <typename T>
class Model {
 public:
  // Validates the configuration and allocates parameters and gradients (zeros). Returns AK_OK or an error whose
  // message is in ak_last_error().
  ak_status init(const ak_model_config &config, int threads);

  const ak_model_config &config() const { return cfg_; }
  int64_t num_params() const { return num_params_; }
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  T *params() { return params_.data(); }
  T *grads() { return grads_.data(); }
  const T *params() const { return params_.data(); }
  const T *grads() const { return grads_.data(); }
  // Tokens the audio encoder makes from `frames` frames; −1 when frames < 0.
  int64_t audio_tokens(int64_t frames) const;

  // hidden [batch × hidden] and logits [batch × num_select] may each be null (not wanted).
  ak_status forward(const ak_batch &batch, T *hidden, T *logits);
  // Accumulates parameter gradients; d_hidden / d_logits may each be null (zero).
  ak_status backward(const T *d_hidden, const T *d_logits);
  void zero_grads();
  double grad_norm() const;
  int64_t activation_bytes() const;
  // Batch size and num_select of the last successful forward (0, 0 before any).
  int32_t last_batch() const { return have_forward_ ? B_ : 0; }
  int32_t last_num_select() const { return have_forward_ ? S_ : 0; }
  ak_status adamw_step(T *m, T *v, int64_t step, double lr, double beta1, double beta2, double eps,
                       double weight_decay, const uint8_t *decay_mask, double grad_scale);

 private:
  struct LayerOffsets {
    int64_t attn_norm, wq, wk, wv, wo, mlp_norm, w_gate, w_up, w_down;
  };
  struct ConvOffsets {
    int64_t weight, bias;
  };
  struct LayerActs {
    T *x;                           // block input [N, d]
    T *q, *k, *v, *att, *xmid;      // [N, d]: q, k after RoPE; attention output; x + attention branch
    T *gate, *up;                   // [N, f]
    T *rstd_attn, *rstd_mlp;        // [N]
    T *lse;                         // [B, H, L]
  };
  struct Clip {
    int32_t seq, at, frames, tokens;
    int64_t row;                    // first row (seq·L + at)
    const float *features;          // caller's [frames, n_mels], valid during forward only
    std::vector<int64_t> time;      // frames per stage: time[0] = frames, time[c + 1] after conv c
    std::vector<T *> pre, post;     // per conv: before / after GELU, [channels, time]
    T *feat = nullptr;              // [n_mels, frames] (channels-first copy of the input)
    T *proj_in = nullptr;           // [tokens, last channels]
  };

  ak_status check_batch(const ak_batch &batch);
  void layout(T *base, int64_t *total);
  void audio_forward(Clip &clip, T *x0);
  void audio_backward(Clip &clip, const T *dx0);
  int64_t channels_in(int c) const { return c == 0 ? cfg_.n_mels : cfg_.conv_channels[c - 1]; }
  int64_t last_channels() const { return channels_in(cfg_.num_audio_convs); }

  ak_model_config cfg_{};
  int threads_ = 0;
  int64_t d_ = 0, f_ = 0, H_ = 0, hd_ = 0;
  std::vector<TensorInfo> tensors_;
  int64_t num_params_ = 0;
  int64_t embed_ = 0, final_norm_ = 0, proj_ = 0, proj_bias_ = 0;
  std::vector<LayerOffsets> layer_off_;
  std::vector<ConvOffsets> conv_off_;
  Owned<T> params_, grads_;

  // The last forward's batch (copied: the caller's arrays need not outlive the call).
  bool have_forward_ = false;
  int32_t B_ = 0, L_ = 0, S_ = 0;
  std::vector<int32_t> ids_;        // [N]; 0 where the row is not a token (padding, audio)
  std::vector<uint8_t> mask_;       // [N], 0/1
  std::vector<uint8_t> is_token_;   // [N], 1 where the embedding table feeds the row
  std::vector<int32_t> pos_;        // [N]; 0 at padding
  std::vector<int32_t> read_row_;   // [B]: b·L + read_at[b]
  std::vector<int32_t> select_;     // [S]
  std::vector<Clip> clips_;

  // Activations (one arena, grown on demand and reused).
  Owned<T> arena_;
  std::vector<LayerActs> acts_;
  T *x_final_ = nullptr;                          // [N, d] residual stream after the last block
  T *xr_ = nullptr, *hid_ = nullptr, *rstd_f_ = nullptr;  // [B, d], [B, d], [B]
  // Backward (and forward) temporaries.
  T *t_nd_[7] = {};                               // [N, d] each
  T *t_nf_[4] = {};                               // [N, f] each
  T *t_bd_[2] = {};                               // [B, d] each
  T *t_audio_[3] = {};                            // [max channels × time over clips and stages] each
};

extern template class Owned<float>;
extern template class Owned<double>;
extern template class Model<float>;
extern template class Model<double>;

}  // namespace ak::engine
