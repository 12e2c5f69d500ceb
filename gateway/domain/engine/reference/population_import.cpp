#include "engine/reference/population_import.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <istream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace octopus::engine::reference {
namespace {

using json = nlohmann::json;

constexpr const char* kId = "subscriber_id";
constexpr const char* kTags = "tags";
constexpr const char* kProducts = "products";
constexpr const char* kGranted = "consent_granted";
constexpr const char* kWithdrawn = "consent_withdrawn";

struct Row {
  std::uint64_t id = 0;
  std::array<std::uint8_t, kAttributeCount> attributes{};
  std::uint64_t tags = 0, products = 0, granted = 0, withdrawn = 0;
  std::size_t line = 0;
};

// One row's fields by column name, whatever the file format.
class Fields {
 public:
  virtual ~Fields() = default;
  virtual std::optional<std::string> text(const std::string& column) const = 0;
  // Items of a list column (empty when the column is absent or empty).
  virtual std::vector<std::string> list(const std::string& column) const = 0;
};

std::optional<std::uint64_t> parse_id(const std::string& s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Fills `row` from `f`; the reason the row is bad otherwise.
std::optional<std::string> decode(const Fields& f, const PopulationSchema& schema, Row& row) {
  const auto id_text = f.text(kId);
  if (!id_text || id_text->empty()) return std::string("subscriber_id is missing");
  const auto id = parse_id(*id_text);
  if (!id) return "subscriber_id '" + *id_text + "' is not a whole number from 0 to 18446744073709551615";
  row.id = *id;
  for (std::size_t a = 0; a < kAttributeCount; ++a) {
    const auto& def = schema.attributes()[a];
    const auto value = f.text(def.name);
    if (!value || value->empty()) return def.name + " is missing";
    const auto code = schema.value_code(static_cast<Attr>(a), *value);
    if (!code) return "'" + *value + "' is not a value of " + def.name;
    row.attributes[a] = *code;
  }
  for (const auto& t : f.list(kTags)) {
    const auto i = schema.tag_index(t);
    if (!i) return "'" + t + "' is not a tag";
    row.tags |= std::uint64_t{1} << *i;
  }
  for (const auto& p : f.list(kProducts)) {
    const auto i = schema.product_index(p);
    if (!i) return "'" + p + "' is not a product code";
    row.products |= std::uint64_t{1} << *i;
  }
  for (const auto* column : {kGranted, kWithdrawn}) {
    for (const auto& s : f.list(column)) {
      const auto i = schema.parse_scope(s);
      if (!i) return "'" + s + "' in " + column + " is not purpose/channel/category with known names";
      (column == kGranted ? row.granted : row.withdrawn) |= std::uint64_t{1} << *i;
    }
  }
  return std::nullopt;
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const auto end = s.find(separator, start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// RFC 4180 fields on one line (a quoted field may hold commas and doubled quotes, not line
// breaks); nullopt when a quote is left open or stray.
std::optional<std::vector<std::string>> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '"') {
      if (!fields.back().empty() || was_quoted) return std::nullopt;
      quoted = was_quoted = true;
    } else {
      if (was_quoted) return std::nullopt;  // text after a closing quote
      fields.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

class CsvFields final : public Fields {
 public:
  CsvFields(const std::vector<std::string>& header, const std::vector<std::string>& values)
      : header_(header), values_(values) {}
  std::optional<std::string> text(const std::string& column) const override {
    const auto it = std::find(header_.begin(), header_.end(), column);
    if (it == header_.end()) return std::nullopt;
    return values_[static_cast<std::size_t>(it - header_.begin())];
  }
  std::vector<std::string> list(const std::string& column) const override {
    return split(text(column).value_or(""), ';');
  }

 private:
  const std::vector<std::string>& header_;
  const std::vector<std::string>& values_;
};

class JsonFields final : public Fields {
 public:
  explicit JsonFields(const json& object) : object_(object) {}
  std::optional<std::string> text(const std::string& column) const override {
    const auto it = object_.find(column);
    if (it == object_.end()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    return std::to_string(it->get<std::uint64_t>());  // shape_problem() let only an id through as a number
  }
  std::vector<std::string> list(const std::string& column) const override {
    std::vector<std::string> out;
    const auto it = object_.find(column);
    if (it == object_.end()) return out;
    for (const auto& item : *it) out.push_back(item.get<std::string>());
    return out;
  }
  // The reason a key is not a column or its value has the wrong type.
  std::optional<std::string> shape_problem(const std::vector<std::string>& columns) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(columns.begin(), columns.end(), key) == columns.end()) return "'" + key + "' is not a column";
      const bool list_column = key == kTags || key == kProducts || key == kGranted || key == kWithdrawn;
      if (!list_column) {
        if (key == kId && !value.is_string() && !value.is_number_unsigned())
          return key + " must be a whole number or a string of digits";
        if (key != kId && !value.is_string()) return key + " must be a string";
        continue;
      }
      if (!value.is_array()) return key + " must be an array of strings";
      for (const auto& item : value)
        if (!item.is_string()) return key + " must be an array of strings";
    }
    return std::nullopt;
  }

 private:
  const json& object_;
};

std::vector<std::string> known_columns(const PopulationSchema& schema) {
  std::vector<std::string> columns{kId};
  for (const auto& a : schema.attributes()) columns.push_back(a.name);
  columns.insert(columns.end(), {kTags, kProducts, kGranted, kWithdrawn});
  return columns;
}

class Collector {
 public:
  explicit Collector(ImportReport& report) : report_(report) {}
  void bad(std::size_t line, std::string reason) {
    ++report_.rows_skipped;
    if (report_.bad_rows.size() < ImportReport::kMaxListed) report_.bad_rows.push_back({line, std::move(reason)});
  }
  std::vector<Row> rows;

 private:
  ImportReport& report_;
};

bool getline_trimmed(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// Reads the CSV; false when the header itself is unusable (already reported on line 1).
bool read_csv(std::istream& in, const PopulationSchema& schema, Collector& out, ImportReport& report) {
  std::string line;
  if (!getline_trimmed(in, line)) {
    report.bad_rows.push_back({1, "the file is empty: a header row is required"});
    return false;
  }
  const auto header = csv_fields(line);
  const auto columns = known_columns(schema);
  std::string problem;
  if (!header) problem = "the header row has an unbalanced quote";
  for (std::size_t i = 0; header && i < header->size() && problem.empty(); ++i) {
    const auto& h = (*header)[i];
    if (std::find(columns.begin(), columns.end(), h) == columns.end())
      problem = "'" + h + "' is not a column";
    else if (std::count(header->begin(), header->end(), h) > 1)
      problem = "column '" + h + "' appears twice";
  }
  for (std::size_t i = 0; header && i < kAttributeCount + 1 && problem.empty(); ++i)
    if (std::find(header->begin(), header->end(), columns[i]) == header->end())
      problem = "the header has no '" + columns[i] + "' column";
  if (!problem.empty()) {
    report.bad_rows.push_back({1, problem});  // a header is not a row: not counted as skipped
    return false;
  }

  for (std::size_t number = 2; getline_trimmed(in, line); ++number) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ++report.rows_read;
    const auto values = csv_fields(line);
    if (!values) {
      out.bad(number, "unbalanced or misplaced quote");
      continue;
    }
    if (values->size() != header->size()) {
      out.bad(number,
              std::to_string(values->size()) + " fields where the header has " + std::to_string(header->size()));
      continue;
    }
    Row row;
    row.line = number;
    if (auto reason = decode(CsvFields(*header, *values), schema, row))
      out.bad(number, std::move(*reason));
    else
      out.rows.push_back(row);
  }
  return true;
}

void read_jsonl(std::istream& in, const PopulationSchema& schema, Collector& out, ImportReport& report) {
  const auto columns = known_columns(schema);
  std::string line;
  for (std::size_t number = 1; getline_trimmed(in, line); ++number) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ++report.rows_read;
    const json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded() || !object.is_object()) {
      out.bad(number, "not a JSON object");
      continue;
    }
    const JsonFields fields(object);
    if (auto reason = fields.shape_problem(columns)) {
      out.bad(number, std::move(*reason));
      continue;
    }
    Row row;
    row.line = number;
    if (auto reason = decode(fields, schema, row))
      out.bad(number, std::move(*reason));
    else
      out.rows.push_back(row);
  }
}

}  // namespace

PopulationImport read_population(std::istream& in, PopulationFormat format, OnBadRow on_bad_row) {
  const auto& schema = PopulationSchema::reference();
  PopulationImport result;
  auto& report = result.report;
  Collector collected(report);
  if (format == PopulationFormat::csv) {
    if (!read_csv(in, schema, collected, report)) {
      report.refused = true;
      return result;
    }
  } else {
    read_jsonl(in, schema, collected, report);
  }
  if (in.bad()) throw std::runtime_error("reading the population failed");

  // Rows are held in id order (the engine finds a subscriber by binary search); a repeated
  // id keeps its first line and reports the others.
  auto& rows = collected.rows;
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
  std::vector<Row> unique;
  unique.reserve(rows.size());
  std::vector<BadRow> duplicates;
  for (const auto& r : rows) {
    if (!unique.empty() && unique.back().id == r.id)
      duplicates.push_back(
          {r.line, "subscriber_id " + std::to_string(r.id) + " repeats line " + std::to_string(unique.back().line)});
    else
      unique.push_back(r);
  }
  rows.clear();
  rows.shrink_to_fit();
  if (!duplicates.empty()) {
    for (auto& d : duplicates) collected.bad(d.line, std::move(d.reason));
    std::sort(report.bad_rows.begin(), report.bad_rows.end(),
              [](const BadRow& a, const BadRow& b) { return a.line < b.line; });
  }

  if (on_bad_row == OnBadRow::refuse && report.rows_skipped > 0) {
    report.refused = true;
    return result;
  }
  auto population = std::make_shared<Population>(unique.size(), schema);
  for (std::size_t i = 0; i < unique.size(); ++i) {
    const auto& r = unique[i];
    population->set_id(i, r.id);
    for (std::size_t a = 0; a < kAttributeCount; ++a)
      population->set_attribute(i, static_cast<Attr>(a), r.attributes[a]);
    population->set_tags(i, r.tags);
    population->set_products(i, r.products);
    population->set_consent(i, r.granted, r.withdrawn);
  }
  report.rows_loaded = unique.size();
  result.population = std::move(population);
  return result;
}

PopulationImport load_population(const std::filesystem::path& path, PopulationFormat format, OnBadRow on_bad_row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open the population file " + path.string());
  return read_population(in, format, on_bad_row);
}

std::optional<PopulationFormat> population_format_of(const std::filesystem::path& path) {
  const auto ext = path.extension().string();
  if (ext == ".csv") return PopulationFormat::csv;
  if (ext == ".jsonl" || ext == ".ndjson") return PopulationFormat::jsonl;
  return std::nullopt;
}

}  // namespace octopus::engine::reference
