/// @file
/// Builds the segment of an estimate, an audience or a trigger (the grammar in the partner
/// guide) without writing JSON: `segment::all({segment::equals("region", "shanghai"),
/// segment::tag("streaming")})`.
#pragma once
#include <string>
#include <vector>

#include "octopus/sdk/json_value.hpp"

namespace octopus::segment {

/// Subscribers whose attribute has this value.
JsonValue equals(const std::string& attribute, const std::string& value);
/// Subscribers whose attribute has one of these values.
JsonValue one_of(const std::string& attribute, const std::vector<std::string>& values);
/// Subscribers whose ordered attribute lies in [min, max].
JsonValue range(const std::string& attribute, double min, double max);
/// Subscribers carrying this tag.
JsonValue tag(const std::string& name);
/// Subscribers matching every node.
JsonValue all(const std::vector<JsonValue>& nodes);
/// Subscribers matching at least one node.
JsonValue any(const std::vector<JsonValue>& nodes);
/// Subscribers not matching `node`.
JsonValue none_of(const JsonValue& node);

}  // namespace octopus::segment
