// Kept-alive connections to the gateway, shared by the Client's threads. A connection is
// taken for one exchange and given back after it; one idle longer than `idle_timeout` is
// closed instead of reused, since the gateway closes idle connections itself.
#pragma once
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "octopus/client/https_connection.hpp"

namespace octopus::detail {

// Where the gateway is: host and port to connect to, and the authority that goes into
// Host and the signature's @authority (the port left out when it is 443).
struct Endpoint {
  std::string host;
  unsigned short port = 443;
  std::string authority;
};
// "https://host[:port][/]" or "host:port". Throws std::invalid_argument.
Endpoint parse_endpoint(const std::string& text);

class ConnectionPool {
 public:
  ConnectionPool(Endpoint endpoint, client::TlsOptions tls, std::size_t capacity,
                 std::chrono::milliseconds idle_timeout);

  struct Lease {
    std::unique_ptr<client::HttpsConnection> connection;
    bool reused = false;  // taken from the pool (the gateway may have closed it meanwhile)
  };
  // A kept connection, or a new one (connect + handshake, each step within `timeout` and
  // none past `deadline`; throws client::TransportError). The connection keeps both limits
  // for the exchange that follows.
  Lease acquire(std::chrono::milliseconds timeout, std::chrono::steady_clock::time_point deadline);
  // A new connection, never a kept one.
  Lease connect(std::chrono::milliseconds timeout, std::chrono::steady_clock::time_point deadline);
  // Keeps the connection for reuse while there is room and it is fit for another request.
  void release(std::unique_ptr<client::HttpsConnection> connection);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Idle {
    std::unique_ptr<client::HttpsConnection> connection;
    Clock::time_point since;
  };
  const Endpoint endpoint_;
  const client::TlsOptions tls_;
  const std::size_t capacity_;
  const std::chrono::milliseconds idle_timeout_;
  std::mutex mutex_;
  std::deque<Idle> idle_;  // most recently used at the back
};

}  // namespace octopus::detail
