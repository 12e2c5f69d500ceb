#include "app/population_source.hpp"

#include <stdexcept>

#include "engine/reference/population_import.hpp"
#include "engine/reference/synthetic_population.hpp"
#include "observability/log.hpp"

namespace octopus::app {

std::shared_ptr<const engine::reference::Population> load_or_generate_population(const std::string& file,
                                                                                 bool refuse_bad_rows,
                                                                                 std::size_t synthetic_size,
                                                                                 std::uint64_t seed) {
  using namespace engine::reference;
  if (file.empty()) return generate_population(synthetic_size, seed);
  const auto format = population_format_of(file);
  if (!format) throw std::runtime_error(file + ": the population file must end in .csv, .jsonl or .ndjson");
  auto imported =
      engine::reference::load_population(file, *format, refuse_bad_rows ? OnBadRow::refuse : OnBadRow::skip);
  for (const auto& bad : imported.report.bad_rows)
    observability::log_warn("population_bad_row", {{"file", file}, {"line", bad.line}, {"reason", bad.reason}});
  if (imported.report.refused || !imported.population)
    throw std::runtime_error(file + ": refused (" + std::to_string(imported.report.rows_skipped) +
                             " bad rows; see the log)");
  observability::log_info("population_imported", {{"file", file},
                                                  {"rows_read", imported.report.rows_read},
                                                  {"rows_loaded", imported.report.rows_loaded},
                                                  {"rows_skipped", imported.report.rows_skipped}});
  return imported.population;
}

}  // namespace octopus::app
