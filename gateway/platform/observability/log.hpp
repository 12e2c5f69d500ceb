// Structured logging: one JSON object per line on stderr, written whole under a lock so
// lines from different threads never interleave. Callers pass only fields that are safe
// to keep: never secrets, signatures, keys, bodies or subscriber data.
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace octopus::observability {

using LogFields = std::initializer_list<std::pair<std::string_view, std::string>>;

enum class LogLevel { debug, info, warn, error };

void set_log_level(LogLevel level);
void log(LogLevel level, std::string_view event, LogFields fields = {});
inline void log_info(std::string_view event, LogFields fields = {}) { log(LogLevel::info, event, fields); }
inline void log_warn(std::string_view event, LogFields fields = {}) { log(LogLevel::warn, event, fields); }
inline void log_error(std::string_view event, LogFields fields = {}) { log(LogLevel::error, event, fields); }

// Writes one pre-serialized JSON line (the access log uses this).
void write_line(std::string_view json_line);

}  // namespace octopus::observability
