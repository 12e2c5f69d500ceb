#include "observability/memory_trim.hpp"

#include <malloc.h>

#include "background/periodic_task.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace octopus::observability {

bool MemoryTrimmer::trim_if_above(std::size_t threshold_bytes) {
  const struct mallinfo2 info = ::mallinfo2();
  // fordblks: free bytes in the arenas' chunks; keepcost: the releasable top of the main arena.
  const std::size_t free_bytes = info.fordblks;
  if (threshold_bytes == 0 || free_bytes <= threshold_bytes) return false;
  ::malloc_trim(0);
  const struct mallinfo2 after = ::mallinfo2();
  metrics().increment("octopus_memory_trims_total");
  log_info("memory_trimmed", {{"free_before_mb", std::to_string(free_bytes >> 20)},
                              {"free_after_mb", std::to_string(after.fordblks >> 20)}});
  return true;
}

MemoryTrimmer::MemoryTrimmer(std::size_t threshold_bytes, std::chrono::milliseconds interval) {
  if (threshold_bytes == 0) return;
  task_ = std::make_unique<background::PeriodicTask>(interval, [threshold_bytes] { trim_if_above(threshold_bytes); });
}

MemoryTrimmer::~MemoryTrimmer() = default;

}  // namespace octopus::observability
