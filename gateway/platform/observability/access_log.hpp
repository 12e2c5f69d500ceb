// The access log: one JSON line per answered request. It records who, what and how it
// ended, and deliberately leaves out query strings, bodies, signatures and keys.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace octopus::observability {

struct AccessRecord {
  std::string_view plane;
  std::string_view request_id;
  std::string_view method;
  std::string_view path;  // without the query
  int status = 0;
  std::int64_t duration_us = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string_view principal;
  std::string_view key_id;
  std::string_view outcome;  // problem slug or empty
  std::string_view trace_id;
  std::string_view parent_id;
  std::string_view correlator;
  std::string_view remote;
};

void write_access_log(const AccessRecord& record);
void set_access_log_enabled(bool enabled);
// Lets callers skip assembling a record nobody will write.
bool access_log_enabled();

}  // namespace octopus::observability
