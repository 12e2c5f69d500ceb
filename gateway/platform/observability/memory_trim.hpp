// Gives memory the allocator holds free back to the operating system. After a flood (many
// connections, large bodies) glibc keeps the freed memory in its arenas: the process's
// resident size stays at the flood's peak though nothing uses it (docs/performance.md,
// "Memory after floods"). A check every few seconds reads how much resident memory the
// allocator is not using and, above a threshold, trims it (malloc_trim), off the request path.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>

namespace octopus::background {
class PeriodicTask;
}

namespace octopus::observability {

class MemoryTrimmer {
 public:
  // `threshold_bytes` resident but not in use before a trim; 0 never trims.
  MemoryTrimmer(std::size_t threshold_bytes, std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~MemoryTrimmer();

  // Trims now if more than `threshold_bytes` are resident but not in use; true when it trimmed.
  static bool trim_if_above(std::size_t threshold_bytes);

 private:
  std::unique_ptr<background::PeriodicTask> task_;
};

}  // namespace octopus::observability
