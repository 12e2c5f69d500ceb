#include "engine/reference/membership_index.hpp"

#include <algorithm>
#include <limits>

namespace octopus::engine::reference {
namespace {

template <typename Visit>
void each_row(const Bitmap& b, Visit&& visit) {
  roaring_iterate(
      b.raw(),
      [](std::uint32_t row, void* param) {
        (*static_cast<Visit*>(param))(row);
        return true;
      },
      &visit);
}

}  // namespace

MembershipIndex::MembershipIndex(std::vector<std::shared_ptr<const Bitmap>> audiences, std::size_t rows)
    : audiences_(std::move(audiences)), offsets_(rows + 1, 0) {
  // Count each row's audiences, turn the counts into starts, then fill in audience order,
  // so every row's list comes out ascending.
  for (const auto& a : audiences_)
    each_row(*a, [&](std::uint32_t row) {
      if (row < rows) ++offsets_[row + 1];
    });
  for (std::size_t r = 0; r < rows; ++r) offsets_[r + 1] += offsets_[r];
  entries_.resize(offsets_[rows]);
  std::vector<std::uint32_t> next(offsets_.begin(), offsets_.end() - 1);
  for (std::size_t i = 0; i < audiences_.size(); ++i)
    each_row(*audiences_[i], [&](std::uint32_t row) {
      if (row < rows) entries_[next[row]++] = static_cast<std::uint32_t>(i);
    });
}

MembershipIndexCache::MembershipIndexCache(std::size_t rows, std::size_t budget_bytes, std::size_t min_audiences,
                                           std::size_t max_lists)
    : rows_(rows), budget_(budget_bytes), min_audiences_(min_audiences), max_lists_(max_lists) {}

std::shared_ptr<const MembershipIndex> MembershipIndexCache::find_or_build(
    const std::vector<std::string>& ids, const std::vector<std::shared_ptr<const Bitmap>>& audiences) {
  if (audiences.size() < min_audiences_) return nullptr;
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.ids == ids; });
    if (it != entries_.end() && it->index->audiences() == audiences) {
      entries_.splice(entries_.begin(), entries_, it);
      return it->index;
    }
  }
  std::size_t memberships = 0;
  for (const auto& a : audiences) memberships += a->cardinality();
  if ((rows_ + 1 + memberships) * sizeof(std::uint32_t) > budget_ ||
      memberships > std::numeric_limits<std::uint32_t>::max())
    return nullptr;
  // Built outside the lock (tens of milliseconds for millions of memberships); two callers
  // asking at once may both build, the last one's index stays.
  auto index = std::make_shared<const MembershipIndex>(audiences, rows_);
  std::lock_guard lock(mutex_);
  entries_.remove_if([&](const Entry& e) { return e.ids == ids; });
  entries_.push_front({ids, index});
  // Within the budget and the number of lists: the least recently used go first (never the
  // one just built, at the front).
  std::size_t total = 0;
  for (const auto& e : entries_) total += e.index->bytes();
  while (entries_.size() > 1 && (total > budget_ || entries_.size() > max_lists_)) {
    total -= entries_.back().index->bytes();
    entries_.pop_back();
  }
  return index;
}

void MembershipIndexCache::forget(const std::string& audience_id) {
  std::lock_guard lock(mutex_);
  entries_.remove_if(
      [&](const Entry& e) { return std::find(e.ids.begin(), e.ids.end(), audience_id) != e.ids.end(); });
}

std::size_t MembershipIndexCache::bytes() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& e : entries_) total += e.index->bytes();
  return total;
}

}  // namespace octopus::engine::reference
