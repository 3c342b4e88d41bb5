// Picks the CPU kernel table once, at first use, from what the processor (and OS) support.
#include <cstdlib>
#include <cstring>

#include "cpu/cpu_kernels.hpp"

namespace ak::cpu {

namespace {

#if AK_X86
bool supports_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("f16c") &&
         __builtin_cpu_supports("fma") && __builtin_cpu_supports("popcnt");
}
bool supports_avx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
         __builtin_cpu_supports("popcnt");
}
#endif

const KernelTable &pick() {
#if AK_X86
  __builtin_cpu_init();
  const char *forced = std::getenv("AUROLA_CPU_ISA");
  const bool has512 = supports_avx512(), has2 = supports_avx2();
  // An override may only lower the instruction set: asking for one the processor lacks would crash.
  if (forced && std::strcmp(forced, "generic") == 0) return generic::table;
  if (forced && std::strcmp(forced, "avx2") == 0 && has2) return avx2::table;
  if (has512) return avx512::table;
  if (has2) return avx2::table;
#endif
  return generic::table;
}

}  // namespace

const KernelTable &kernels() {
  static const KernelTable &table = pick();
  return table;
}

}  // namespace ak::cpu
