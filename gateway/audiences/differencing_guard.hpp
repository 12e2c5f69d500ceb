// Remembers each partner's recent audience definitions so that a new count which differs
// from one of them by fewer than k subscribers (but not by zero) is withheld: otherwise
// subtracting the two counts would tell the partner the size of a group smaller than k.
// Per gateway instance, in memory; see docs/privacy.md for what this does and does not stop.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/segment.hpp"

namespace octopus::audiences {

struct RememberedQuery {
  engine::SegmentNode segment;
  std::string purpose;
  std::int64_t at = 0;  // Unix seconds
};

class DifferencingGuard {
 public:
  // The partner's queries younger than `window_seconds`, newest first, at most `limit`.
  std::vector<RememberedQuery> recent(const std::string& partner, std::int64_t now, std::int64_t window_seconds,
                                     std::size_t limit);
  void remember(const std::string& partner, RememberedQuery query, std::size_t limit);

 private:
  std::mutex mutex_;
  std::map<std::string, std::deque<RememberedQuery>> by_partner_;  // newest at the front
};

}  // namespace octopus::audiences
