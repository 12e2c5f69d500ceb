// A time zone's UTC offsets as a flat, sorted table, built once when a policy is compiled,
// so that converting an instant to local time on the per-subscriber path is a binary
// search: no lock, no allocation, no tz database access.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace octopus::policy {

using Seconds = std::chrono::sys_seconds;

class ZoneOffsets {
 public:
  ZoneOffsets() = default;
  // Throws std::runtime_error if the system tz database does not know `name`.
  explicit ZoneOffsets(const std::string& name);

  const std::string& name() const { return name_; }
  std::chrono::seconds offset_at(Seconds instant) const;
  // Seconds since 1970-01-01 00:00 in local wall-clock time.
  std::int64_t to_local(Seconds instant) const {
    return instant.time_since_epoch().count() + offset_at(instant).count();
  }
  // The first instant whose local time is `local` or, when the clocks jump over it, the
  // instant of the jump; the earlier one when the clocks go back and it occurs twice.
  Seconds to_utc(std::int64_t local) const;

 private:
  struct Period {
    std::int64_t begin;   // UTC seconds
    std::int32_t offset;  // seconds east of UTC
  };
  const Period& period_at(std::int64_t utc) const;

  std::string name_;
  std::vector<Period> periods_;
};

bool is_known_time_zone(const std::string& name);

}  // namespace octopus::policy
