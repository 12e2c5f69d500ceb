// A read-only view of an HTTP request as RFC 9421 sees it: shared by the gateway (which
// fills it from the bytes it received) and the SDK (which fills it from what it will send).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace octopus::protocol {

struct HeaderField {
  std::string name;   // as received; matching is case-insensitive
  std::string value;  // raw field-line value
};

struct RequestView {
  std::string_view method;     // as sent, no case change (RFC 9421 §2.2.1)
  std::string_view scheme;     // "https"
  std::string_view authority;  // host[:port] as the client addressed it
  std::string_view target;     // raw request-target: "/path?query", never decoded
  const std::vector<HeaderField>* headers = nullptr;
};

}  // namespace octopus::protocol
