// The protocol edge over real TLS sockets: request smuggling through Transfer-Encoding,
// duplicate Host headers, and @authority agreement between the SDK's signer and the gateway
// on the default port and against a pinned public authority.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <exception>
#include <thread>

#include "eventually.hpp"
#include "gateway_harness.hpp"

using octopus::client::HeaderField;
using octopus::client::HttpsConnection;
using octopus::client::TransportError;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

// Writes `head` followed by a complete second request; the gateway must answer the first with
// `status` and close, never answering the second (which a proxy would not have seen).
void expect_refused_and_closed(GatewayHarness& gw, const std::string& head, int status, const std::string& slug) {
  auto tls = gw.tls();
  tls.timeout = std::chrono::milliseconds(3000);
  HttpsConnection conn("localhost", gw.partner_port(), tls);
  const std::string smuggled =
      "GET /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() + "\r\nx-correlator: smuggled\r\n\r\n";
  conn.write_raw(head + "0\r\n\r\n" + smuggled);
  const auto r = conn.read_response();
  EXPECT_EQ(r.status, status) << head;
  EXPECT_EQ(problem_slug(r), slug) << head;
  EXPECT_EQ(r.header("connection"), "close") << head;
  EXPECT_THROW(conn.read_response(), TransportError) << "the smuggled request was answered after: " << head;
}

TEST(Smuggling, TransferEncodingsOtherThanChunkedAreRefusedAndTheConnectionClosed) {
  GatewayHarness gw;
  const std::string start = "POST /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() + "\r\n";
  for (const std::string te : {"xchunked", "identity", "gzip", "chunked, identity", "chunked;ext=1", " "}) {
    expect_refused_and_closed(gw, start + "Transfer-Encoding: " + te + "\r\n\r\n", 400, "malformed-request");
    expect_refused_and_closed(gw, start + "Transfer-Encoding: " + te + "\r\nContent-Length: 5\r\n\r\n", 400,
                              "malformed-request");
  }
  expect_refused_and_closed(gw, start + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n", 400,
                            "malformed-request");
  expect_refused_and_closed(gw, start + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, "transfer-coding-unsupported");
  expect_refused_and_closed(gw, start + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400,
                            "malformed-request");
  // And the gateway still serves a well-framed chunked request afterwards.
  auto conn = gw.partner_connection();
  conn.write_raw(start + "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
  EXPECT_EQ(conn.read_response().status, 405) << "parsed and routed: capabilities takes GET only";
}

TEST(Smuggling, TwoHostHeadersAreRefused) {
  GatewayHarness gw;
  expect_refused_and_closed(
      gw, "GET /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() + "\r\nHost: evil.example\r\n\r\n", 400,
      "malformed-request");
  expect_refused_and_closed(gw, "GET /v1/capabilities HTTP/1.1\r\nx-a: 1\r\n\r\n", 400, "malformed-request");
}

// The SDK addresses a gateway on port 443 as "host:443"; the gateway sees "Host: host:443".
// Both derive @authority through one normalisation (RFC 9110 §4.2.3), so the call verifies.
TEST(Authority, ASignedCallToTheDefaultPortVerifies) {
  std::unique_ptr<GatewayHarness> gw;
  try {
    gw = std::make_unique<GatewayHarness>([](auto& c) { c.partner_listen = {"127.0.0.1", 443}; });
  } catch (const std::exception& e) {
    GTEST_SKIP() << "port 443 cannot be bound here (needs root or CAP_NET_BIND_SERVICE): " << e.what();
  }
  ASSERT_EQ(gw->partner_port(), 443);
  const auto acme = gw->create_partner("acme");
  EXPECT_EQ(gw->authority(), "localhost:443");
  const auto r = gw->partner("GET", "/v1/capabilities", acme);
  EXPECT_EQ(r.status, 200) << r.body;
}

// With auth.public_authority pinned, what the partner signed must name it, whatever Host the
// request carries; the comparison ignores case and the default port on both sides.
TEST(Authority, APinnedPublicAuthorityRefusesSignaturesForAnotherHost) {
  GatewayHarness gw([](auto& c) { c.signatures.public_authority = "API.Operator.Example:443"; });
  const auto acme = gw.create_partner("acme");
  auto call = [&](const std::string& signed_for, const std::string& host) {
    std::vector<HeaderField> headers{{"Host", host}};
    octopus::client::sign_request("GET", signed_for, "/v1/capabilities", headers, "", acme);
    return gw.partner_raw("GET", "/v1/capabilities", headers);
  };
  EXPECT_EQ(call("api.operator.example", "api.operator.example").status, 200);
  EXPECT_EQ(call("api.operator.example:443", "API.operator.example").status, 200);
  EXPECT_EQ(call("Api.Operator.Example", gw.authority()).status, 200) << "Host as the balancer forwards it";
  const auto evil = call("evil.example", "evil.example");
  EXPECT_EQ(evil.status, 401);
  EXPECT_EQ(problem_slug(evil), "signature-invalid");
  EXPECT_EQ(call("api.operator.example:8443", "api.operator.example:8443").status, 401) << "another port";
}

// A TCP connection from `source` (a loopback address) to the partner plane; -1 on failure.
int connect_from(const char* source, unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed `fd` within `wait` (a held connection just stays silent).
bool closed_by_server(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
  char c;
  return ::recv(fd, &c, 1, 0) == 0;
}

TEST(ConnectionCaps, ConnectionsOverTheCapsAreClosedAtAcceptAndPlacesComeBack) {
  GatewayHarness gw([](auto& c) {
    c.limits.max_connections = 5;
    c.limits.max_connections_per_address = 3;
  });
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect_from("127.0.0.1", gw.partner_port()));
  const int fourth = connect_from("127.0.0.1", gw.partner_port());
  EXPECT_TRUE(closed_by_server(fourth, std::chrono::milliseconds(2000))) << "over the per-address cap";
  ::close(fourth);
  for (int fd : held)
    EXPECT_FALSE(closed_by_server(fd, std::chrono::milliseconds(100))) << "held (until its handshake times out)";
  held.push_back(connect_from("127.0.0.2", gw.partner_port()));
  held.push_back(connect_from("127.0.0.3", gw.partner_port()));
  EXPECT_FALSE(closed_by_server(held.back(), std::chrono::milliseconds(200))) << "another address has room";
  const int sixth = connect_from("127.0.0.4", gw.partner_port());
  EXPECT_TRUE(closed_by_server(sixth, std::chrono::milliseconds(2000))) << "over the listener's cap";
  ::close(sixth);
  // A place given back is a place for the next client: a real TLS call now succeeds.
  ::close(held.front());
  held.erase(held.begin());
  // As soon as the server has seen the close (a fresh connection each try; until then the
  // listener is still full and closes the try at accept, which the client sees as a reset).
  EXPECT_TRUE(octopus::testing::eventually([&] {
    try {
      return gw.partner_connection().send("GET", "/v1/capabilities", {}).status == 401;
    } catch (const std::exception&) {
      return false;
    }
  }));
  for (int fd : held) ::close(fd);
  // Exactly one refusal per address; at least one at the listener (a try above that came
  // before the server saw the close was refused there too).
  const auto metrics = gw.admin("GET", "/metrics").body;
  const auto refused = [&](const std::string& reason) {
    const std::string series = "octopus_connections_refused_total{plane=\"partner\",reason=\"" + reason + "\"} ";
    const auto at = metrics.find(series);
    return at == std::string::npos ? 0L : std::stol(metrics.substr(at + series.size()));
  };
  EXPECT_EQ(refused("address_limit"), 1) << metrics;
  EXPECT_GE(refused("listener_limit"), 1) << metrics;
}

}  // namespace
