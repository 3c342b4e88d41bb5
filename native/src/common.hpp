// Shared internals: error reporting, scratch accounting and scalar dtype conversion.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

#include "aurola_kernels.h"

namespace ak {

// Records a printf-style message as this thread's last error and returns `status`.
ak_status fail(ak_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Scratch accounting behind ak_scratch_peak_bytes(): every internal buffer is registered here.
void scratch_acquire(int64_t bytes);
void scratch_release(int64_t bytes);

// Owning, accounted, 64-byte aligned buffer of T (no construction: for trivially copyable T only).
template <typename T>
class Scratch {
 public:
  Scratch() = default;
  explicit Scratch(int64_t count) { resize(count); }
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;
  ~Scratch() { reset(); }
  // Returns false when the allocation fails.
  bool resize(int64_t count);
  void reset();
  T *data() const { return ptr_; }
  T &operator[](int64_t i) const { return ptr_[i]; }
  int64_t size() const { return count_; }

 private:
  T *ptr_ = nullptr;
  int64_t count_ = 0;
};

void *aligned_alloc_bytes(int64_t bytes);
void aligned_free_bytes(void *p);

template <typename T>
bool Scratch<T>::resize(int64_t count) {
  if (count == count_) return true;
  reset();
  if (count <= 0) return true;
  ptr_ = static_cast<T *>(aligned_alloc_bytes(count * static_cast<int64_t>(sizeof(T))));
  if (!ptr_) return false;
  count_ = count;
  scratch_acquire(count * static_cast<int64_t>(sizeof(T)));
  return true;
}

template <typename T>
void Scratch<T>::reset() {
  if (!ptr_) return;
  aligned_free_bytes(ptr_);
  scratch_release(count_ * static_cast<int64_t>(sizeof(T)));
  ptr_ = nullptr;
  count_ = 0;
}

inline int64_t dtype_size(ak_dtype t) { return t == AK_F32 ? 4 : 2; }
inline bool dtype_valid(int t) { return t == AK_F32 || t == AK_F16 || t == AK_BF16; }

// Scalar conversions (reference semantics; the SIMD paths must agree with these bit for bit).
inline float bits_to_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
inline uint32_t f32_to_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

inline float bf16_to_f32(uint16_t h) { return bits_to_f32(static_cast<uint32_t>(h) << 16); }
inline uint16_t f32_to_bf16(float f) {
  uint32_t u = f32_to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

}  // namespace ak

namespace ak {
const char *last_error_message();
void clear_error();
int64_t scratch_peak_bytes(bool reset);
}  // namespace ak
