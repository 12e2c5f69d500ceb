// Where the reference engine's subscribers come from: a real population file (CSV or JSON
// Lines), whose bad rows are logged with their line and reason before they are skipped or
// refuse the file, or else a synthetic population from a seed. Shared by the gateway's
// embedded engine and `engine serve`.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "engine/reference/population.hpp"

namespace octopus::app {

// Throws std::runtime_error for an unreadable or refused file.
std::shared_ptr<const engine::reference::Population> load_or_generate_population(const std::string& file,
                                                                                 bool refuse_bad_rows,
                                                                                 std::size_t synthetic_size,
                                                                                 std::uint64_t seed);

}  // namespace octopus::app
