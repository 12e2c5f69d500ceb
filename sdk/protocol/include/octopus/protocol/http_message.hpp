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

// RFC 9110 §4.2.3 normalisation of an authority, as RFC 9421 §2.2.3 requires for
// @authority (@target-uri is the URI as sent, §2.2.2): the host in lower case, the scheme's
// default port (443 for https, 80 for http) removed. "API.Example:443" → "api.example";
// "[::1]:443" → "[::1]"; "host:8443" stays. Signer and verifier both derive @authority
// through this, so they agree whether or not the client wrote the default port.
std::string normalize_authority(std::string_view scheme, std::string_view authority);

}  // namespace octopus::protocol
