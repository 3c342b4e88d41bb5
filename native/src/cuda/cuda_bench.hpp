// Small cudart wrappers for the standalone benchmark (tests/kernel_check.cpp), so that it needs neither the CUDA
// headers nor CMake changes: device memory, copies, event timing and the card's name. Device memory taken here is
// the caller's input/output storage, not scratch, and is not counted by ak_scratch_peak_bytes.
#pragma once
#include <cstdint>

namespace ak::cuda::bench {

// Name and global memory of the current device; false (and a message in name) when there is none.
bool device_info(char *name, int name_len, int64_t *total_bytes);
void *alloc(int64_t bytes);  // nullptr on failure
void release(void *p);
bool to_device(void *dst, const void *src, int64_t bytes);
bool to_host(void *dst, const void *src, int64_t bytes);
bool synchronize();

// Times fn on the default stream with CUDA events; returns milliseconds (negative on a CUDA error).
double time_ms(void (*fn)(void *), void *ctx);

}  // namespace ak::cuda::bench
