// Where the gateway may call out to: partners' callback URLs. A URL names a host; the host
// resolves to addresses; each address must be one on the public internet, so a partner
// cannot point the gateway at the operator's own network (loopback, private ranges,
// link-local and the cloud metadata address, carrier-grade NAT, multicast, unspecified and
// reserved ranges, IPv4-mapped IPv6 forms of any of them). The check runs when a URL is
// registered and again before every connection, with the addresses resolved then (a name
// that resolved to a public address at registration may not later).
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace octopus::http {

struct OutboundUrl {
  std::string scheme;  // "https" ("http" only for development loopback receivers)
  std::string host;    // a DNS name or an IP literal (IPv6 without brackets)
  unsigned short port = 443;
  std::string target = "/";  // path and query
};

// Parses an absolute URL; nullopt with `why` set for anything else (no userinfo, no
// fragment, at most 2048 characters). `allow_http`: development only.
std::optional<OutboundUrl> parse_outbound_url(std::string_view url, bool allow_http, std::string& why);

enum class AddressClass {
  global,
  loopback,
  private_use,
  link_local,
  shared,  // 100.64.0.0/10, carrier-grade NAT
  multicast,
  unspecified,
  metadata,  // cloud instance metadata (169.254.169.254, fd00:ec2::254)
  reserved,  // documentation, benchmarking, broadcast and other special-purpose ranges
};

std::string_view describe(AddressClass c);

// The class of an IPv4 or IPv6 address (an IPv4-mapped IPv6 address is classed as its IPv4).
AddressClass classify(const sockaddr_storage& address);
// The same for a literal ("10.0.0.1", "::ffff:127.0.0.1"); nullopt when it is not one.
std::optional<AddressClass> classify_literal(const std::string& text);

struct CheckedDestination {
  std::vector<sockaddr_storage> addresses;  // every one allowed: connect to these, not a fresh lookup
  std::string refusal;                      // empty when allowed
};

// What a name resolves to now (every address), or why it does not.
struct Resolution {
  std::vector<sockaddr_storage> addresses;
  std::string error;
};
using Resolver = std::function<Resolution(const std::string& host, unsigned short port)>;

// The system's resolver (getaddrinfo).
Resolution resolve_host(const std::string& host, unsigned short port);

// Resolves `host` (with `resolve`, the system's resolver when empty) and checks every
// address it has. `allow_loopback` (development) lets loopback receivers through; nothing
// else.
CheckedDestination check_destination(const std::string& host, unsigned short port, bool allow_loopback,
                                     const Resolver& resolve = {});

}  // namespace octopus::http
