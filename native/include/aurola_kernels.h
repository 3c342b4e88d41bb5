/*
 * aurola kernels — the C API.
 *
 * Every matrix is dense and row-major. Embedding inputs may be stored as f32, f16 (IEEE binary16) or bf16
 * (bfloat16); f16/bf16 data is passed as uint16_t words. Arithmetic always accumulates in f32.
 * Every function returns AK_OK or an error code; ak_last_error() then holds a message for the calling thread.
 * The functions never keep a pointer past their return and are safe to call from several threads at once.
 */
#ifndef AUROLA_KERNELS_H
#define AUROLA_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AK_F32 = 0, AK_F16 = 1, AK_BF16 = 2 } ak_dtype;

/* AK_DEVICE_AUTO picks CUDA when the library was built with it and a device is present, the CPU otherwise. */
typedef enum { AK_DEVICE_AUTO = 0, AK_DEVICE_CPU = 1, AK_DEVICE_CUDA = 2 } ak_device;

typedef enum {
  AK_OK = 0,
  AK_ERR_INVALID_ARGUMENT = 1,
  AK_ERR_OUT_OF_MEMORY = 2,
  AK_ERR_UNSUPPORTED = 3, /* e.g. CUDA asked for but not built or no device */
  AK_ERR_CUDA = 4
} ak_status;

/* Direction of the Hybrid-NCE loss: audio->text rows (the reference), text->audio rows, or the mean of both. */
typedef enum { AK_NCE_A2T = 0, AK_NCE_T2A = 1, AK_NCE_BOTH = 2 } ak_nce_direction;

typedef struct {
  float tau;     /* temperature, > 0 (reference 0.05) */
  float alpha;   /* weight of the positive term in the denominator, >= 0 (reference 1) */
  float beta;    /* hard-negative reweighting strength, >= 0; 0 = uniform weights (reference 0.1) */
  float lambda;  /* weight of extra positives (same group id), >= 0; 0 = none (reference 0.2) */
  int32_t direction;      /* ak_nce_direction */
  int32_t detach_weights; /* nonzero: hard-negative weights w_ij are constants in the backward pass */
} ak_nce_params;

/* Message describing the last error on this thread ("" if none). */
const char *ak_last_error(void);

/* 1 when the library was compiled with CUDA support. */
int ak_cuda_built(void);
/* Number of usable CUDA devices (0 when not built with CUDA or no device/driver). */
int ak_cuda_device_count(void);
/* The CPU instruction set the kernels dispatched to at load time: "avx512", "avx2" or "generic". */
const char *ak_cpu_isa(void);
/* Threads used by CPU kernels (defaults to the number of online cores). n <= 0 restores the default. */
void ak_set_num_threads(int n);
int ak_get_num_threads(void);

/* Peak bytes of scratch memory the kernels held at once since the last reset (reset != 0 resets it after
 * reading). Counts every internal allocation of the CPU and CUDA paths (device memory included), not inputs/outputs. */
int64_t ak_scratch_peak_bytes(int reset);

/* Element conversion between storage dtypes (round-to-nearest-even when narrowing). */
ak_status ak_convert(const void *src, ak_dtype src_dtype, void *dst, ak_dtype dst_dtype, int64_t count);

/*
 * S = Q · Cᵀ, with Q: q×d, C: n×d, S: q×n (f32). Meant for small outputs; search uses ak_search_topk.
 */
ak_status ak_similarity(ak_device device, const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype,
                        int64_t q, int64_t n, int64_t d, float *S);

/*
 * Fused inner-product top-k: for each of the q query rows, the k corpus rows with the largest Q·Cᵀ score,
 * sorted by score descending, ties broken by lower row index. The q×n score matrix is never materialised.
 *
 * allow: optional bitmap of n bits (bit j = allow[j >> 3] >> (j & 7) & 1); NULL allows every row.
 * Each query gets exactly k_out = min(k, number of allowed rows) results, written to
 * out_scores[i*k + r], out_ids[i*k + r] for r < k_out; slots r >= k_out get score -INFINITY and id -1.
 * NaN scores rank below every number, −∞ included (and are returned as NaN). *k_out receives k_out (may be NULL).
 * n must be < 2^31 (row ids are int32).
 */
ak_status ak_search_topk(ak_device device, const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype,
                         int64_t q, int64_t n, int64_t d, int64_t k, const uint8_t *allow, float *out_scores,
                         int32_t *out_ids, int64_t *k_out);

/*
 * Hybrid-NCE loss (DESIGN.md §2) over a batch of B audio rows A and B text rows T (both B×d, same dtype),
 * with s_ij = a_i · t_j (pass L2-normalised rows for cosine similarity):
 *   P_i  = e^{s_ii/τ} + λ Σ_{j∈Pos(i), j≠i} e^{s_ij/τ}
 *   w_ij = |N(i)| e^{β s_ij/τ} / Σ_{k∈N(i)} e^{β s_ik/τ}
 *   L    = −(1/B) Σ_i log( P_i / (α P_i + Σ_{j∈N(i)} w_ij e^{s_ij/τ}) )
 * groups: optional B int32 ids; i≠j are extra positives when groups[i] == groups[j] >= 0. NULL = no groups.
 * The loss goes to *loss. dA and dT (B×d, f32) receive dL/dA and dL/dT when non-NULL (both or neither).
 * Memory is O(B·d + B): the B×B logit matrix is streamed in row stripes and recomputed, never stored.
 */
ak_status ak_hybrid_nce(ak_device device, const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d,
                        const int32_t *groups, const ak_nce_params *params, float *loss, float *dA, float *dT);

#ifdef __cplusplus
}
#endif

#endif /* AUROLA_KERNELS_H */
