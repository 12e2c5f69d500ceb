// Formats every API writes and reads the same way: timestamps and page sizes.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace octopus::http {

// "2026-11-28T13:53:34Z"
std::string rfc3339(std::int64_t unix_seconds);
// Reads an RFC 3339 date-time ("2026-11-28T13:53:34Z", "…+08:00", fractions ignored) into
// Unix seconds; nullopt for anything else, including impossible dates.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// The `limit` query parameter: absent → `fallback`; an integer from 1 to `max` → it;
// anything else → nullopt (the caller answers 400).
std::optional<std::size_t> page_limit(const std::map<std::string, std::string>& query, std::size_t fallback,
                                      std::size_t max);

}  // namespace octopus::http
