// The training engine's layers, each as a forward and a backward function over plain row-major buffers (llm.c
// style). Templated on the scalar: float is the training path (linear layers on the kernels' blocked GEMM), double
// exists so that engine_check can compare every backward with central finite differences.
//
// Conventions: backward functions ACCUMULATE (+=) into parameter gradients and into input gradients, so residual
// branches and shared weights (the tied embedding) add up without temporaries; callers zero them first. Shapes are
// given as arguments; N = batch × sequence rows. `threads` ≤ 0 means all cores.
#pragma once
#include <cstdint>

namespace ak::engine {

// Embedding: out[n, :] = table[ids[n], :].                                   table [V, d], out [N, d]
template <typename T> void embedding_forward(T *out, const T *table, const int32_t *ids, int64_t N, int64_t d);
template <typename T> void embedding_backward(T *dtable, const T *dout, const int32_t *ids, int64_t N, int64_t d);

// Linear: out = in · W (+ bias).                   in [N, i], W [i, o] (row-major, y = x·W), bias [o] or null
template <typename T>
void linear_forward(T *out, const T *in, const T *W, const T *bias, int64_t N, int64_t i, int64_t o, int threads);
template <typename T>
void linear_backward(T *din, T *dW, T *dbias, const T *dout, const T *in, const T *W, int64_t N, int64_t i, int64_t o,
                     int threads);  // din, dW, dbias may each be null (not needed)

// RMSNorm: out = x / sqrt(mean(x²) + eps) ⊙ w; rstd [N] is saved for the backward.
template <typename T> void rmsnorm_forward(T *out, T *rstd, const T *x, const T *w, int64_t N, int64_t d, T eps);
template <typename T>
void rmsnorm_backward(T *dx, T *dw, const T *dout, const T *x, const T *w, const T *rstd, int64_t N, int64_t d);

// Rotary positions (rotate-half, Llama/Qwen): x [N, H, hd] in place; angle = pos[n] · theta^(−2j/hd), j < hd/2.
template <typename T> void rope_forward(T *x, const int32_t *pos, int64_t N, int64_t H, int64_t hd, T theta);
// The inverse rotation, applied to a gradient in place.
template <typename T> void rope_backward(T *dx, const int32_t *pos, int64_t N, int64_t H, int64_t hd, T theta);

// Causal multi-head attention with a key padding mask. q, k, v, out: [B, L, H, hd]; mask [B, L] (1 = real).
// Query i attends to keys j ≤ i with mask[b, j] = 1; a query with no such key outputs zeros. lse [B, H, L] keeps
// each row's log-sum-exp so the backward recomputes the probabilities instead of storing B·H·L² of them.
template <typename T>
void attention_forward(T *out, T *lse, const T *q, const T *k, const T *v, const uint8_t *mask, int64_t B, int64_t L,
                       int64_t H, int64_t hd, int threads);
template <typename T>
void attention_backward(T *dq, T *dk, T *dv, const T *dout, const T *out, const T *lse, const T *q, const T *k,
                        const T *v, const uint8_t *mask, int64_t B, int64_t L, int64_t H, int64_t hd, int threads);

// SwiGLU gate: out = silu(gate) ⊙ up.                                          all [N, f]
template <typename T> void swiglu_forward(T *out, const T *gate, const T *up, int64_t count);
template <typename T> void swiglu_backward(T *dgate, T *dup, const T *dout, const T *gate, const T *up, int64_t count);

// Exact GELU: 0.5·x·(1 + erf(x/√2)).
template <typename T> void gelu_forward(T *out, const T *x, int64_t count);
template <typename T> void gelu_backward(T *dx, const T *dout, const T *x, int64_t count);

// 1-D convolution over time, channels-first: in [Ci, Ti], W [Co, Ci, k], bias [Co], out [Co, To] with padding
// floor(k/2) on both sides and To = floor((Ti + 2·floor(k/2) − k) / stride) + 1. One clip at a time.
template <typename T>
void conv1d_forward(T *out, const T *in, const T *W, const T *bias, int64_t Ci, int64_t Ti, int64_t Co, int64_t k,
                    int64_t stride);
template <typename T>
void conv1d_backward(T *din, T *dW, T *dbias, const T *dout, const T *in, const T *W, int64_t Ci, int64_t Ti, int64_t Co,
                     int64_t k, int64_t stride);

// Row gather: out[m, :] = in[idx[m], :]; the backward scatter-adds.
template <typename T> void gather_rows_forward(T *out, const T *in, const int32_t *idx, int64_t M, int64_t d);
template <typename T> void gather_rows_backward(T *din, const T *dout, const int32_t *idx, int64_t M, int64_t d);

// L2 normalisation of rows: out = x / max(‖x‖, 1e-12); norm [N] saved.
template <typename T> void l2norm_forward(T *out, T *norm, const T *x, int64_t N, int64_t d);
template <typename T> void l2norm_backward(T *dx, const T *dout, const T *out, const T *norm, int64_t N, int64_t d);

// Cross-entropy of rows of logits [N, V] restricted to the ids in `select` [S] (all V when select is null): for
// row n, loss_n = −log softmax(logits[n, select])[target[n]] where target indexes into select (or V). Returns the
// mean over rows; dlogits (same shape as logits, accumulated) gets the gradient of that mean.
template <typename T>
T cross_entropy_forward_backward(T *dlogits, const T *logits, const int32_t *target, const int32_t *select, int64_t N,
                                 int64_t V, int64_t S);

}  // namespace ak::engine
