// A deterministic synthetic population of Shandong subscribers: the same seed and size give
// the same subscribers, whatever the thread count. Rows come in blocks by city, as an
// operator's numbering plan allocates ranges per city, with ascending ids.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/reference/population.hpp"

namespace octopus::engine::reference {

struct SyntheticPopulationOptions {
  std::uint64_t seed = 20261128;
  std::size_t subscribers = 1'000'000;
  unsigned threads = 2;
};

std::shared_ptr<Population> generate_synthetic_population(const SyntheticPopulationOptions& options = {});

// The same on two threads, in the form the gateway's start-up calls it:
// ReferenceEngine(generate_population(subscribers, seed)).
inline std::shared_ptr<Population> generate_population(std::size_t subscribers, std::uint64_t seed) {
  return generate_synthetic_population({seed, subscribers, 2});
}

}  // namespace octopus::engine::reference
