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
                                           std::size_t max_lists, std::chrono::milliseconds min_idle)
    : rows_(rows), budget_(budget_bytes), min_audiences_(min_audiences), max_lists_(max_lists), min_idle_(min_idle) {}

bool MembershipIndexCache::make_room(std::size_t bytes, std::chrono::steady_clock::time_point now) {
  std::size_t total = bytes, kept = 1, idle_bytes = 0, idle = 0;
  for (const auto& e : entries_) {
    total += e.index->bytes();
    ++kept;
    if (now - e.used >= min_idle_) {
      idle_bytes += e.index->bytes();
      ++idle;
    }
  }
  if (total - idle_bytes > budget_ || kept - idle > max_lists_) return false;
  // entries_ runs from most to least recently used: let go from the back.
  for (auto it = entries_.end(); (total > budget_ || kept > max_lists_) && it != entries_.begin();) {
    --it;
    if (now - it->used < min_idle_) continue;
    total -= it->index->bytes();
    --kept;
    it = entries_.erase(it);
  }
  return true;
}

std::shared_ptr<const MembershipIndex> MembershipIndexCache::find_or_build(
    const std::vector<std::string>& ids, const std::vector<std::shared_ptr<const Bitmap>>& audiences) {
  if (audiences.size() < min_audiences_) return nullptr;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.ids == ids; });
    if (it != entries_.end()) {
      if (it->index->audiences() == audiences) {
        it->used = now;
        entries_.splice(entries_.begin(), entries_, it);
        return it->index;
      }
      entries_.erase(it);  // the same ids on other bitmaps: stale
    }
  }
  // A list not indexed yet: will its index fit?
  std::size_t memberships = 0;
  for (const auto& a : audiences) memberships += a->cardinality();
  {
    std::lock_guard lock(mutex_);
    if (memberships > std::numeric_limits<std::uint32_t>::max() ||
        !make_room((rows_ + 1 + memberships) * sizeof(std::uint32_t), now))
      return nullptr;
  }
  // Built outside the lock (tens of milliseconds for millions of memberships); two callers
  // asking at once may both build, the last one's index stays.
  auto index = std::make_shared<const MembershipIndex>(audiences, rows_);
  std::lock_guard lock(mutex_);
  entries_.remove_if([&](const Entry& e) { return e.ids == ids; });
  if (!make_room(index->bytes(), now)) return index;  // others took the room meanwhile: answer, do not keep
  entries_.push_front({ids, index, now});
  return index;
}

void MembershipIndexCache::forget(const std::string& audience_id) {
  std::lock_guard lock(mutex_);
  entries_.remove_if([&](const Entry& e) { return std::find(e.ids.begin(), e.ids.end(), audience_id) != e.ids.end(); });
}

std::size_t MembershipIndexCache::bytes() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& e : entries_) total += e.index->bytes();
  return total;
}

}  // namespace octopus::engine::reference
