// Structured logging: one JSON object per line on stderr, written whole under a lock so
// lines from different threads never interleave. Callers pass only fields that are safe
// to keep: never secrets, signatures, keys, bodies or subscriber data.
#pragma once
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace octopus::observability {

// A field's value as JSON knows it: numbers and booleans stay numbers and booleans in the
// line, so a log pipeline can sum and compare them without parsing text.
class LogValue {
 public:
  LogValue(std::string text) : value_(std::move(text)) {}         // NOLINT: fields are written inline
  LogValue(std::string_view text) : value_(std::string(text)) {}  // NOLINT
  LogValue(const char* text) : value_(std::string(text)) {}       // NOLINT
  LogValue(bool flag) : value_(flag) {}                           // NOLINT
  LogValue(double number) : value_(number) {}                     // NOLINT
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) LogValue(T number) {  // NOLINT
    if constexpr (std::signed_integral<T>)
      value_ = static_cast<std::int64_t>(number);
    else
      value_ = static_cast<std::uint64_t>(number);
  }
  using Variant = std::variant<std::string, std::int64_t, std::uint64_t, double, bool>;
  const Variant& value() const { return value_; }

 private:
  Variant value_;
};

using LogFields = std::initializer_list<std::pair<std::string_view, LogValue>>;

enum class LogLevel { debug, info, warn, error };

void set_log_level(LogLevel level);
void log(LogLevel level, std::string_view event, LogFields fields = {});
inline void log_info(std::string_view event, LogFields fields = {}) { log(LogLevel::info, event, fields); }
inline void log_warn(std::string_view event, LogFields fields = {}) { log(LogLevel::warn, event, fields); }
inline void log_error(std::string_view event, LogFields fields = {}) { log(LogLevel::error, event, fields); }

// While one lives, every line its thread logs carries `request_id` (unless the line names
// its own): a line written deep in a store or a service while a request is served can be
// found from the request's X-Request-Id. Scopes nest; the id must outlive the scope.
class RequestLogScope {
 public:
  explicit RequestLogScope(std::string_view request_id);
  ~RequestLogScope();
  RequestLogScope(const RequestLogScope&) = delete;
  RequestLogScope& operator=(const RequestLogScope&) = delete;

 private:
  std::string_view previous_;
};

// Writes one pre-serialized JSON line (the access log uses this).
void write_line(std::string_view json_line);

}  // namespace octopus::observability
