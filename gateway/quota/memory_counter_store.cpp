#include "quota/memory_counter_store.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <vector>

namespace octopus::quota {

namespace {

using u128 = MemoryCounterStore::Word;

constexpr std::uint64_t kDayBits = 22, kMonthBits = 26;
constexpr std::uint64_t kDayMax = (std::uint64_t{1} << kDayBits) - 1;
constexpr std::uint64_t kMonthMax = (std::uint64_t{1} << kMonthBits) - 1;

// One atomic 16-byte compare-and-swap (cmpxchg16b; this file is built with -mcx16). On
// failure `expected` becomes the value found.
bool cas(u128& target, u128& expected, u128 desired) {
  const u128 found = __sync_val_compare_and_swap(&target, expected, desired);
  if (found == expected) return true;
  expected = found;
  return false;
}

// A first guess for a CAS loop: a torn read only costs one failed CAS, which returns the
// true value.
u128 peek(const u128& target) { return *static_cast<const volatile u128*>(&target); }

// The local month (as QuotaPeriods::month) of a local day number.
std::int64_t month_of(std::int64_t day) {
  using namespace std::chrono;
  const year_month_day date{sys_days{days{day}}};
  return (static_cast<int>(date.year()) - 1970) * 12 + static_cast<int>(static_cast<unsigned>(date.month())) - 1;
}

struct Counts {
  std::int64_t tat;
  std::uint64_t day_used;
  std::uint64_t month_used;
};

// The counts as seen from `day` (of `month`): a count from an earlier day or month is zero.
Counts decode(u128 state, std::int64_t day, std::int64_t month) {
  const auto hi = static_cast<std::uint64_t>(state >> 64);
  Counts c{static_cast<std::int64_t>(static_cast<std::uint64_t>(state)), (hi >> kMonthBits) & kDayMax, hi & kMonthMax};
  const std::int64_t stored_day = static_cast<std::int64_t>(hi >> 48);
  if (stored_day != (day & 0xFFFF)) {
    c.day_used = 0;
    if (hi == 0 || month_of(stored_day) != month) c.month_used = 0;
  }
  return c;
}

u128 encode(std::int64_t tat, std::int64_t day, std::uint64_t day_used, std::uint64_t month_used) {
  const std::uint64_t hi = (static_cast<std::uint64_t>(day) & 0xFFFF) << 48 | (day_used & kDayMax) << kMonthBits |
                           (month_used & kMonthMax);
  return static_cast<u128>(hi) << 64 | static_cast<std::uint64_t>(tat);
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
  const std::uint64_t day_limit = std::min(r.day.limit, kDayMax), month_limit = std::min(r.month.limit, kMonthMax);
  Admission a;
  u128 expected = peek(c.state);
  for (;;) {
    const Counts now = decode(expected, r.day.id, r.month.id);
    a.day_used = now.day_used;
    a.month_used = now.month_used;
    a.rate = gcra_decide(now.tat, now_ns, r.rate, static_cast<std::int64_t>(r.cost));
    if (!a.rate.allowed) {
      a.verdict = Verdict::rate_limited;
      return a;
    }
    // A quota refusal still spends the rate slot: the request did arrive.
    std::uint64_t day_used = now.day_used, month_used = now.month_used;
    if (day_used + r.cost > day_limit) a.verdict = Verdict::day_exhausted;
    else if (month_used + r.cost > month_limit) a.verdict = Verdict::month_exhausted;
    else {
      a.verdict = Verdict::allowed;
      day_used += r.cost;
      month_used += r.cost;
    }
    if (cas(c.state, expected, encode(a.rate.tat_ns, r.day.id, day_used, month_used))) {
      a.day_used = day_used;
      a.month_used = month_used;
      return a;
    }
  }
}

bool MemoryCounterStore::reserve(std::string_view partner, policy::CapabilityClass cls, const PeriodLimit& day,
                                 const PeriodLimit& month, std::uint64_t amount) {
  Cell& c = cell(partner, cls);
  u128 expected = peek(c.state);
  for (;;) {
    const Counts now = decode(expected, day.id, month.id);
    if (now.day_used + amount > std::min(day.limit, kDayMax) ||
        now.month_used + amount > std::min(month.limit, kMonthMax))
      return false;
    if (cas(c.state, expected, encode(now.tat, day.id, now.day_used + amount, now.month_used + amount))) return true;
  }
}

void MemoryCounterStore::release(std::string_view partner, policy::CapabilityClass cls, const PeriodLimit& day,
                                 const PeriodLimit& month, std::uint64_t amount) {
  Cell& c = cell(partner, cls);
  u128 expected = peek(c.state);
  for (;;) {
    const auto hi = static_cast<std::uint64_t>(expected >> 64);
    const std::int64_t stored_day = static_cast<std::int64_t>(hi >> 48);
    if (hi == 0) return;
    // Only to the periods the units were taken from; a period that is over is left alone.
    std::uint64_t day_used = (hi >> kMonthBits) & kDayMax, month_used = hi & kMonthMax;
    if (stored_day == (day.id & 0xFFFF)) day_used -= std::min(day_used, amount);
    if (month_of(stored_day) == month.id) month_used -= std::min(month_used, amount);
    const auto tat = static_cast<std::int64_t>(static_cast<std::uint64_t>(expected));
    if (cas(c.state, expected, encode(tat, stored_day, day_used, month_used))) return;
  }
}

ClassUsage MemoryCounterStore::usage(std::string_view partner, policy::CapabilityClass cls, const GcraLimit& rate,
                                     const PeriodLimit& day, const PeriodLimit& month, std::int64_t now_ns) {
  Cell& c = cell(partner, cls);
  // A consistent copy: a CAS that changes nothing returns the whole value atomically.
  u128 current = peek(c.state);
  while (!cas(c.state, current, current)) {
  }
  const Counts now = decode(current, day.id, month.id);
  ClassUsage u;
  u.rate = gcra_decide(now.tat, now_ns, rate);
  u.day_used = now.day_used;
  u.month_used = now.month_used;
  return u;
}

}  // namespace octopus::quota
