#include "observability/memory_trim.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#include "background/periodic_task.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"

namespace octopus::observability {

namespace {
const MetricFamily kTrims{"octopus_memory_trims_total", MetricType::counter,
                          "Times freed heap memory was returned to the operating system.", true};
}  // namespace

namespace {
// Resident bytes the process holds beyond what the allocator has handed out: freed memory
// still resident, plus code, stacks and the like (a fixed part, some tens of MB at most).
// The allocator's own count of free bytes would not do: after a trim the free chunks are
// still free (only their pages are given back), so it would ask for a trim every time.
std::size_t resident_not_in_use() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  const auto rss = static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const struct mallinfo2 info = ::mallinfo2();
  const std::size_t in_use = info.uordblks + info.hblkhd;  // arena chunks in use + mmapped blocks
  return rss > in_use ? rss - in_use : 0;
}
}  // namespace

bool MemoryTrimmer::trim_if_above(std::size_t threshold_bytes) {
  if (threshold_bytes == 0) return false;
  const std::size_t before = resident_not_in_use();
  if (before <= threshold_bytes) return false;
  ::malloc_trim(0);
  const std::size_t after = resident_not_in_use();
  metrics().increment("octopus_memory_trims_total");
  log_info("memory_trimmed", {{"retained_before_mb", before >> 20}, {"retained_after_mb", after >> 20}});
  return true;
}

MemoryTrimmer::MemoryTrimmer(std::size_t threshold_bytes, std::chrono::milliseconds interval) {
  if (threshold_bytes == 0) return;
  task_ = std::make_unique<background::PeriodicTask>(interval, [threshold_bytes] { trim_if_above(threshold_bytes); });
}

MemoryTrimmer::~MemoryTrimmer() = default;

}  // namespace octopus::observability
