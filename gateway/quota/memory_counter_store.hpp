// Single-node counters: one cache-line cell per partner × capability class holding, in 16
// bytes, the GCRA TAT and the day and month counts, updated together by one 16-byte
// compare-and-swap. Two requests of one partner therefore contend on one line, moved once
// per decision, and never on a lock; the rate, day and month are taken all or nothing. The
// counts are packed (day id 16 bits, day count 22 bits, month count 26 bits), which bounds a
// plan's per_day to 4,000,000 and per_month to 64,000,000 (quotas.schema.json says so).
// Cells are found through a sharded map and then remembered per thread, so the steady state
// takes no shared lock. Cells live as long as the store (partners are few).
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

  const std::uint64_t id_;  // tells this store's cells apart in the per-thread caches
  std::array<Shard, 16> shards_;
};

}  // namespace octopus::quota
