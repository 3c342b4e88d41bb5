// Internal interface of the CUDA twins (compiled only when CMake finds nvcc; AK_WITH_CUDA is then defined).
// The host-pointer entry points copy inputs to the device and results back; the *_device variants take device
// pointers and are what the standalone benchmark times (an index kept on the GPU would call them too).
#pragma once
#include "aurola_kernels.h"

namespace ak::cuda {

int device_count();

ak_status similarity(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                     int64_t d, float *S);
ak_status search_topk(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                      int64_t d, int64_t k, const uint8_t *allow, float *out_scores, int32_t *out_ids,
                      int64_t *k_out);
ak_status hybrid_nce(const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d, const int32_t *groups,
                     const ak_nce_params *params, float *loss, float *dA, float *dT);

// Device-pointer variants: every pointer is device memory; they run on the current stream and synchronise
// before returning. k_out and loss are host pointers.
ak_status search_topk_device(const void *Q, ak_dtype q_dtype, const void *C, ak_dtype c_dtype, int64_t q, int64_t n,
                             int64_t d, int64_t k, const uint8_t *allow, float *out_scores, int32_t *out_ids,
                             int64_t *k_out);
ak_status hybrid_nce_device(const void *A, const void *T, ak_dtype dtype, int64_t B, int64_t d,
                            const int32_t *groups, const ak_nce_params *params, float *loss, float *dA, float *dT);

}  // namespace ak::cuda
