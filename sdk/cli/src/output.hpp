// How commands print: a model as `key  value` lines or a list as a table, or either as the
// gateway's JSON (--json); a wait as a progress bar on stderr; an error as the problem's
// parts.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "generated/models_json.hpp"

namespace octopus::cli {

void print_object(const Context& context, const nlohmann::json& object);
void print_table(const Context& context, const nlohmann::json& items, const std::vector<std::string>& columns);

template <class Model>
void print(const Context& context, const Model& model) {
  nlohmann::json j;
  to_json(j, model);
  print_object(context, j);
}

// Prints up to `limit` items (0: all), fetching pages as needed.
template <class Item>
void print_list(const Context& context, Pager<Item> pager, const std::vector<std::string>& columns, std::size_t limit) {
  auto items = nlohmann::json::array();
  for (const auto& item : pager) {
    nlohmann::json j;
    to_json(j, item);
    items.push_back(std::move(j));
    if (limit && items.size() >= limit) break;
  }
  print_table(context, items, columns);
}

// A WaitOptions::on_progress that draws `[#####.....]  50%  running` on stderr.
std::function<void(double, const std::string&)> progress_bar(const std::string& label);

// The process exit status for an error, after printing it to stderr: 3 for a transport
// failure, 2 for bad input, 1 for anything else (a problem answer above all).
int report(const std::exception& error);

// Reads a JSON argument: inline text or @file. Throws CLI::ValidationError.
JsonValue json_argument(const std::string& option, const std::string& text);

}  // namespace octopus::cli
