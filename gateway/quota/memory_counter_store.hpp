// Single-node counters: one cache-line-aligned cell of atomics per partner × capability
// class, updated with compare-and-swap, so two requests of one partner contend on one cell
// and never on a lock. Cells are found through a sharded map and then remembered per
// thread, so the steady state takes no lock at all. Cells live as long as the store
// (partners are few; their cells are small).
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
    alignas(64) std::atomic<std::int64_t> tat{0};
    // (period id & 0xFFFF) << 48 | units used: one word, so a rollover to a new period and
    // the count in it change together.
    std::atomic<std::uint64_t> day{0};
    std::atomic<std::uint64_t> month{0};
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
