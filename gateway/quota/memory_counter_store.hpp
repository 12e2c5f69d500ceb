// Single-node counters: one cache-line cell per partner × capability class holding, in 16
// bytes, the GCRA TAT and the day and month counts, updated together by one 16-byte
// compare-and-swap, so the rate, day and month are taken all or nothing and never under a
// lock. The counts are packed (day id 16 bits, day count 22 bits, month count 26 bits),
// which bounds a plan's per_day to 4,000,000 and per_month to 64,000,000
// (quotas.schema.json says so). Cells are found through a sharded map and then remembered
// per thread, so the steady state takes no shared lock. Cells live as long as the store.
//
// Leases. While one thread decides for a partner's class faster than once every 50 µs and
// another thread writes the same cell in between, every decision would move the cell's
// cache line between cores (most of a contended decision's cost). The thread then takes a
// lease: up to 64 admissions at once from the cell (rate and quotas, in one compare-and-swap,
// only while the rate admits them all now and both quotas keep 16 times the lease in
// reserve), and hands them out without touching the shared line. What it has not used it
// gives back on its next trip to the cell: the quota units always (to the day and month they
// came from), the rate's share only within 1 ms of taking them. What that costs exactness:
//  - quotas: nothing is ever admitted beyond a day's or month's allowance; units held by a
//    lease read as used (admin usage view) until handed out or given back;
//  - rate: a leased admission counts as if its request had come when the lease was taken, at
//    most 1 ms earlier, so in any window at most the plan's rate × 1 ms plus one lease more
//    than exact GCRA; an unused share older than 1 ms is not given back (at most one lease
//    fewer).
// Below those rates (every real plan at gateway request rates) no lease is taken and each
// decision is exact.
#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "quota/counter_store.hpp"

namespace octopus::quota {

class MemoryCounterStore final : public CounterStore {
 public:
  __extension__ typedef unsigned __int128 Word;  // GCC/Clang; the build targets x86-64 (cmpxchg16b)

 public:
  MemoryCounterStore();
  std::string_view backend() const override { return "memory"; }
  Admission admit(const AdmitRequest& request, std::int64_t now_ns) override;
  bool reserve(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day, const PeriodLimit& month,
               std::uint64_t amount) override;
  void release(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day, const PeriodLimit& month,
               std::uint64_t amount) override;
  ClassUsage usage(std::string_view partner, policy::CapabilityClass c, const GcraLimit& rate, const PeriodLimit& day,
                   const PeriodLimit& month, std::int64_t now_ns) override;

  struct Cell {
    // Low 64 bits: TAT (ns). High 64 bits: day id << 48 | day count << 26 | month count.
    // Only read and written through the 16-byte compare-and-swap in the .cpp.
    alignas(64) Word state = 0;
  };
  struct Partner {
    std::array<Cell, policy::kCapabilityClassCount> cells;
  };

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::unique_ptr<Partner>, Hash, std::equal_to<>>;
  struct Shard {
    std::shared_mutex mutex;
    Map partners;
  };

  Cell& cell(std::string_view partner, policy::CapabilityClass c);
  Partner& find_or_create(std::string_view partner);

 public:
  struct LocalPartner;  // per thread: a partner's cells and this thread's leases on them
 private:
  LocalPartner& local_partner(std::string_view partner);

  const std::uint64_t id_;  // tells this store's cells apart in the per-thread caches
  std::array<Shard, 16> shards_;
};

}  // namespace octopus::quota
