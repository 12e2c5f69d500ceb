// Each partner's recent audience definitions, so that a new count which differs from one of
// them by fewer than k subscribers (but not by zero) is withheld: otherwise subtracting the
// two counts would tell the partner the size of a group smaller than k (docs/privacy.md).
// In memory for one instance; in Redis when several instances serve the same partners, so
// a partner cannot dodge the check by spreading its queries over them.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/segment.hpp"

namespace octopus::audiences {

struct RememberedQuery {
  engine::SegmentNode segment;
  std::string purpose;
  std::int64_t at = 0;  // Unix seconds
};

// The history cannot be read or written now (its store is down). Counts are then withheld:
// a count whose differencing cannot be checked is not shown.
class HistoryUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class QueryHistory {
 public:
  virtual ~QueryHistory() = default;
  // The partner's queries younger than `window_seconds`, newest first, at most `limit`.
  virtual std::vector<RememberedQuery> recent(const std::string& partner, std::int64_t now, std::int64_t window_seconds,
                                              std::size_t limit) = 0;
  // Keeps at most `limit` per partner, for `window_seconds`.
  virtual void remember(const std::string& partner, const RememberedQuery& query, std::int64_t window_seconds,
                        std::size_t limit) = 0;
};

class MemoryQueryHistory final : public QueryHistory {
 public:
  std::vector<RememberedQuery> recent(const std::string& partner, std::int64_t now, std::int64_t window_seconds,
                                      std::size_t limit) override;
  void remember(const std::string& partner, const RememberedQuery& query, std::int64_t window_seconds,
                std::size_t limit) override;

 private:
  std::mutex mutex_;
  std::map<std::string, std::deque<RememberedQuery>> by_partner_;  // newest at the front
};

}  // namespace octopus::audiences
