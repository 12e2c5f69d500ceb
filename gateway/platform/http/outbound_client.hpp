// One keep-alive connection from the gateway to a partner's callback URL. Every connection
// starts with the destination check of outbound_url.hpp, run then and there: the host is
// resolved afresh, every address it has must be public, and the connection goes to one of
// those checked addresses (never to a second lookup), so a name that turned private since
// it was registered (DNS rebinding) is refused before a byte is sent. The certificate is
// verified against the system store or a configured CA bundle. Boost stays in the .cpp.
#pragma once
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/outbound_url.hpp"

namespace octopus::http {

struct OutboundOptions {
  std::chrono::milliseconds timeout{10000};  // connect, handshake, write and read, each
  std::string ca_file;                       // PEM bundle to trust; empty: the system store
  bool allow_loopback = false;               // development: loopback receivers, unverified TLS
  Resolver resolve;                          // empty: the system's resolver (tests give their own)
};

// Why a call did not get an answer: the destination refused by the check, the connection,
// the TLS handshake (certificate included), or a timeout.
class OutboundError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OutboundResponse {
  int status = 0;
  std::string body;  // at most the first 4 KiB: enough to show a partner what its server said
};

class OutboundConnection {
 public:
  // Checks, connects and (https) completes the handshake. Throws OutboundError.
  OutboundConnection(OutboundUrl url, OutboundOptions options);
  ~OutboundConnection();
  OutboundConnection(const OutboundConnection&) = delete;
  OutboundConnection& operator=(const OutboundConnection&) = delete;

  // POSTs `body` to the URL's target with `headers` (Host, Content-Type: application/json
  // and Content-Length are added). Throws OutboundError; after that the connection is
  // closed and `usable()` is false.
  OutboundResponse post(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body);

  // False once the connection failed or the receiver asked to close it.
  bool usable() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace octopus::http
