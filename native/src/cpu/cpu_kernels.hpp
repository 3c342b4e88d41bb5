// The CPU kernels' entry points. cpu_kernels.cpp is compiled once per instruction set into its own namespace
// (ak::cpu::generic, ::avx2, ::avx512); dispatch.cpp picks the best table the processor supports.
#pragma once
#include "aurola_kernels.h"

namespace ak::cpu {

struct KernelTable {
  const char *isa;
  void (*convert)(const void *src, ak_dtype src_dtype, void *dst, ak_dtype dst_dtype, int64_t count, int threads);
  ak_status (*similarity)(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                          int64_t d, float *S, int threads);
  ak_status (*search_topk)(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                           int64_t d, int64_t k, const uint8_t *allow, int64_t k_out, float *out_scores,
                           int32_t *out_ids, int threads);
  ak_status (*hybrid_nce)(const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d, const int32_t *groups,
                          const ak_nce_params &params, float *loss, float *dA, float *dT, int threads);
  // C (m×n, leading dimension ldc) = A·B, or += with accumulate; A [m, k] and B [k, n] are strided f32 views
  // (element (r, c) of A at A[r·a_rs + c·a_cs]; a_rs or a_cs must be 1, likewise for B). The blocked GEMM, threaded
  // over a grid of C blocks with per-thread packing buffers; each element is summed in a fixed order whatever the
  // thread count. threads ≤ 0 means all cores. The training engine's float linear layers run on it.
  void (*gemm_f32)(int64_t m, int64_t n, int64_t k, const float *A, int64_t a_rs, int64_t a_cs, const float *B,
                   int64_t b_rs, int64_t b_cs, float *C, int64_t ldc, bool accumulate, int threads);
  // The same product on the calling thread, packing into `workspace` (gemm_f32_workspace(n) floats, 64-byte
  // aligned, owned by the caller): no allocation and no parallel region, for the many small products made inside
  // an already parallel loop (attention per sequence and head). Same bits as gemm_f32.
  void (*gemm_f32_serial)(int64_t m, int64_t n, int64_t k, const float *A, int64_t a_rs, int64_t a_cs, const float *B,
                          int64_t b_rs, int64_t b_cs, float *C, int64_t ldc, bool accumulate, float *workspace);
  int64_t (*gemm_f32_workspace)(int64_t n);
  // The training engine's elementwise layers, on the calling thread over count elements, with vector exp and erf
  // (the engine splits the work into chunks; results do not depend on where a chunk ends).
  // SwiGLU gate: out = silu(gate) ⊙ up;
  // the backward accumulates dgate += dout ⊙ ∂out/∂gate and dup += dout ⊙ silu(gate) (either may be null).
  void (*swiglu_f32)(float *out, const float *gate, const float *up, int64_t count);
  void (*swiglu_backward_f32)(float *dgate, float *dup, const float *dout, const float *gate, const float *up,
                              int64_t count);
  // Exact GELU (erf as a rational function, |error| ≤ 4.3e-7) and its backward dx += dout · GELU'(x), same way.
  void (*gelu_f32)(float *out, const float *x, int64_t count);
  void (*gelu_backward_f32)(float *dx, const float *dout, const float *x, int64_t count);
  // x = e^(x·scale − shift) in place, with the vector exp (attention's softmax numerators).
  void (*scaled_exp_f32)(float *x, int64_t count, float scale, float shift);
};

namespace generic { extern const KernelTable table; }
namespace avx2 { extern const KernelTable table; }
namespace avx512 { extern const KernelTable table; }

// The table chosen for this processor (AUROLA_CPU_ISA=generic|avx2|avx512 overrides, for testing each path).
const KernelTable &kernels();

}  // namespace ak::cpu
