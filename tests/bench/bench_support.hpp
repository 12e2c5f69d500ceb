// What the benchmarks share: sizes from the environment and elapsed wall time.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdlib>

namespace octopus::bench {

// OCTOPUS_BENCH_* sizes: the variable's value, or `fallback` when it is unset or empty.
inline std::size_t env_size(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace octopus::bench
