// Message framing of a request head (RFC 9112 §6, §3.2), checked before any body is read.
// A request whose framing two HTTP implementations could read differently is how requests
// are smuggled past a proxy: such a request is answered and the connection closed, never
// read on. Beast-free, so it can be tested and fuzzed on its own.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/problem.hpp"

namespace octopus::http {

namespace problems {
inline constexpr ProblemType transfer_coding_unsupported{"transfer-coding-unsupported", 501,
                                                         "Transfer coding not implemented"};
}  // namespace problems

struct RequestHead {
  unsigned version = 11;                             // 10 or 11
  std::vector<std::string_view> transfer_encodings;  // each Transfer-Encoding field line
  std::size_t content_length_fields = 0;
  std::size_t host_fields = 0;
  std::string_view host;  // the Host field's value, when there is one
};

struct FramingProblem {
  ProblemType type;
  std::string detail;
};

// nullopt when the framing is unambiguous: at most one Content-Length, exactly one Host on
// HTTP/1.1 whose value is a host[:port] (RFC 9112 §3.2: an invalid one is 400 too; a field
// folded over lines arrives here joined by a space, and is refused by this), and a
// Transfer-Encoding (HTTP/1.1 only, without Content-Length) that is exactly
// "chunked". A final coding other than chunked is 400 (the length cannot be known); any other
// coding, such as gzip before chunked, is 501 (not implemented).
std::optional<FramingProblem> check_framing(const RequestHead& head);

}  // namespace octopus::http
