#include "webhook_listener.hpp"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

namespace octopus::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxConnections = 64;
constexpr auto kIdleLimit = std::chrono::seconds(60);  // a silent peer is cut off after this
constexpr std::size_t kMaxBody = 1024 * 1024;

struct Shared {
  const ListenOptions& options;
  const WebhookVerifier& verifier;
  std::mutex print_mutex;
  std::atomic<std::size_t> verified{0};
};

// One accepted connection, served on its own thread. The socket stays open until the main
// loop reaps the connection, so shutting it down from there is always safe.
struct Connection {
  tcp::socket socket;
  std::atomic<Clock::rep> last_active{Clock::now().time_since_epoch().count()};
  std::atomic<bool> done{false};
  std::thread thread;
  explicit Connection(tcp::socket s) : socket(std::move(s)) {}
  void touch() { last_active = Clock::now().time_since_epoch().count(); }
  bool idle_too_long() const { return Clock::now() - Clock::time_point(Clock::duration(last_active)) > kIdleLimit; }
};

void print_event(Shared& shared, const WebhookHeaders& headers, const std::string& body) {
  const auto event = nlohmann::json::parse(body, nullptr, false);
  const auto replace = nlohmann::json::error_handler_t::replace;  // never throw on odd bytes
  std::lock_guard lock(shared.print_mutex);
  if (shared.options.json)
    std::cout << nlohmann::json{{"id", headers.id}, {"timestamp", headers.timestamp}, {"event", event}}.dump(
                     -1, ' ', false, replace)
              << "\n";
  else
    std::cout << headers.id << "  "
              << (event.is_object() && event.contains("type") ? event["type"].dump(-1, ' ', false, replace) : "\"?\"")
              << "  " << body << "\n";
  std::cout.flush();
}

// Verifies one callback; true when it is authentic (and then printed).
bool verified(Shared& shared, const http::request<http::string_body>& request) {
  const WebhookHeaders headers{std::string(request["webhook-id"]), std::string(request["webhook-timestamp"]),
                               std::string(request["webhook-signature"])};
  try {
    shared.verifier.verify(headers, request.body());
    print_event(shared, headers, request.body());
    return true;
  } catch (const WebhookVerificationError& e) {
    std::lock_guard lock(shared.print_mutex);
    std::cerr << "refused " << (headers.id.empty() ? "(no webhook-id)" : headers.id) << ": " << e.what() << std::endl;
    return false;
  }
}

// Answers requests on one connection until the peer closes it; a callback counts once its
// 204 has been written, so the gateway never sees the last one fail.
template <class Stream>
void serve(Shared& shared, Stream& stream, Connection& connection) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec) return;
    connection.touch();
    const auto& request = parser.get();
    const bool ok = verified(shared, request);
    http::response<http::string_body> response{ok ? http::status::no_content : http::status::bad_request,
                                               request.version()};
    if (!ok) response.body() = "signature, timestamp or headers do not verify";
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    http::write(stream, response, ec);
    if (ec) return;
    if (ok) ++shared.verified;
    connection.touch();
    if (!response.keep_alive()) return;
  }
}

void serve_connection(Shared& shared, Connection& connection, net::ssl::context* tls) {
  if (!tls) {
    serve(shared, connection.socket, connection);
  } else {
    beast::ssl_stream<tcp::socket&> stream(connection.socket, *tls);
    beast::error_code ec;
    stream.handshake(net::ssl::stream_base::server, ec);
    if (!ec) serve(shared, stream, connection);
  }
  beast::error_code ignored;
  connection.socket.shutdown(tcp::socket::shutdown_both, ignored);
  connection.done = true;
}

std::optional<net::ssl::context> tls_context(const ListenOptions& options) {
  if (options.tls_cert.empty()) return std::nullopt;
  net::ssl::context tls(net::ssl::context::tls_server);
  tls.set_options(net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                  net::ssl::context::no_tlsv1_1);
  tls.use_certificate_chain_file(options.tls_cert);
  tls.use_private_key_file(options.tls_key, net::ssl::context::pem);
  return tls;
}

// Joins the threads of finished connections and cuts off peers silent for too long.
void reap(std::list<std::unique_ptr<Connection>>& connections) {
  for (auto it = connections.begin(); it != connections.end();) {
    auto& c = **it;
    if (c.done) {
      c.thread.join();
      it = connections.erase(it);
      continue;
    }
    if (c.idle_too_long()) ::shutdown(c.socket.native_handle(), SHUT_RDWR);
    ++it;
  }
}

}  // namespace

void listen_for_webhooks(const ListenOptions& options, const WebhookVerifier& verifier) {
  Shared shared{options, verifier};
  auto tls = tls_context(options);
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::make_address(options.host), options.port});
  std::cerr << "listening on " << (tls ? "https" : "http") << "://" << options.host << ":"
            << acceptor.local_endpoint().port() << "/" << std::endl;
  std::list<std::unique_ptr<Connection>> connections;
  net::steady_timer backoff(ioc);
  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {  // e.g. out of file descriptors: try again shortly rather than stop
        backoff.expires_after(std::chrono::milliseconds(100));
        return backoff.async_wait([&](beast::error_code) { accept_next(); });
      }
      reap(connections);
      if (connections.size() < kMaxConnections) {  // beyond it, the new socket is simply closed
        auto& c = *connections.emplace_back(std::make_unique<Connection>(std::move(socket)));
        try {
          c.thread = std::thread([&shared, &tls, &c] { serve_connection(shared, c, tls ? &*tls : nullptr); });
        } catch (const std::system_error&) {  // no thread to be had: drop this connection
          connections.pop_back();
        }
      }
      accept_next();
    });
  };
  accept_next();
  while (!options.count || shared.verified < options.count) {
    ioc.run_for(std::chrono::milliseconds(100));
    reap(connections);
  }
  acceptor.close();
  for (auto& c : connections) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
  for (auto& c : connections) c->thread.join();
}

}  // namespace octopus::cli
