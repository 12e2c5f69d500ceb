// Query-string parameters (application/x-www-form-urlencoded), percent-decoded.
// A malformed escape makes the whole query invalid rather than guessing.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace octopus::http {

// nullopt when the query has a bad percent escape. Repeated names: the first wins.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace octopus::http
