// Loading a real population from a file: CSV with a header row, or JSON Lines (one object
// per line); columns and value domains in docs/engine.md. A row that cannot be loaded is
// always reported with its line number and reason, then skipped or, on request, the whole
// file is refused: a population is never quietly smaller than its file.
#pragma once
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/reference/population.hpp"

namespace octopus::engine::reference {

enum class PopulationFormat { csv, jsonl };
enum class OnBadRow { skip, refuse };

struct BadRow {
  std::size_t line = 0;  // 1-based line of the file (the CSV header is line 1)
  std::string reason;
};

struct ImportReport {
  std::size_t rows_read = 0;  // data rows seen (blank lines are not rows)
  std::size_t rows_loaded = 0;
  std::size_t rows_skipped = 0;  // bad rows; with OnBadRow::refuse, nothing is loaded
  std::vector<BadRow> bad_rows;  // in line order, the first kMaxListed of them
  bool refused = false;          // no population: bad rows under OnBadRow::refuse, or a bad header
  static constexpr std::size_t kMaxListed = 1000;
};

struct PopulationImport {
  std::shared_ptr<Population> population;  // null when refused
  ImportReport report;
};

// Throws std::runtime_error when the file cannot be opened or read.
PopulationImport load_population(const std::filesystem::path& path, PopulationFormat format, OnBadRow on_bad_row);
PopulationImport read_population(std::istream& in, PopulationFormat format, OnBadRow on_bad_row);

// ".csv" or ".jsonl"/".ndjson"; nullopt otherwise.
std::optional<PopulationFormat> population_format_of(const std::filesystem::path& path);

}  // namespace octopus::engine::reference
