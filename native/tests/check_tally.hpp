// The pass/fail tally shared by the standalone check programs (kernel_check, model_check): CHECK counts one check
// and prints its context only on failure; a GroupScope prints one line per group of checks.
#pragma once

#include <cstdarg>
#include <cstdio>

namespace check {

struct Tally {
  int passed = 0;
  int failed = 0;
  int printed = 0;
};
inline Tally g_tally;

inline void report_failure(const char *fmt, ...) {
  if (g_tally.printed++ >= 60) return;  // enough to diagnose; the counts say the rest
  std::va_list args;
  va_start(args, fmt);
  std::printf("  FAIL ");
  std::vprintf(fmt, args);
  std::printf("\n");
  va_end(args);
}

struct GroupScope {
  const char *name;
  int p0, f0;
  explicit GroupScope(const char *n) : name(n), p0(g_tally.passed), f0(g_tally.failed) {}
  ~GroupScope() {
    std::printf("%-52s %6d passed, %d failed\n", name, g_tally.passed - p0, g_tally.failed - f0);
    std::fflush(stdout);
  }
};

// The summary line and the exit status of a check program.
inline int summary() {
  std::printf("%d passed, %d failed\n", g_tally.passed, g_tally.failed);
  return g_tally.failed == 0 ? 0 : 1;
}

}  // namespace check

#define CHECK(cond, ...)                     \
  do {                                       \
    if (cond) {                              \
      ++check::g_tally.passed;               \
    } else {                                 \
      ++check::g_tally.failed;               \
      check::report_failure(__VA_ARGS__);    \
    }                                        \
  } while (0)
