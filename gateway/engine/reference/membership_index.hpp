// Row → which of a list of audiences it belongs to, for a list asked again and again (the
// segments of one event type's triggers, asked for every batch of events). Built once from
// the audiences' bitmaps, it answers a subscriber with two array reads instead of a search
// in every audience's bitmap (hundreds of cache misses per event). It costs 4 bytes per
// row of the population and 4 per membership; MembershipIndexCache bounds the total.
#pragma once
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

// The indexes of the audience lists asked, least recently used first out when they would
// hold more than `budget_bytes` or `max_lists`. A short list (under `min_audiences`) gets
// no index: searching its few bitmaps costs less than building one.
class MembershipIndexCache {
 public:
  MembershipIndexCache(std::size_t rows, std::size_t budget_bytes, std::size_t min_audiences = 8,
                       std::size_t max_lists = 32);
  // The index for `ids` (whose bitmaps are `audiences`), built on its first request;
  // nullptr for a short list, or when one index alone would exceed the budget.
  std::shared_ptr<const MembershipIndex> find_or_build(const std::vector<std::string>& ids,
                                                       const std::vector<std::shared_ptr<const Bitmap>>& audiences);
  // Forgets every index naming the audience (it was dropped).
  void forget(const std::string& audience_id);
  std::size_t bytes() const;

 private:
  struct Entry {
    std::vector<std::string> ids;
    std::shared_ptr<const MembershipIndex> index;
  };
  std::size_t rows_, budget_, min_audiences_, max_lists_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace octopus::engine::reference
