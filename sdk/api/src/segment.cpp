#include "octopus/sdk/segment.hpp"

#include <stdexcept>

#include "json_fields.hpp"

namespace octopus::segment {
namespace {

// Throws std::invalid_argument for text that is not UTF-8.
JsonValue value_of(const nlohmann::json& node) {
  try {
    JsonValue out;
    from_json(node, out);
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("a segment holds text that is not UTF-8: ") + e.what());
  }
}

nlohmann::json nodes_json(const std::vector<JsonValue>& nodes) {
  auto list = nlohmann::json::array();
  for (const auto& node : nodes) list.push_back(nlohmann::json::parse(node.text()));
  return list;
}

}  // namespace

JsonValue equals(const std::string& attribute, const std::string& value) {
  return value_of({{"attribute", attribute}, {"eq", value}});
}

JsonValue one_of(const std::string& attribute, const std::vector<std::string>& values) {
  return value_of({{"attribute", attribute}, {"in", values}});
}

JsonValue range(const std::string& attribute, double min, double max) {
  return value_of({{"attribute", attribute}, {"range", {{"min", min}, {"max", max}}}});
}

JsonValue tag(const std::string& name) { return value_of({{"tag", name}}); }

JsonValue all(const std::vector<JsonValue>& nodes) { return value_of({{"all", nodes_json(nodes)}}); }

JsonValue any(const std::vector<JsonValue>& nodes) { return value_of({{"any", nodes_json(nodes)}}); }

JsonValue none_of(const JsonValue& node) { return value_of({{"not", nlohmann::json::parse(node.text())}}); }

}  // namespace octopus::segment
