// One HTTPS/1.1 keep-alive connection, synchronous and not thread-safe: the transport
// under the SDK, the demo, the load tool and the integration tests. Boost stays inside
// the implementation; this header only uses the standard library.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "octopus/protocol/http_message.hpp"

namespace octopus::client {

using protocol::HeaderField;

class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The peer closed (or reset) a kept-alive connection before a byte of the answer came:
// the request was not answered, and a client may send it again on a new connection.
class ConnectionClosed : public TransportError {
 public:
  using TransportError::TransportError;
};

struct HttpResponse {
  int status = 0;
  bool keep_alive = true;  // the server will read another request on this connection
  std::vector<HeaderField> headers;
  std::string body;
  // First header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

struct TlsOptions {
  std::string ca_file;  // PEM to trust; empty: the system store
  bool verify_peer = true;
  std::string server_name = "localhost";  // SNI and certificate name check
  // 0: library defaults. Otherwise OpenSSL version constants (e.g. 0x0303 = TLS 1.2).
  int min_version = 0;
  int max_version = 0;
  // Lets old protocol versions be offered at all (OpenSSL's security level 0). Only for
  // tests that prove the server refuses them.
  bool allow_legacy = false;
  std::chrono::milliseconds timeout{10000};  // per connect, handshake, write and read
  // When set, no step runs past it, whatever `timeout` leaves (a caller's overall deadline).
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

class HttpsConnection {
 public:
  // Connects and completes the TLS handshake. Throws TransportError.
  HttpsConnection(std::string host, unsigned short port, TlsOptions options = {});
  ~HttpsConnection();
  HttpsConnection(HttpsConnection&&) noexcept;
  HttpsConnection& operator=(HttpsConnection&&) noexcept;

  // Sends one request and reads its final response (interim 1xx answers are skipped). Adds
  // Host (host:port) unless given, and Content-Length. Throws ConnectionClosed when the
  // peer had closed the connection before answering, TransportError on any other network
  // error or timeout.
  HttpResponse send(std::string_view method, std::string_view target, const std::vector<HeaderField>& headers,
                    std::string_view body = {});

  // Low-level access for tests: write raw bytes over TLS; wait until the server closes
  // the connection (true) or `wait` passes (false).
  void write_raw(std::string_view bytes);
  // Reads the next response, interim 1xx ones included (after write_raw, e.g. to check
  // pipelined answers arrive in order). Throws as send() does.
  HttpResponse read_response();
  bool wait_for_close(std::chrono::milliseconds wait);

  // The limit for each later handshake, write and read (TlsOptions::timeout at first), and
  // an absolute deadline no step may pass (none: nullopt).
  void set_timeout(std::chrono::milliseconds timeout,
                   std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
  // True when another request may be sent: the last answer kept the connection alive and
  // left nothing unread.
  bool reusable() const;

  // "host:port" as used in the Host header and RFC 9421 @authority.
  std::string authority() const;
  // The negotiated protocol, e.g. "TLSv1.3".
  std::string tls_version() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace octopus::client
