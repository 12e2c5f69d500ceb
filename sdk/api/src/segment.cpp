#include "octopus/sdk/segment.hpp"

#include "json_fields.hpp"

namespace octopus::segment {
namespace {

JsonValue value_of(const nlohmann::json& node) {
  JsonValue out;
  from_json(node, out);
  return out;
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
