#include "quota/memory_counter_store.hpp"

#include <algorithm>

namespace octopus::quota {

void MemoryCounterStore::Cell::roll_to(std::int64_t d, std::int64_t m) {
  if (month != m) {
    month = m;
    month_used = 0;
  }
  if (day != d) {
    day = d;
    day_used = 0;
  }
}

MemoryCounterStore::Cell& MemoryCounterStore::cell(std::string_view partner, policy::CapabilityClass c) {
  Shard& shard = shards_[Hash{}(partner) % shards_.size()];
  const auto index = static_cast<std::size_t>(c);
  {
    std::shared_lock lock(shard.mutex);
    if (auto it = shard.partners.find(partner); it != shard.partners.end()) return it->second->cells[index];
  }
  std::unique_lock lock(shard.mutex);
  auto [it, inserted] = shard.partners.try_emplace(std::string(partner), nullptr);
  if (inserted) it->second = std::make_unique<Partner>();
  return it->second->cells[index];
}

Admission MemoryCounterStore::admit(const AdmitRequest& r, std::int64_t now_ns) {
  Cell& c = cell(r.partner, r.capability_class);
  std::lock_guard lock(c.mutex);
  c.roll_to(r.day.id, r.month.id);
  Admission a;
  a.rate = gcra_decide(c.tat, now_ns, r.rate, static_cast<std::int64_t>(r.cost));
  a.day_used = c.day_used;
  a.month_used = c.month_used;
  if (!a.rate.allowed) {
    a.verdict = Verdict::rate_limited;
    return a;
  }
  c.tat = a.rate.tat_ns;  // a quota refusal still spends the rate slot: the request did arrive
  if (c.day_used + r.cost > r.day.limit) {
    a.verdict = Verdict::day_exhausted;
  } else if (c.month_used + r.cost > r.month.limit) {
    a.verdict = Verdict::month_exhausted;
  } else {
    a.verdict = Verdict::allowed;
    a.day_used = c.day_used += r.cost;
    a.month_used = c.month_used += r.cost;
  }
  return a;
}

bool MemoryCounterStore::reserve(std::string_view partner, policy::CapabilityClass cls, const PeriodLimit& day,
                                 const PeriodLimit& month, std::uint64_t amount) {
  Cell& c = cell(partner, cls);
  std::lock_guard lock(c.mutex);
  c.roll_to(day.id, month.id);
  if (c.day_used + amount > day.limit || c.month_used + amount > month.limit) return false;
  c.day_used += amount;
  c.month_used += amount;
  return true;
}

void MemoryCounterStore::release(std::string_view partner, policy::CapabilityClass cls, const PeriodLimit& day,
                                 const PeriodLimit& month, std::uint64_t amount) {
  Cell& c = cell(partner, cls);
  std::lock_guard lock(c.mutex);
  // Only to the periods the units were taken from; a period that is over is left alone.
  if (c.day == day.id) c.day_used -= std::min(c.day_used, amount);
  if (c.month == month.id) c.month_used -= std::min(c.month_used, amount);
}

ClassUsage MemoryCounterStore::usage(std::string_view partner, policy::CapabilityClass cls, const GcraLimit& rate,
                                     const PeriodLimit& day, const PeriodLimit& month, std::int64_t now_ns) {
  Cell& c = cell(partner, cls);
  std::lock_guard lock(c.mutex);
  ClassUsage u;
  u.rate = gcra_decide(c.tat, now_ns, rate);
  u.day_used = c.day == day.id ? c.day_used : 0;
  u.month_used = c.month == month.id ? c.month_used : 0;
  return u;
}

}  // namespace octopus::quota
