#include "output.hpp"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace octopus::cli {
namespace {

std::string cell(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

}  // namespace

void print_object(const Context& context, const nlohmann::json& object) {
  if (context.json) {
    std::cout << object.dump(2) << "\n";
    return;
  }
  std::size_t width = 0;
  for (const auto& [key, value] : object.items()) width = std::max(width, key.size());
  for (const auto& [key, value] : object.items())
    std::cout << std::left << std::setw(static_cast<int>(width) + 2) << key << cell(value) << "\n";
}

void print_table(const Context& context, const nlohmann::json& items, const std::vector<std::string>& columns) {
  if (context.json) {
    std::cout << items.dump(2) << "\n";
    return;
  }
  std::vector<std::size_t> widths;
  for (const auto& c : columns) widths.push_back(c.size());
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : items) {
    auto& row = rows.emplace_back();
    for (std::size_t i = 0; i < columns.size(); ++i) {
      row.push_back(item.contains(columns[i]) ? cell(item[columns[i]]) : "-");
      widths[i] = std::max(widths[i], row.back().size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i)
      std::cout << std::left << std::setw(static_cast<int>(widths[i]) + 2) << row[i];
    std::cout << "\n";
  };
  std::vector<std::string> header;
  for (const auto& c : columns) {
    std::string upper = c;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });
    header.push_back(upper);
  }
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

std::function<void(double, const std::string&)> progress_bar(const std::string& label) {
  return [label](double progress, const std::string& status) {
    const int filled = static_cast<int>(std::clamp(progress, 0.0, 1.0) * 30 + 0.5);
    std::cerr << "\r" << label << " [" << std::string(filled, '#') << std::string(30 - filled, '.') << "] "
              << std::setw(3) << static_cast<int>(progress * 100 + 0.5) << "%  " << status << "   " << std::flush;
    if (status != "building" && status != "running" && status != "scheduled" && status != "deferred") std::cerr << "\n";
  };
}

int report(const std::exception& error) {
  if (const auto* api = dynamic_cast<const ApiError*>(&error)) {
    std::cerr << "error: " << api->status() << " " << api->title() << " (" << api->slug() << ")\n";
    if (!api->detail().empty()) std::cerr << "  " << api->detail() << "\n";
    for (const auto& issue : api->errors())
      std::cerr << "  at " << (issue.pointer.empty() ? "/" : issue.pointer) << ": " << issue.detail
                << (issue.rule.empty() ? "" : " [" + issue.rule + "]") << "\n";
    for (const auto& policy : api->violated_policies()) std::cerr << "  violated policy: " << policy << "\n";
    if (api->retry_after()) std::cerr << "  retry after " << *api->retry_after() << " s\n";
    std::cerr << "  request id: " << api->request_id() << "\n";
    return 1;
  }
  std::cerr << "error: " << error.what() << "\n";
  if (dynamic_cast<const TransportError*>(&error)) return 3;
  if (dynamic_cast<const std::invalid_argument*>(&error)) return 2;
  return 1;
}

JsonValue json_argument(const std::string& option, const std::string& text) {
  std::string source = text;
  if (!text.empty() && text.front() == '@') {
    std::ifstream in(text.substr(1));
    if (!in) throw CLI::ValidationError(option, "cannot read " + text.substr(1));
    std::stringstream all;
    all << in.rdbuf();
    source = all.str();
  }
  try {
    return JsonValue::parse(source);
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError(option, e.what());
  }
}

}  // namespace octopus::cli
