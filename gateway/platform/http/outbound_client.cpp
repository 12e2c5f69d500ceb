#include "http/outbound_client.hpp"

#include <openssl/ssl.h>

#include <cstring>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace octopus::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t kKeptBody = 4096;

tcp::endpoint to_endpoint(const sockaddr_storage& s, unsigned short port) {
  if (s.ss_family == AF_INET) {
    net::ip::address_v4::bytes_type bytes;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in&>(s).sin_addr, bytes.size());
    return {net::ip::address_v4(bytes), port};
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(s);
  net::ip::address_v6::bytes_type bytes;
  std::memcpy(bytes.data(), &v6.sin6_addr, bytes.size());
  return {net::ip::address_v6(bytes, v6.sin6_scope_id), port};
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct OutboundConnection::Impl {
  OutboundUrl url;
  OutboundOptions options;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool usable = false;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Runs the io_context until the operation `start` began completes; the stream's deadline
  // turns a stall into beast::error::timeout.
  template <class Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = net::error::operation_aborted;
    lowest().expires_after(options.timeout);
    start([&](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  // With either stream, whichever this connection uses.
  template <class Op>
  beast::error_code with_stream(Op&& op) {
    return secure ? run([&](auto handler) { op(*secure, handler); }) : run([&](auto handler) { op(*plain, handler); });
  }

  void prepare_tls() {
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    // Development loopback receivers may use a self-signed certificate unless a CA is given.
    const bool verify = !options.ca_file.empty() || !options.allow_loopback;
    if (!verify) return tls.set_verify_mode(ssl::verify_none);
    if (options.ca_file.empty())
      tls.set_default_verify_paths(ec);
    else
      tls.load_verify_file(options.ca_file, ec);
    if (ec) throw OutboundError("cannot load the CA bundle '" + options.ca_file + "': " + ec.message());
    tls.set_verify_mode(ssl::verify_peer);
  }

  void connect() {
    const auto destination = check_destination(url.host, url.port, options.allow_loopback, options.resolve);
    if (!destination.refusal.empty()) throw OutboundError("destination refused: " + destination.refusal);
    std::vector<tcp::endpoint> endpoints;
    for (const auto& a : destination.addresses) endpoints.push_back(to_endpoint(a, url.port));
    if (url.scheme == "https") {
      prepare_tls();
      secure.emplace(ioc, tls);
      if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str());
      if (tls.native_handle() && SSL_CTX_get_verify_mode(tls.native_handle()) != SSL_VERIFY_NONE)
        secure->set_verify_callback(ssl::host_name_verification(url.host));
    } else {
      plain.emplace(ioc);
    }
    auto ec = run([&](auto handler) {
      lowest().async_connect(endpoints, [handler](beast::error_code e, const tcp::endpoint&) mutable { handler(e); });
    });
    if (ec) throw OutboundError("cannot connect to " + url.host + ": " + ec.message());
    lowest().socket().set_option(tcp::no_delay(true));
    if (secure) {
      ec = run([&](auto handler) { secure->async_handshake(ssl::stream_base::client, handler); });
      if (ec) throw OutboundError("TLS handshake with " + url.host + " failed: " + ec.message());
    }
    usable = true;
  }

  void fail(const std::string& what, const beast::error_code& ec) {
    usable = false;
    throw OutboundError(what + ": " + ec.message());
  }
};

OutboundConnection::OutboundConnection(OutboundUrl url, OutboundOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->options = std::move(options);
  impl_->connect();
}

OutboundConnection::~OutboundConnection() = default;

bool OutboundConnection::usable() const { return impl_->usable; }

OutboundResponse OutboundConnection::post(const std::vector<std::pair<std::string, std::string>>& headers,
                                          std::string_view body) {
  auto& d = *impl_;
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, d.url.target, 11};
  const bool default_port = d.url.port == (d.url.scheme == "https" ? 443 : 80);
  const bool v6 = d.url.host.find(':') != std::string::npos;
  const auto host = v6 ? "[" + d.url.host + "]" : d.url.host;
  req.set(bhttp::field::host, default_port ? host : host + ":" + std::to_string(d.url.port));
  req.set(bhttp::field::content_type, "application/json");
  req.set(bhttp::field::user_agent, "octopus-gateway-webhooks");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::string(body);
  req.prepare_payload();
  if (auto ec = d.with_stream([&](auto& s, auto h) { bhttp::async_write(s, req, h); })) d.fail("cannot send", ec);

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1024 * 1024);
  if (auto ec = d.with_stream([&](auto& s, auto h) { bhttp::async_read(s, d.buffer, parser, h); }))
    d.fail("no answer", ec);
  const auto& res = parser.get();
  d.usable = res.keep_alive();
  OutboundResponse out{static_cast<int>(res.result_int()), res.body().substr(0, kKeptBody)};
  return out;
}

}  // namespace octopus::http
