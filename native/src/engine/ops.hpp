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

// Rotary positions (rotate-half, Llama/Qwen): within a head, element j < hd/2 pairs with j + hd/2 and the pair turns
// by the angle pos[n] · theta^(−2j/hd). rope_table computes the angles' cos and sin once per batch, cs and sn
// [N, hd/2] (in double, then rounded, as libs/backbone's reference); rope_forward rotates x [N, H, hd] in place,
// rope_backward applies the inverse rotation to a gradient in place.
template <typename T> void rope_table(T *cs, T *sn, const int32_t *pos, int64_t N, int64_t hd, T theta);
template <typename T> void rope_forward(T *x, const T *cs, const T *sn, int64_t N, int64_t H, int64_t hd);
template <typename T> void rope_backward(T *dx, const T *cs, const T *sn, int64_t N, int64_t H, int64_t hd);

// Causal multi-head attention over packed sequences (no padding rows). q, k, v, out: [N, H, hd] hold B sequences
// back to back, sequence b in rows [starts[b], starts[b + 1]) (starts [B + 1], starts[0] = 0, N = starts[B]); row i
// attends to the rows j ≤ i of its own sequence. lse [H, N] keeps each row's log-sum-exp so the backward recomputes
// the probabilities instead of storing them.
template <typename T>
void attention_forward(T *out, T *lse, const T *q, const T *k, const T *v, const int32_t *starts, int64_t B, int64_t H,
                       int64_t hd, int threads);
template <typename T>
void attention_backward(T *dq, T *dk, T *dv, const T *dout, const T *out, const T *lse, const T *q, const T *k,
                        const T *v, const int32_t *starts, int64_t B, int64_t H, int64_t hd, int threads);

// SwiGLU gate: out = silu(gate) ⊙ up.                                          all [N, f]
template <typename T> void swiglu_forward(T *out, const T *gate, const T *up, int64_t count);
template <typename T> void swiglu_backward(T *dgate, T *dup, const T *dout, const T *gate, const T *up, int64_t count);

// Exact GELU: 0.5·x·(1 + erf(x/√2)).
template <typename T> void gelu_forward(T *out, const T *x, int64_t count);
template <typename T> void gelu_backward(T *dx, const T *dout, const T *x, int64_t count);

// 1-D convolution over time, channels-last, without padding ("valid"): in [(To − 1)·stride + k rows at least, Ci],
// W [Co, Ci, k], bias [Co] or null, out [To, Co]:  out[t, c] = bias[c] + Σ_ci Σ_q W[c, ci, q] · in[t·stride + q, ci].
// The caller pads: the model lays its clips back to back, each between zero rows, and convolves them in one call.
// The backward's din (may be null) has the input's shape.
template <typename T>
void conv1d_forward(T *out, const T *in, const T *W, const T *bias, int64_t To, int64_t Ci, int64_t Co, int64_t k,
                    int64_t stride, int threads);
template <typename T>
void conv1d_backward(T *din, T *dW, T *dbias, const T *dout, const T *in, const T *W, int64_t To, int64_t Ci, int64_t Co,
                     int64_t k, int64_t stride, int threads);

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
