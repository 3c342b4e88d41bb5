#include "common.hpp"

#include <atomic>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace ak {

namespace {
thread_local std::string last_error;
std::atomic<int64_t> scratch_now{0};
std::atomic<int64_t> scratch_peak{0};
}  // namespace

ak_status fail(ak_status status, const char *fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  last_error = buf;
  return status;
}

const char *last_error_message() { return last_error.c_str(); }
void clear_error() { last_error.clear(); }

void scratch_acquire(int64_t bytes) {
  int64_t now = scratch_now.fetch_add(bytes) + bytes;
  int64_t peak = scratch_peak.load();
  while (now > peak && !scratch_peak.compare_exchange_weak(peak, now)) {
  }
}

void scratch_release(int64_t bytes) { scratch_now.fetch_sub(bytes); }

int64_t scratch_peak_bytes(bool reset) {
  int64_t peak = scratch_peak.load();
  if (reset) scratch_peak.store(scratch_now.load());
  return peak;
}

void *aligned_alloc_bytes(int64_t bytes) {
  void *p = nullptr;
  if (posix_memalign(&p, 64, static_cast<size_t>(bytes)) != 0) return nullptr;
  return p;
}

void aligned_free_bytes(void *p) { std::free(p); }

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant · 2^-24
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return bits_to_f32(sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0u));  // inf / quiet NaN
  return bits_to_f32(sign | ((exp + 112u) << 23) | (mant << 13));
}

uint16_t f32_to_f16(float f) {
  const uint32_t u = f32_to_bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;      // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;     // overflows (or rounds up) to inf
  if (abs < 0x38800000u) {                           // below the smallest normal: subnormal or zero
    // Scale into the subnormal grid with an exact float add that rounds to nearest even.
    const float scaled = bits_to_f32(abs) + 0.5f;    // 0.5 = 2^-1 places 2^-24 ulp at the last mantissa bit
    return sign | static_cast<uint16_t>(f32_to_bits(scaled) - 0x3f000000u);
  }
  // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even.
  uint32_t v = abs - 0x38000000u;
  v += 0xfffu + ((v >> 13) & 1u);
  return sign | static_cast<uint16_t>(v >> 13);
}

}  // namespace ak
