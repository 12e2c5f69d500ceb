#include "quota/memory_counter_store.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <vector>

#include "quota/same_text.hpp"

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

// Leases (see the header): when a thread is "hot" (its previous decision on the cell came
// less than kHotGapNs before) and the cell was written by someone else since its own last
// write, it takes kFirstLease admissions at once, doubling per contended renewal up to
// kMaxLease, until it cools down. A lease is handed out for at most kLeaseWindowNs after it
// was taken, and only while both quotas keep kQuotaReserve times the lease in reserve.
constexpr std::int64_t kHotGapNs = 50'000;
constexpr std::int64_t kLeaseWindowNs = 1'000'000;
constexpr std::uint64_t kFirstLease = 8, kMaxLease = 64, kQuotaReserve = 16;

struct Lease {
  std::uint64_t units = 0;  // admissions taken from the cell, not handed out yet
  // What the units were taken under; a request under anything else goes to the cell.
  std::int64_t day = 0, month = 0;
  std::uint64_t day_limit = 0, month_limit = 0;
  GcraLimit rate;
  std::int64_t taken_at = 0;
  // The cell right after the lease was taken, for the admissions' RateLimit values.
  std::int64_t tat_after = 0;
  std::uint64_t day_after = 0, month_after = 0;
  // Contention signals.
  u128 last_written = 0;
  std::int64_t last_decision = std::numeric_limits<std::int64_t>::min() / 2;
  std::uint64_t next_size = 0;

  bool serves(const AdmitRequest& r, std::int64_t now_ns) const {
    return units >= r.cost && day == r.day.id && month == r.month.id && day_limit == r.day.limit &&
           month_limit == r.month.limit && rate.interval_ns == r.rate.interval_ns && rate.burst == r.rate.burst &&
           now_ns >= taken_at && now_ns - taken_at <= kLeaseWindowNs;
  }

  // An admission as if the units still held had never been taken: the values exact GCRA and
  // counting would have given it.
  Admission admission(std::int64_t now_ns) const {
    Admission a;
    a.verdict = Verdict::allowed;
    a.rate = gcra_admitted(tat_after - static_cast<std::int64_t>(units) * rate.interval_ns, now_ns, rate);
    a.day_used = day_after - units;
    a.month_used = month_after - units;
    return a;
  }
};

}  // namespace

struct MemoryCounterStore::LocalPartner {
  Partner* shared = nullptr;
  std::array<Lease, policy::kCapabilityClassCount> leases{};
};

namespace {

Admission decide_in_cell(MemoryCounterStore::Cell& c, Lease& lease, const AdmitRequest& r, std::int64_t now_ns,
                         bool hot);

struct LocalStore {
  std::uint64_t id = 0;
  std::unordered_map<std::string, std::unique_ptr<MemoryCounterStore::LocalPartner>> partners;
  std::string key;  // reused lookup key, so a lookup does not allocate
  std::string last_partner;
  MemoryCounterStore::LocalPartner* last = nullptr;
};

// Per thread: the stores it used most recently (one in the gateway; tests make many). Store
// ids are never reused, so the entry of a store that is gone is never looked at again.
constexpr std::size_t kLocalStores = 8;
struct LocalStores {
  std::vector<std::unique_ptr<LocalStore>> stores;  // most recently used last
};
thread_local LocalStores t_stores;

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

MemoryCounterStore::LocalPartner& MemoryCounterStore::local_partner(std::string_view partner) {
  auto& stores = t_stores.stores;
  if (stores.empty() || stores.back()->id != id_) {
    auto it = std::find_if(stores.begin(), stores.end(), [&](const auto& s) { return s->id == id_; });
    std::unique_ptr<LocalStore> mine;
    if (it != stores.end()) {
      mine = std::move(*it);
      stores.erase(it);
    } else {
      mine = std::make_unique<LocalStore>();
      mine->id = id_;
      // Forgetting the oldest store's leases leaves their units counted as used in it, if it
      // is still alive: only a process using more than kLocalStores stores (tests) gets here.
      if (stores.size() >= kLocalStores) stores.erase(stores.begin());
    }
    stores.push_back(std::move(mine));
  }
  LocalStore& local = *stores.back();
  if (local.last && same_text(local.last_partner, partner)) return *local.last;
  local.key.assign(partner);
  auto it = local.partners.find(local.key);
  if (it == local.partners.end()) {
    auto fresh = std::make_unique<LocalPartner>();
    fresh->shared = &find_or_create(partner);
    it = local.partners.emplace(local.key, std::move(fresh)).first;
  }
  local.last_partner = local.key;
  local.last = it->second.get();
  return *local.last;
}

MemoryCounterStore::Cell& MemoryCounterStore::cell(std::string_view partner, policy::CapabilityClass c) {
  return local_partner(partner).shared->cells[static_cast<std::size_t>(c)];
}

Admission MemoryCounterStore::admit(const AdmitRequest& r, std::int64_t now_ns) {
  LocalPartner& local = local_partner(r.partner);
  Lease& lease = local.leases[static_cast<std::size_t>(r.capability_class)];
  const bool hot = now_ns >= lease.last_decision && now_ns - lease.last_decision < kHotGapNs;
  lease.last_decision = now_ns;
  if (lease.serves(r, now_ns)) {
    lease.units -= r.cost;
    return lease.admission(now_ns);
  }
  return decide_in_cell(local.shared->cells[static_cast<std::size_t>(r.capability_class)], lease, r, now_ns, hot);
}

namespace {

// To the cell: give back what the lease still holds, decide this request, and take a new
// lease when contended, all in one compare-and-swap. Out of line, so that the lease's path
// above stays small.
[[gnu::noinline]] Admission decide_in_cell(MemoryCounterStore::Cell& c, Lease& lease, const AdmitRequest& r,
                                           std::int64_t now_ns, bool hot) {
  const std::uint64_t day_limit = std::min(r.day.limit, kDayMax), month_limit = std::min(r.month.limit, kMonthMax);
  u128 expected = peek(c.state);
  // Another writer since this thread's last write starts or doubles the lease. A quiet
  // renewal keeps its size (the other thread may be working through a lease of its own and
  // write only once per lease); leasing stops when this thread cools down.
  const bool contended = expected != lease.last_written;
  const std::uint64_t wanted =
      !hot ? 0 : contended ? std::min(kMaxLease, lease.next_size ? 2 * lease.next_size : kFirstLease) : lease.next_size;
  lease.next_size = wanted;
  const std::uint64_t held = lease.units;
  const bool rate_back = held && lease.rate.interval_ns == r.rate.interval_ns && now_ns >= lease.taken_at &&
                         now_ns - lease.taken_at <= kLeaseWindowNs;
  Admission a;
  for (;;) {
    Counts now = decode(expected, r.day.id, r.month.id);
    if (held) {
      if (lease.day == r.day.id) now.day_used -= std::min(now.day_used, held);
      if (lease.month == r.month.id) now.month_used -= std::min(now.month_used, held);
      if (rate_back) now.tat -= static_cast<std::int64_t>(held) * lease.rate.interval_ns;
    }
    std::uint64_t extra = wanted;
    if (extra && (day_limit - std::min(day_limit, now.day_used) < kQuotaReserve * (r.cost + extra) ||
                  month_limit - std::min(month_limit, now.month_used) < kQuotaReserve * (r.cost + extra)))
      extra = 0;
    GcraOutcome rate = gcra_decide(now.tat, now_ns, r.rate, static_cast<std::int64_t>(r.cost + extra));
    if (!rate.allowed && extra) {
      extra = 0;
      rate = gcra_decide(now.tat, now_ns, r.rate, static_cast<std::int64_t>(r.cost));
    }
    a.rate = rate;
    a.day_used = now.day_used;
    a.month_used = now.month_used;
    std::uint64_t day_used = now.day_used, month_used = now.month_used;
    if (!rate.allowed) {
      a.verdict = Verdict::rate_limited;
      if (!held) return a;  // nothing to write
    } else if (day_used + r.cost > day_limit) {
      a.verdict = Verdict::day_exhausted;  // a quota refusal still spends the rate slot: the request did arrive
    } else if (month_used + r.cost > month_limit) {
      a.verdict = Verdict::month_exhausted;
    } else {
      a.verdict = Verdict::allowed;
      day_used += r.cost + extra;
      month_used += r.cost + extra;
    }
    const u128 desired = encode(rate.allowed ? rate.tat_ns : now.tat, r.day.id, day_used, month_used);
    if (!cas(c.state, expected, desired)) continue;
    lease.last_written = desired;
    lease.units = extra;
    if (a.verdict != Verdict::allowed) return a;
    if (extra == 0) {  // decided one by one: the outcome as it is
      a.day_used = day_used;
      a.month_used = month_used;
      return a;
    }
    lease.day = r.day.id;
    lease.month = r.month.id;
    lease.day_limit = r.day.limit;
    lease.month_limit = r.month.limit;
    lease.rate = r.rate;
    lease.taken_at = now_ns;
    lease.tat_after = rate.tat_ns;
    lease.day_after = day_used;
    lease.month_after = month_used;
    return lease.admission(now_ns);
  }
}

}  // namespace

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
