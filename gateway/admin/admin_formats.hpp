// Formats shared by the admin plane's resources: timestamps and page sizes, so every
// resource writes and reads them the same way.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "http/json_body.hpp"

namespace octopus::admin {

// "2026-11-28T13:53:34Z"
std::string rfc3339(std::int64_t unix_seconds);

// The `limit` query parameter: absent → `fallback`; an integer from 1 to `max` → it;
// anything else → nullopt (the caller answers 400).
std::optional<std::size_t> page_limit(const std::map<std::string, std::string>& query, std::size_t fallback,
                                      std::size_t max);

using http::json_body;

}  // namespace octopus::admin
