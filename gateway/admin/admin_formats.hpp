// Formats shared by the admin plane's resources: timestamps and page sizes, so every
// resource writes and reads them the same way.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "http/request_context.hpp"

namespace octopus::admin {

// "2026-11-28T13:53:34Z"
std::string rfc3339(std::int64_t unix_seconds);

// The `limit` query parameter: absent → `fallback`; an integer from 1 to `max` → it;
// anything else → nullopt (the caller answers 400).
std::optional<std::size_t> page_limit(const std::map<std::string, std::string>& query, std::size_t fallback,
                                      std::size_t max);

// The request body as a JSON object. Otherwise nullopt, with `error` set to the problem
// (415 for another media type, 400 for anything but a JSON object).
std::optional<nlohmann::json> json_body(http::RequestContext& ctx, http::Response& error, bool allow_merge_patch);

}  // namespace octopus::admin
