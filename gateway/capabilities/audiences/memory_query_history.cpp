#include "audiences/query_history.hpp"

namespace octopus::audiences {

std::vector<RememberedQuery> MemoryQueryHistory::recent(const std::string& partner, std::int64_t now,
                                                        std::int64_t window_seconds, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<RememberedQuery> out;
  auto it = by_partner_.find(partner);
  if (it == by_partner_.end()) return out;
  auto& queries = it->second;
  while (!queries.empty() && queries.back().at <= now - window_seconds) queries.pop_back();
  for (const auto& q : queries) {
    if (out.size() == limit) break;
    out.push_back(q);
  }
  return out;
}

void MemoryQueryHistory::remember(const std::string& partner, const RememberedQuery& query, std::int64_t,
                                  std::size_t limit) {
  std::lock_guard lock(mutex_);
  auto& queries = by_partner_[partner];
  queries.push_front(query);
  while (queries.size() > limit) queries.pop_back();
}

}  // namespace octopus::audiences
