/* aurola's training engine: aurola's decoder-only audio-language model (the architecture of
 * libs/backbone's ONNX writer and float64 reference) with its forward and backward passes on the CPU, and AdamW.
 * The loss lives with the caller: the engine returns the last hidden states at chosen positions (embeddings) and
 * the logits of chosen vocabulary ids there (yes/no), and takes their gradients back.
 *
 * Parameters, gradients and optimiser moments are flat float32 arrays owned by the model, laid out in the order of
 * ak_model_tensors (the order of libs/backbone's DecoderWeights: embed; per layer attnNorm, wq, wk, wv, wo,
 * mlpNorm, wGate, wUp, wDown; finalNorm; per audio conv weight [out, in, k] and bias; proj [last, hidden],
 * projBias), so callers read and write them in place (checkpoints, export). */
#ifndef AUROLA_ENGINE_H
#define AUROLA_ENGINE_H
#include <stddef.h>
#include <stdint.h>

#include "aurola_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AK_MAX_AUDIO_CONVS 8

typedef struct {
  int32_t vocab_size, hidden_size, num_layers, num_heads, intermediate_size, max_positions;
  float rms_norm_eps, rope_theta;
  int32_t n_mels, num_audio_convs;
  int32_t conv_kernel[AK_MAX_AUDIO_CONVS], conv_stride[AK_MAX_AUDIO_CONVS], conv_channels[AK_MAX_AUDIO_CONVS];
} ak_model_config;

typedef struct ak_model ak_model;

/* One batch of sequences, right-padded to `length`. Audio clips are encoded one by one (no padding across clips)
 * and their tokens replace the embeddings at positions [audio_at, audio_at + tokens) of sequence audio_seq. */
typedef struct {
  int32_t batch, length;
  const int32_t *ids;           /* [batch × length] */
  const uint8_t *mask;          /* [batch × length], 1 = real token */
  const int32_t *positions;     /* [batch × length] rotary positions */
  const int32_t *read_at;       /* [batch] position read out per sequence */
  int32_t num_audio;
  const int32_t *audio_seq;     /* [num_audio] */
  const int32_t *audio_at;      /* [num_audio] */
  const int32_t *audio_frames;  /* [num_audio] */
  const float *audio_features;  /* clips' log-mel frames concatenated: Σ frames × n_mels, frame-major */
  int32_t num_select;           /* vocabulary ids whose logits are returned at read_at (0: none) */
  const int32_t *select_ids;
} ak_batch;

ak_status ak_model_create(const ak_model_config *config, int threads, ak_model **out);
void ak_model_destroy(ak_model *model);
int64_t ak_model_num_params(const ak_model *model);
/* Number of tensors and, for tensor i, its name ("layers.3.wq"), offset into the flat array and element count. */
int32_t ak_model_num_tensors(const ak_model *model);
ak_status ak_model_tensor(const ak_model *model, int32_t i, const char **name, int64_t *offset, int64_t *count);
float *ak_model_params(ak_model *model);
float *ak_model_grads(ak_model *model);
/* Audio tokens the encoder makes from `frames` log-mel frames. */
int32_t ak_model_audio_tokens(const ak_model *model, int32_t frames);

/* Forward: hidden [batch × hidden_size] (final-norm output at read_at) and, when num_select > 0,
 * logits [batch × num_select]. Keeps the activations for one ak_model_backward. */
ak_status ak_model_forward(ak_model *model, const ak_batch *batch, float *hidden, float *logits);
/* Backward of the last forward: accumulates parameter gradients from d_hidden [batch × hidden_size] and d_logits
 * [batch × num_select] (either may be null). */
ak_status ak_model_backward(ak_model *model, const float *d_hidden, const float *d_logits);
void ak_model_zero_grads(ak_model *model);
/* Bytes held for activations by the last forward (peak memory reporting). */
int64_t ak_model_activation_bytes(const ak_model *model);

/* ‖grads‖₂ over all parameters. */
double ak_grad_norm(const ak_model *model);
/* One AdamW step (decoupled weight decay, applied only to tensors with decay_mask[i] = 1, i over tensors), with
 * gradients scaled by grad_scale first (clipping, accumulation averaging). `step` counts from 1 (bias correction).
 * m and v are [num_params], owned by the caller. */
ak_status ak_adamw_step(ak_model *model, float *m, float *v, int64_t step, float lr, float beta1, float beta2,
                        float eps, float weight_decay, const uint8_t *decay_mask, float grad_scale);

#ifdef __cplusplus
}
#endif
#endif
