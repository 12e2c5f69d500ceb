#include "webhook_listener.hpp"

#include <sys/socket.h>

#include <functional>
#include <vector>

#include <atomic>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
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

struct Shared {
  const ListenOptions& options;
  const WebhookVerifier& verifier;
  std::mutex print_mutex;
  std::atomic<std::size_t> verified{0};
};

void print_event(Shared& shared, const WebhookHeaders& headers, const std::string& body) {
  const auto event = nlohmann::json::parse(body, nullptr, false);
  const std::string type = event.is_object() && event.contains("type") ? event["type"].dump() : "\"?\"";
  std::lock_guard lock(shared.print_mutex);
  if (shared.options.json)
    std::cout << nlohmann::json{{"id", headers.id}, {"timestamp", headers.timestamp}, {"event", event}}.dump() << "\n";
  else
    std::cout << headers.id << "  " << type << "  " << body << "\n";
  std::cout.flush();
}

http::response<http::string_body> answer(Shared& shared, const http::request<http::string_body>& request) {
  http::response<http::string_body> response{http::status::no_content, request.version()};
  const WebhookHeaders headers{std::string(request["webhook-id"]), std::string(request["webhook-timestamp"]),
                               std::string(request["webhook-signature"])};
  try {
    shared.verifier.verify(headers, request.body());
    print_event(shared, headers, request.body());
    ++shared.verified;
  } catch (const WebhookVerificationError& e) {
    std::lock_guard lock(shared.print_mutex);
    std::cerr << "refused " << (headers.id.empty() ? "(no webhook-id)" : headers.id) << ": " << e.what() << "\n";
    response.result(http::status::bad_request);
    response.set(http::field::content_type, "text/plain");
    response.body() = e.what();
  }
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

// Answers requests on one connection until the peer closes it.
template <class Stream>
void serve(Shared& shared, Stream& stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    beast::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    auto response = answer(shared, request);
    http::write(stream, response, ec);
    if (ec || !response.keep_alive()) return;
  }
}

void serve_connection(Shared& shared, tcp::socket& socket, net::ssl::context* tls) {
  if (!tls) return serve(shared, socket);
  beast::ssl_stream<tcp::socket&> stream(socket, *tls);
  beast::error_code ec;
  stream.handshake(net::ssl::stream_base::server, ec);
  if (!ec) serve(shared, stream);
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

}  // namespace

void listen_for_webhooks(const ListenOptions& options, const WebhookVerifier& verifier) {
  Shared shared{options, verifier};
  auto tls = tls_context(options);
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::make_address(options.host), options.port});
  std::cerr << "listening on " << (tls ? "https" : "http") << "://" << options.host << ":"
            << acceptor.local_endpoint().port() << "/" << std::endl;
  // The gateway keeps several connections open to one endpoint: a thread for each.
  struct Connection {
    std::unique_ptr<tcp::socket> socket;  // owned here so the thread never outlives it
    std::thread thread;
  };
  std::vector<Connection> connections;
  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto owned = std::make_unique<tcp::socket>(std::move(socket));
      auto* raw = owned.get();
      connections.push_back({std::move(owned), std::thread([&shared, &tls, raw] {
                               serve_connection(shared, *raw, tls ? &*tls : nullptr);
                             })});
      accept_next();
    });
  };
  accept_next();
  while (!options.count || shared.verified < options.count) ioc.run_for(std::chrono::milliseconds(100));
  acceptor.close();
  // Wakes the threads blocked reading kept-alive connections, then waits for them.
  for (auto& c : connections) ::shutdown(c.socket->native_handle(), SHUT_RDWR);
  for (auto& c : connections) c.thread.join();
}

}  // namespace octopus::cli
