// Single-node counters: one cell per partner × capability class holding the GCRA TAT and
// the day's and month's counts, read and written together under the cell's own mutex, so
// the rate, the day and the month are taken all or nothing and every decision is exact.
// Cells are found through a map sharded by partner (a shared lock on one shard); cells live
// as long as the store. Portable C++: no atomics wider than the platform's, no per-thread
// state. (The limiter benchmark, tests/bench/limiter_bench.cpp, measures it against the
// request rates a gateway serves: docs/performance.md.)
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "quota/counter_store.hpp"

namespace octopus::quota {

class MemoryCounterStore final : public CounterStore {
 public:
  std::string_view backend() const override { return "memory"; }
  Admission admit(const AdmitRequest& request, std::int64_t now_ns) override;
  bool reserve(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day, const PeriodLimit& month,
               std::uint64_t amount) override;
  void release(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day, const PeriodLimit& month,
               std::uint64_t amount) override;
  ClassUsage usage(std::string_view partner, policy::CapabilityClass c, const GcraLimit& rate, const PeriodLimit& day,
                   const PeriodLimit& month, std::int64_t now_ns) override;

 private:
  // What one partner's class has used: the counts belong to the day and month named beside
  // them; a count of an earlier period reads as zero.
  struct Cell {
    std::mutex mutex;
    std::int64_t tat = 0;  // GCRA theoretical arrival time, ns
    std::int64_t day = std::numeric_limits<std::int64_t>::min(), month = std::numeric_limits<std::int64_t>::min();
    std::uint64_t day_used = 0, month_used = 0;

    // Moves the counts to `day` and `month`, zeroing what belongs to an earlier period.
    void roll_to(std::int64_t d, std::int64_t m);
  };
  struct Partner {
    std::array<Cell, policy::kCapabilityClassCount> cells;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::shared_mutex mutex;
    std::unordered_map<std::string, std::unique_ptr<Partner>, Hash, std::equal_to<>> partners;
  };

  Cell& cell(std::string_view partner, policy::CapabilityClass c);

  std::array<Shard, 16> shards_;
};

}  // namespace octopus::quota
