// Who may be counted under a consent filter: active subscribers who granted the purpose to
// the partner category on at least one of the channels and have not withdrawn it on that
// channel (withdrawal beats grant per scope). The answer depends only on the filter, of
// which there are few, so each is computed once and kept.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/engine.hpp"
#include "engine/reference/population_index.hpp"

namespace octopus::engine::reference {

class ReachableSubscribers {
 public:
  ReachableSubscribers(const PopulationSchema& schema, const PopulationIndex& index) : schema_(schema), index_(index) {}

  // A purpose, category or channel the population has no consent records for matches
  // nobody (consent defaults to deny).
  Bitmap compute(const ConsentFilter& filter) const;
  // compute(), kept for later calls; thread-safe.
  std::shared_ptr<const Bitmap> get(const ConsentFilter& filter) const;

 private:
  // At most 3 purposes x 4 categories x 7 channel sets exist; the bound only matters if
  // the schema grows. Each entry costs up to one bit per subscriber.
  static constexpr std::size_t kMaxKept = 32;

  const PopulationSchema& schema_;
  const PopulationIndex& index_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const Bitmap>> kept_;
};

}  // namespace octopus::engine::reference
