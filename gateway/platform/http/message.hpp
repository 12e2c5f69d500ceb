// The gateway's own view of one HTTP exchange, free of Boost types so that routing,
// stages and handlers are plain code, testable without sockets. The session converts
// Beast messages to and from these at the edge.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "octopus/protocol/http_message.hpp"

namespace octopus::http {

using protocol::HeaderField;

// Case-insensitive ASCII comparison for header names.
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;
  std::string target;  // raw request-target as received, e.g. "/v1/x?limit=5"
  std::vector<HeaderField> headers;
  std::string body;
  unsigned version = 11;

  // First field line with this name, or empty when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // All field lines with this name, trimmed and joined with ", " (RFC 9110 §5.3).
  std::string combined_header(std::string_view name) const;
  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', empty when none
  bool has_query() const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value);
  std::string_view header(std::string_view name) const;
};

}  // namespace octopus::http
