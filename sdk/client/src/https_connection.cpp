#include "octopus/client/https_connection.hpp"

#include <openssl/ssl.h>

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace octopus::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
// The peer had closed or reset the connection (an idle close), as opposed to a timeout.
bool closed_by_peer(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return {};
}

struct HttpsConnection::Impl {
  std::string host;
  unsigned short port;
  TlsOptions options;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  bool keep_alive = true;

  // Runs the io_context until the operation started by `start` completes; the stream's
  // deadline turns a stall into beast::error::timeout.
  template <class Start>
  beast::error_code run(Start&& start) {
    beast::error_code result;
    bool done = false;
    auto until = std::chrono::steady_clock::now() + options.timeout;
    if (options.deadline && *options.deadline < until) until = *options.deadline;
    beast::get_lowest_layer(*stream).expires_at(until);
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.restart();
    ioc.run();
    if (!done) result = net::error::operation_aborted;
    return result;
  }
};

HttpsConnection::HttpsConnection(std::string host, unsigned short port, TlsOptions options)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.host = std::move(host);
  d.port = port;
  d.options = std::move(options);
  SSL_CTX* ctx = d.tls.native_handle();
  if (d.options.allow_legacy) {
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
  }
  if (d.options.min_version) SSL_CTX_set_min_proto_version(ctx, d.options.min_version);
  if (d.options.max_version) SSL_CTX_set_max_proto_version(ctx, d.options.max_version);
  if (d.options.verify_peer) {
    beast::error_code ec;
    if (d.options.ca_file.empty())
      d.tls.set_default_verify_paths(ec);
    else
      d.tls.load_verify_file(d.options.ca_file, ec);
    if (ec) throw TransportError("cannot load CA file '" + d.options.ca_file + "': " + ec.message());
    d.tls.set_verify_mode(ssl::verify_peer);
  } else {
    d.tls.set_verify_mode(ssl::verify_none);
  }

  d.stream.emplace(d.ioc, d.tls);
  if (!d.options.server_name.empty()) {
    // RFC 6066 §3: SNI names a host, never an address literal.
    beast::error_code not_an_address;
    net::ip::make_address(d.options.server_name, not_an_address);
    if (not_an_address) SSL_set_tlsext_host_name(d.stream->native_handle(), d.options.server_name.c_str());
    if (d.options.verify_peer) d.stream->set_verify_callback(ssl::host_name_verification(d.options.server_name));
  }

  tcp::resolver resolver(d.ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(d.host, std::to_string(d.port), ec);
  if (ec) throw TransportError("cannot resolve " + d.host + ": " + ec.message());
  ec = d.run([&](auto handler) {
    beast::get_lowest_layer(*d.stream).async_connect(
        endpoints, [handler](beast::error_code e, const tcp::endpoint&) mutable { handler(e); });
  });
  if (ec) throw TransportError("cannot connect to " + authority() + ": " + ec.message());
  beast::get_lowest_layer(*d.stream).socket().set_option(tcp::no_delay(true));
  ec = d.run([&](auto handler) { d.stream->async_handshake(ssl::stream_base::client, handler); });
  if (ec) throw TransportError("TLS handshake with " + authority() + " failed: " + ec.message());
}

HttpsConnection::~HttpsConnection() = default;
HttpsConnection::HttpsConnection(HttpsConnection&&) noexcept = default;
HttpsConnection& HttpsConnection::operator=(HttpsConnection&&) noexcept = default;

void HttpsConnection::set_timeout(std::chrono::milliseconds timeout,
                                  std::optional<std::chrono::steady_clock::time_point> deadline) {
  impl_->options.timeout = timeout;
  impl_->options.deadline = deadline;
}

bool HttpsConnection::reusable() const { return impl_->keep_alive && impl_->buffer.size() == 0; }

std::string HttpsConnection::authority() const { return impl_->host + ":" + std::to_string(impl_->port); }

std::string HttpsConnection::tls_version() const { return SSL_get_version(impl_->stream->native_handle()); }

HttpResponse HttpsConnection::send(std::string_view method, std::string_view target,
                                   const std::vector<HeaderField>& headers, std::string_view body) {
  auto& d = *impl_;
  bhttp::request<bhttp::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  bool has_host = false;
  for (const auto& h : headers) {
    has_host = has_host || iequals(h.name, "host");
    req.insert(h.name, h.value);
  }
  if (!has_host) req.set(bhttp::field::host, authority());
  req.body() = std::string(body);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();

  auto ec = d.run([&](auto handler) { bhttp::async_write(*d.stream, req, handler); });
  if (ec && closed_by_peer(ec)) throw ConnectionClosed("the connection was closed: " + ec.message());
  if (ec) throw TransportError("cannot send request: " + ec.message());
  // An interim answer (100 Continue, 103 Early Hints) precedes the final one.
  for (;;) {
    auto answer = read_response();
    if (answer.status < 100 || answer.status > 199 || answer.status == 101) return answer;
  }
}

HttpResponse HttpsConnection::read_response() {
  auto& d = *impl_;
  d.keep_alive = false;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  const bool nothing_yet = d.buffer.size() == 0;
  auto ec = d.run([&](auto handler) { bhttp::async_read(*d.stream, d.buffer, parser, handler); });
  if (ec && nothing_yet && !parser.got_some() && closed_by_peer(ec))
    throw ConnectionClosed("the connection was closed before an answer: " + ec.message());
  if (ec) throw TransportError("cannot read response: " + ec.message());
  d.keep_alive = parser.keep_alive();
  auto res = parser.release();
  HttpResponse out;
  out.keep_alive = d.keep_alive;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  out.body = std::move(res.body());
  return out;
}

void HttpsConnection::write_raw(std::string_view bytes) {
  auto& d = *impl_;
  auto ec = d.run([&](auto handler) { net::async_write(*d.stream, net::buffer(bytes.data(), bytes.size()), handler); });
  if (ec) throw TransportError("cannot write: " + ec.message());
}

bool HttpsConnection::wait_for_close(std::chrono::milliseconds wait) {
  auto& d = *impl_;
  const auto saved = d.options.timeout;
  d.options.timeout = wait;
  char scratch[4096];
  beast::error_code ec;
  // Read and discard until the peer closes (any error but our own timeout) or time is up.
  for (;;) {
    ec = d.run([&](auto handler) { d.stream->async_read_some(net::buffer(scratch), handler); });
    if (ec) break;
  }
  d.options.timeout = saved;
  return ec != beast::error::timeout;
}

}  // namespace octopus::client
