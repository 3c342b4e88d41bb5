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
    T *lse;                         // [H, N]
  };
  struct Clip {
    int32_t seq, at, frames, tokens;
    int64_t row;                    // first (packed) row of its tokens
    const float *features;          // caller's [frames, n_mels], valid during forward only
    std::vector<int64_t> time;      // frames per stage: time[0] = frames, time[c + 1] after conv c
  };
  // The audio encoder runs every clip at once, channels-last. Stage c's input x [rows, channels_in(c)] holds the
  // clips back to back, each as one block: `pad` zero rows, its time[c] steps, `pad` zero rows, and zero rows up to a
  // multiple of the stride. Conv c then runs over all of x as one signal (conv1d_*), and clip j's outputs are rows
  // [at[j] / stride, + time[c + 1]) of `pre`; the few rows between clips are junk, never read. The last stage
  // (c = num_audio_convs) is the projection's input: the clips' tokens back to back, no padding.
  struct AudioStage {
    int64_t pad = 0, stride = 1;
    int64_t rows = 0, out_rows = 0;  // rows of x (with the tail the last window reads), rows of pre
    std::vector<int64_t> at;         // [clips]: first row of each clip's block in x
    T *x = nullptr;                  // [rows, channels_in(c)]
    T *pre = nullptr;                // [out_rows, conv_channels[c]]: before GELU (none on the last stage)
  };

  ak_status check_batch(const ak_batch &batch);
  void layout(T *base, int64_t *total);
  void plan_audio();
  void zero_audio_gaps(const AudioStage &st, int64_t channels, int64_t c);
  void audio_forward(T *x0);
  void audio_backward(const T *dx0);
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

  // The last forward's batch (copied: the caller's arrays need not outlive the call), packed: only the real
  // (mask = 1) positions become rows, sequence after sequence, so no layer spends work on padding. N_ rows.
  bool have_forward_ = false;
  int32_t B_ = 0, L_ = 0, S_ = 0;
  int64_t N_ = 0;
  std::vector<int32_t> starts_;     // [B + 1]: sequence b is rows [starts_[b], starts_[b + 1])
  std::vector<int32_t> row_of_;     // [B·L]: packed row of each position, −1 at padding
  std::vector<int32_t> ids_;        // [N]; 0 where the row is not a token (audio)
  std::vector<uint8_t> is_token_;   // [N], 1 where the embedding table feeds the row
  std::vector<int32_t> pos_;        // [N]
  std::vector<int32_t> read_row_;   // [B]: packed row of read_at[b]
  std::vector<uint8_t> mask_, flat_is_token_;  // [B·L] scratch of check_batch
  std::vector<int32_t> select_;     // [S]
  std::vector<Clip> clips_;
  std::vector<AudioStage> stages_;  // num_audio_convs + 1 (empty without clips)

  // Activations (one arena, grown on demand and reused).
  Owned<T> arena_;
  std::vector<LayerActs> acts_;
  T *x_final_ = nullptr;                          // [N, d] residual stream after the last block
  T *rope_cs_ = nullptr, *rope_sn_ = nullptr;     // [N, hd/2] each: the rotary table of the batch's positions
  T *xr_ = nullptr, *hid_ = nullptr, *rstd_f_ = nullptr;  // [B, d], [B, d], [B]
  // Backward (and forward) temporaries; t_audio_ overlaps t_nd_[2..6] and t_nf_ (used after them).
  T *t_nd_[7] = {};                               // [N, d] each
  T *t_nf_[4] = {};                               // [N, f] each
  T *t_bd_[2] = {};                               // [B, d] each
  T *t_audio_[2] = {};                            // [max rows × channels of x], [max rows × channels of pre]
};

extern template class Owned<float>;
extern template class Owned<double>;
extern template class Model<float>;
extern template class Model<double>;

}  // namespace ak::engine
