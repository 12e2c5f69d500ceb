// Row → which of a list of audiences it belongs to, for a list asked again and again (the
// segments of one event type's triggers, asked for every batch of events). Built once from
// the audiences' bitmaps, it answers a subscriber with two array reads instead of a search
// in every audience's bitmap (hundreds of cache misses per event). It costs 4 bytes per
// row of the population and 4 per membership; MembershipIndexCache bounds the total.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/reference/bitmap.hpp"

namespace octopus::engine::reference {

class MembershipIndex {
 public:
  MembershipIndex(std::vector<std::shared_ptr<const Bitmap>> audiences, std::size_t rows);
  // The bitmaps it was built from (an index is valid while the ids still name these).
  const std::vector<std::shared_ptr<const Bitmap>>& audiences() const { return audiences_; }
  // Calls f(audience index) for each audience the row belongs to, ascending.
  template <typename F>
  void for_each(std::size_t row, F&& f) const {
    if (row + 1 >= offsets_.size()) return;
    for (auto i = offsets_[row]; i < offsets_[row + 1]; ++i) f(static_cast<std::size_t>(entries_[i]));
  }
  std::size_t bytes() const { return (offsets_.capacity() + entries_.capacity()) * sizeof(std::uint32_t); }

 private:
  std::vector<std::shared_ptr<const Bitmap>> audiences_;
  std::vector<std::uint32_t> offsets_;  // rows + 1: where each row's audiences start in entries_
  std::vector<std::uint32_t> entries_;
};

// The indexes of the audience lists asked. A short list (under `min_audiences`) gets no
// index: searching its few bitmaps costs less than building one. Within `budget_bytes` and
// `max_lists`, room for a new index is made by letting go of the least recently used ones
// idle for at least `min_idle`; a list that does not fit otherwise gets no index (its
// answers are searched in the bitmaps), so lists in use take turns neither rebuilding
// each other's indexes nor growing past the budget.
class MembershipIndexCache {
 public:
  MembershipIndexCache(std::size_t rows, std::size_t budget_bytes, std::size_t min_audiences = 8,
                       std::size_t max_lists = 32, std::chrono::milliseconds min_idle = std::chrono::seconds(10));
  // The index for `ids` (whose bitmaps are `audiences`), built on its first request;
  // nullptr for a short list, or when it does not fit.
  std::shared_ptr<const MembershipIndex> find_or_build(const std::vector<std::string>& ids,
                                                       const std::vector<std::shared_ptr<const Bitmap>>& audiences);
  // Forgets every index naming the audience (it was dropped).
  void forget(const std::string& audience_id);
  std::size_t bytes() const;

 private:
  struct Entry {
    std::vector<std::string> ids;
    std::shared_ptr<const MembershipIndex> index;
    std::chrono::steady_clock::time_point used;
  };
  // Lets go of idle entries, least recently used first, until `bytes` more fit; false (and
  // nothing let go) when they cannot. Under mutex_.
  bool make_room(std::size_t bytes, std::chrono::steady_clock::time_point now);
  std::size_t rows_, budget_, min_audiences_, max_lists_;
  std::chrono::milliseconds min_idle_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace octopus::engine::reference
