#include "http/framing.hpp"

#include <cctype>

namespace octopus::http {

namespace {

constexpr std::size_t kEchoed = 40;  // at most this much of a coding is quoted back

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Printable ASCII only, and short: the detail is echoed to whoever sent it.
std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, kEchoed)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > kEchoed) out += "...";
  return out + "'";
}

// uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): a bracketed IP literal, or a
// non-empty reg-name / IPv4 of unreserved, pct-encoded and sub-delim characters.
bool valid_host(std::string_view host) {
  std::string_view name = host;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : host.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    name = {};
    host.remove_prefix(close + 1);
  } else {
    const auto colon = host.find(':');
    name = host.substr(0, colon);
    host = colon == std::string_view::npos ? std::string_view() : host.substr(colon);
    if (name.empty()) return false;
    for (char c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) &&
          std::string_view("-._~%!$&'()*+,;=").find(c) == std::string_view::npos)
        return false;
  }
  if (host.empty()) return true;
  if (host.front() != ':' || host.size() > 6) return false;
  for (char c : host.substr(1))
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

FramingProblem bad_request(std::string detail) { return {problems::malformed_request, std::move(detail)}; }

// The codings in order, across every field line; empty list elements are skipped
// (RFC 9110 §5.6.1), parameters kept as part of the coding (none is implemented).
std::vector<std::string_view> codings(const std::vector<std::string_view>& lines) {
  std::vector<std::string_view> out;
  for (auto line : lines) {
    while (!line.empty()) {
      const auto comma = line.find(',');
      const auto item = trim(line.substr(0, comma));
      if (!item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace

std::optional<FramingProblem> check_framing(const RequestHead& head) {
  if (head.version >= 11 && head.host_fields != 1)
    return bad_request(head.host_fields == 0 ? "An HTTP/1.1 request needs a Host header."
                                             : "A request must carry exactly one Host header.");
  if (head.host_fields > 1) return bad_request("A request must carry at most one Host header.");
  if (head.host_fields == 1 && !valid_host(head.host))
    return bad_request("The Host header must be host[:port], not " + quoted(head.host) + ".");
  if (head.content_length_fields > 1) return bad_request("A request must carry at most one Content-Length header.");
  if (head.transfer_encodings.empty()) return std::nullopt;

  if (head.version < 11) return bad_request("Transfer-Encoding is not allowed in an HTTP/1.0 request.");
  if (head.content_length_fields > 0)
    return bad_request("A request must not carry both Transfer-Encoding and Content-Length.");
  const auto list = codings(head.transfer_encodings);
  if (list.empty()) return bad_request("Transfer-Encoding is empty.");
  if (!iequals(list.back(), "chunked"))
    return bad_request("The final transfer coding must be chunked, not " + quoted(list.back()) +
                       ": the body's length cannot be known.");
  if (list.size() == 1) return std::nullopt;
  // Codings before the final chunked: none is implemented, and chunked twice is malformed.
  for (std::size_t i = 0; i + 1 < list.size(); ++i)
    if (iequals(list[i], "chunked")) return bad_request("chunked may be applied only once, as the final coding.");
  return FramingProblem{problems::transfer_coding_unsupported,
                        "The transfer coding " + quoted(list.front()) + " is not implemented; send the body as is."};
}

}  // namespace octopus::http
