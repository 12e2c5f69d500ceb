// The HTTPS server: listeners, per-connection sessions, I/O threads, the worker pool for
// blocking handlers, signals and graceful drain. This header is Boost-free; all of Asio
// and Beast lives in server.cpp so the rest of the gateway compiles quickly.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "http/pipeline.hpp"
#include "http/tls_context.hpp"

namespace octopus::http {

// Per-connection limits; every one has a default and a configuration key
// (docs/operations.md).
struct ServerLimits {
  std::size_t header_limit = 16 * 1024;  // bytes of request line + headers → 431
  std::size_t body_limit = 1024 * 1024;  // bytes of body → 413
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds header_timeout{10000};  // first request's headers on a connection
  std::chrono::milliseconds idle_timeout{30000};    // keep-alive wait for the next request's headers
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
  std::size_t max_requests_per_connection = 100000;  // then the connection is closed politely
  std::size_t max_connections = 10000;               // open at once on the listener; more are closed at accept
  std::size_t max_connections_per_address = 256;     // open at once from one client address
};

struct ListenerSpec {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: an ephemeral port (tests)
  TlsFiles tls;
  ServerLimits limits;
  const Pipeline* pipeline = nullptr;  // must outlive the server
};

class Server {
 public:
  struct Options {
    unsigned io_threads = 0;                         // 0: one per core
    unsigned worker_threads = 0;                     // 0: one per core (blocking handlers: store, engine)
    std::chrono::milliseconds drain_timeout{10000};  // the whole drain, announce included
    // How long the listeners stay open, answering readiness with 503, before they close
    // (longer when requests are still in flight): a load balancer's probe period.
    std::chrono::milliseconds drain_announce{0};
  };

  explicit Server(Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting once start() runs. Returns the bound port.
  // Throws std::runtime_error (bad address, port in use, bad TLS files).
  unsigned short listen(const ListenerSpec& spec);

  void start();
  // Blocks until SIGTERM or SIGINT, then drains. SIGHUP calls `on_hangup` (policy reload).
  void run_until_signal(std::function<void()> on_hangup = {});
  // Announces the drain (draining() turns true, answers close their connections), keeps
  // the listeners open while requests are in flight and for drain_announce, then stops
  // accepting, closes idle connections, lets the rest finish (all within drain_timeout)
  // and joins the threads. Idempotent.
  void shutdown();

  bool draining() const;
  std::size_t open_connections() const;

  // Implementation (Asio/Beast), named here only so server.cpp's sessions can reach it.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace octopus::http
