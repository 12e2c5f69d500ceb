#include "quota/memory_counter_store.hpp"

#include <mutex>
#include <vector>

namespace octopus::quota {

namespace {

constexpr std::uint64_t kCountMask = (std::uint64_t{1} << 48) - 1;

std::uint64_t pack(std::int64_t period, std::uint64_t used) {
  return (static_cast<std::uint64_t>(period) & 0xFFFF) << 48 | (used & kCountMask);
}
// Units used in `period`: a word from an earlier period counts as zero.
std::uint64_t used_in(std::uint64_t word, std::int64_t period) {
  return (word >> 48) == (static_cast<std::uint64_t>(period) & 0xFFFF) ? (word & kCountMask) : 0;
}

// Adds `amount` to the period's count unless that would pass `limit`.
bool take(std::atomic<std::uint64_t>& word, const PeriodLimit& p, std::uint64_t amount, std::uint64_t& used_after) {
  std::uint64_t current = word.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t used = used_in(current, p.id);
    if (used + amount > p.limit) {
      used_after = used;
      return false;
    }
    if (word.compare_exchange_weak(current, pack(p.id, used + amount), std::memory_order_acq_rel,
                                   std::memory_order_relaxed)) {
      used_after = used + amount;
      return true;
    }
  }
}

void give_back(std::atomic<std::uint64_t>& word, const PeriodLimit& p, std::uint64_t amount) {
  std::uint64_t current = word.load(std::memory_order_relaxed);
  for (;;) {
    if ((current >> 48) != (static_cast<std::uint64_t>(p.id) & 0xFFFF)) return;  // that period is over
    const std::uint64_t used = current & kCountMask;
    const std::uint64_t next = used > amount ? used - amount : 0;
    if (word.compare_exchange_weak(current, pack(p.id, next), std::memory_order_acq_rel, std::memory_order_relaxed))
      return;
  }
}

std::atomic<std::uint64_t> g_next_store_id{1};

// Per thread: the cells it has already found, for the store it last used.
struct LocalCells {
  std::uint64_t store = 0;
  std::unordered_map<std::string, MemoryCounterStore::Partner*> by_partner;
  std::string key;  // reused lookup key, so a hit does not allocate
};
thread_local LocalCells t_cells;

}  // namespace

MemoryCounterStore::MemoryCounterStore() : id_(g_next_store_id.fetch_add(1)) {}

MemoryCounterStore::Partner& MemoryCounterStore::find_or_create(std::string_view partner) {
  Shard& shard = shards_[Hash{}(partner) % shards_.size()];
  {
    std::shared_lock lock(shard.mutex);
    if (auto it = shard.partners.find(partner); it != shard.partners.end()) return *it->second;
  }
  std::unique_lock lock(shard.mutex);
  auto [it, inserted] = shard.partners.try_emplace(std::string(partner), nullptr);
  if (inserted) it->second = std::make_unique<Partner>();
  return *it->second;
}

MemoryCounterStore::Cell& MemoryCounterStore::cell(std::string_view partner, policy::CapabilityClass c) {
  auto& local = t_cells;
  if (local.store != id_) {
    local.by_partner.clear();
    local.store = id_;
  }
  local.key.assign(partner);
  auto it = local.by_partner.find(local.key);
  if (it == local.by_partner.end()) it = local.by_partner.emplace(local.key, &find_or_create(partner)).first;
  return it->second->cells[static_cast<std::size_t>(c)];
}

Admission MemoryCounterStore::admit(const AdmitRequest& r, std::int64_t now_ns) {
  Cell& c = cell(r.partner, r.capability_class);
  Admission a;
  std::int64_t tat = c.tat.load(std::memory_order_relaxed);
  for (;;) {
    a.rate = gcra_decide(tat, now_ns, r.rate, static_cast<std::int64_t>(r.cost));
    if (!a.rate.allowed) {
      a.verdict = Verdict::rate_limited;
      a.day_used = used_in(c.day.load(std::memory_order_relaxed), r.day.id);
      a.month_used = used_in(c.month.load(std::memory_order_relaxed), r.month.id);
      return a;
    }
    if (c.tat.compare_exchange_weak(tat, a.rate.tat_ns, std::memory_order_acq_rel, std::memory_order_relaxed)) break;
  }
  if (!take(c.day, r.day, r.cost, a.day_used)) {
    a.verdict = Verdict::day_exhausted;
    a.month_used = used_in(c.month.load(std::memory_order_relaxed), r.month.id);
    return a;
  }
  if (!take(c.month, r.month, r.cost, a.month_used)) {
    give_back(c.day, r.day, r.cost);
    a.day_used -= r.cost;
    a.verdict = Verdict::month_exhausted;
    return a;
  }
  a.verdict = Verdict::allowed;
  return a;
}

bool MemoryCounterStore::reserve(std::string_view partner, policy::CapabilityClass cls, const PeriodLimit& day,
                                 const PeriodLimit& month, std::uint64_t amount) {
  Cell& c = cell(partner, cls);
  std::uint64_t used = 0;
  if (!take(c.day, day, amount, used)) return false;
  if (!take(c.month, month, amount, used)) {
    give_back(c.day, day, amount);
    return false;
  }
  return true;
}

void MemoryCounterStore::release(std::string_view partner, policy::CapabilityClass cls, const PeriodLimit& day,
                                 const PeriodLimit& month, std::uint64_t amount) {
  Cell& c = cell(partner, cls);
  give_back(c.day, day, amount);
  give_back(c.month, month, amount);
}

ClassUsage MemoryCounterStore::usage(std::string_view partner, policy::CapabilityClass cls, const GcraLimit& rate,
                                     const PeriodLimit& day, const PeriodLimit& month, std::int64_t now_ns) {
  Cell& c = cell(partner, cls);
  ClassUsage u;
  u.rate = gcra_decide(c.tat.load(std::memory_order_acquire), now_ns, rate);
  u.day_used = used_in(c.day.load(std::memory_order_acquire), day.id);
  u.month_used = used_in(c.month.load(std::memory_order_acquire), month.id);
  return u;
}

}  // namespace octopus::quota
