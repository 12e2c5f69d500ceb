#include "http/outbound_url.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <array>
#include <charconv>
#include <cstring>
#include <memory>

namespace octopus::http {

namespace {

struct V4Range {
  std::uint32_t base, mask;
  AddressClass what;
};

constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }
constexpr std::uint32_t prefix(unsigned bits) { return bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits); }

// Special-purpose IPv4 ranges (the IANA registry's, in the classes the gateway refuses).
constexpr std::array<V4Range, 16> kV4{{
    {ip4(169, 254, 169, 254), prefix(32), AddressClass::metadata},
    {ip4(0, 0, 0, 0), prefix(32), AddressClass::unspecified},
    {ip4(0, 0, 0, 0), prefix(8), AddressClass::reserved},
    {ip4(10, 0, 0, 0), prefix(8), AddressClass::private_use},
    {ip4(100, 64, 0, 0), prefix(10), AddressClass::shared},
    {ip4(127, 0, 0, 0), prefix(8), AddressClass::loopback},
    {ip4(169, 254, 0, 0), prefix(16), AddressClass::link_local},
    {ip4(172, 16, 0, 0), prefix(12), AddressClass::private_use},
    {ip4(192, 0, 0, 0), prefix(24), AddressClass::reserved},
    {ip4(192, 0, 2, 0), prefix(24), AddressClass::reserved},
    {ip4(192, 168, 0, 0), prefix(16), AddressClass::private_use},
    {ip4(198, 18, 0, 0), prefix(15), AddressClass::reserved},
    {ip4(198, 51, 100, 0), prefix(24), AddressClass::reserved},
    {ip4(203, 0, 113, 0), prefix(24), AddressClass::reserved},
    {ip4(224, 0, 0, 0), prefix(4), AddressClass::multicast},
    {ip4(240, 0, 0, 0), prefix(4), AddressClass::reserved},  // and 255.255.255.255, broadcast
}};

AddressClass classify_v4(std::uint32_t a) {
  for (const auto& r : kV4)
    if ((a & r.mask) == r.base) return r.what;
  return AddressClass::global;
}

AddressClass classify_v6(const in6_addr& a) {
  const auto* b = a.s6_addr;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0)
    return classify_v4(static_cast<std::uint32_t>(b[12]) << 24 | b[13] << 16 | b[14] << 8 | b[15]);
  static constexpr std::uint8_t kMetadata[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (std::memcmp(b, kMetadata, 16) == 0) return AddressClass::metadata;
  if (IN6_IS_ADDR_UNSPECIFIED(&a)) return AddressClass::unspecified;
  if (IN6_IS_ADDR_LOOPBACK(&a)) return AddressClass::loopback;
  if (b[0] == 0xff) return AddressClass::multicast;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::link_local;
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::private_use;                                      // fc00::/7
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return AddressClass::reserved;  // 2001:db8::/32
  if ((b[0] & 0xe0) != 0x20) return AddressClass::reserved;  // outside 2000::/3, the global unicast space
  return AddressClass::global;
}

}  // namespace

std::string_view describe(AddressClass c) {
  switch (c) {
    case AddressClass::global: return "a public address";
    case AddressClass::loopback: return "a loopback address";
    case AddressClass::private_use: return "a private address";
    case AddressClass::link_local: return "a link-local address";
    case AddressClass::shared: return "a carrier-grade NAT address";
    case AddressClass::multicast: return "a multicast address";
    case AddressClass::unspecified: return "the unspecified address";
    case AddressClass::metadata: return "the cloud metadata address";
    case AddressClass::reserved: return "a reserved address";
  }
  return "an unknown address";
}

AddressClass classify(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET)
    return classify_v4(ntohl(reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr));
  if (address.ss_family == AF_INET6) return classify_v6(reinterpret_cast<const sockaddr_in6&>(address).sin6_addr);
  return AddressClass::reserved;
}

std::optional<AddressClass> classify_literal(const std::string& text) {
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return classify_v4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) return classify_v6(v6);
  return std::nullopt;
}

Resolution resolve_host(const std::string& host, unsigned short port) {
  Resolution out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    out.error = ::gai_strerror(rc);
    return out;
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
  for (const addrinfo* a = found; a; a = a->ai_next) {
    sockaddr_storage address{};
    std::memcpy(&address, a->ai_addr, a->ai_addrlen);
    out.addresses.push_back(address);
  }
  return out;
}

CheckedDestination check_destination(const std::string& host, unsigned short port, bool allow_loopback,
                                     const Resolver& resolve) {
  CheckedDestination out;
  const auto found = resolve ? resolve(host, port) : resolve_host(host, port);
  if (!found.error.empty()) {
    out.refusal = "the host does not resolve (" + found.error + ")";
    return out;
  }
  for (const auto& address : found.addresses) {
    const auto c = classify(address);
    if (c != AddressClass::global && !(allow_loopback && c == AddressClass::loopback)) {
      out.addresses.clear();
      out.refusal = "the host resolves to " + std::string(describe(c)) + "; callbacks go to public addresses only";
      return out;
    }
    out.addresses.push_back(address);
  }
  if (out.addresses.empty()) out.refusal = "the host has no address";
  return out;
}

std::optional<OutboundUrl> parse_outbound_url(std::string_view url, bool allow_http, std::string& why) {
  OutboundUrl u;
  if (url.size() > 2048) return why = "is longer than 2048 characters", std::nullopt;
  const auto colon = url.find("://");
  u.scheme = colon == std::string_view::npos ? "" : std::string(url.substr(0, colon));
  if (u.scheme != "https" && !(allow_http && u.scheme == "http"))
    return why = allow_http ? "must be an http(s) URL" : "must be an https URL", std::nullopt;
  u.port = u.scheme == "https" ? 443 : 80;
  auto rest = url.substr(colon + 3);
  const auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  const auto path = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (path.find('#') != std::string_view::npos) return why = "must not have a fragment", std::nullopt;
  if (authority.find('@') != std::string_view::npos)
    return why = "must not carry a user name or password", std::nullopt;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return why = "has an unclosed IPv6 literal", std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    port = authority.substr(close + 1);
  } else {
    const auto last = authority.rfind(':');
    u.host = std::string(authority.substr(0, last));
    port = last == std::string_view::npos ? std::string_view() : authority.substr(last);
  }
  if (!port.empty()) {
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(port.data() + 1, port.data() + port.size(), value);
    if (port.front() != ':' || ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
      return why = "has an invalid port", std::nullopt;
    u.port = static_cast<unsigned short>(value);
  }
  if (u.host.empty() || u.host.find_first_of(" \t\r\n%") != std::string::npos)
    return why = "has no valid host", std::nullopt;
  if (!path.empty()) u.target = path.front() == '/' ? std::string(path) : "/" + std::string(path);
  return u;
}

}  // namespace octopus::http
