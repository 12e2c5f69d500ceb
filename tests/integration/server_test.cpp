// The HTTPS server's protections over real sockets: TLS versions, body and header
// limits, slow clients, request ids, correlators and the access log.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "eventually.hpp"
#include "gateway_harness.hpp"

using octopus::client::HttpsConnection;
using octopus::client::TransportError;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

TEST(Server, RefusesTls10And11AndServesTls12And13) {
  GatewayHarness gw;
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    auto tls = gw.tls();
    tls.allow_legacy = true;  // the client offers the old version for real
    tls.min_version = version;
    tls.max_version = version;
    EXPECT_THROW(HttpsConnection("localhost", gw.partner_port(), tls), TransportError) << std::hex << version;
  }
  for (auto [version, name] : {std::pair{TLS1_2_VERSION, "TLSv1.2"}, std::pair{TLS1_3_VERSION, "TLSv1.3"}}) {
    auto tls = gw.tls();
    tls.allow_legacy = true;
    tls.min_version = version;
    tls.max_version = version;
    HttpsConnection conn("localhost", gw.partner_port(), tls);
    EXPECT_EQ(conn.tls_version(), name);
    EXPECT_EQ(conn.send("GET", "/v1/capabilities", {}).status, 401);
  }
  // With no constraint the client gets TLS 1.3.
  EXPECT_EQ(gw.partner_connection().tls_version(), "TLSv1.3");
}

TEST(Server, OversizeBodyGets413) {
  GatewayHarness gw([](auto& c) { c.limits.body_limit = 1024; });
  auto conn = gw.partner_connection();
  // Announce more than the limit: the gateway answers without reading the body.
  conn.write_raw("POST /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() +
                 "\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n");
  auto conn2 = gw.partner_connection();
  auto r = conn2.send("POST", "/v1/capabilities", {{"Content-Type", "application/json"}}, std::string(2048, 'x'));
  gw.check_partner("POST", "/v1/capabilities", r);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(problem_slug(r), "payload-too-large");
  EXPECT_TRUE(conn2.wait_for_close(std::chrono::milliseconds(2000)));
}

// A client that waits for 100 Continue before sending its body gets it at once, then the
// answer to the whole request; one whose announced body is too large gets 413 instead.
TEST(Server, ExpectContinueIsAnsweredBeforeTheBody) {
  GatewayHarness gw([](auto& c) { c.limits.body_limit = 1024; });
  auto tls = gw.tls();
  tls.timeout = std::chrono::milliseconds(3000);  // well under the gateway's body timeout
  octopus::client::HttpsConnection conn("localhost", gw.partner_port(), tls);
  const std::string body = R"({"hello":"world"})";
  conn.write_raw("POST /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() +
                 "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n");
  const auto interim = conn.read_response();
  EXPECT_EQ(interim.status, 100);
  conn.write_raw(body);
  const auto final_answer = conn.read_response();
  EXPECT_EQ(final_answer.status, 405);  // the whole request was read, then routed
  EXPECT_EQ(problem_slug(final_answer), "method-not-allowed");
  // The body was consumed: the connection goes on with the next request.
  EXPECT_EQ(conn.send("GET", "/v1/capabilities", {}).status, 401);

  octopus::client::HttpsConnection too_big("localhost", gw.partner_port(), tls);
  too_big.write_raw("POST /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() +
                    "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 4096\r\n\r\n");
  const auto refused = too_big.read_response();
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(problem_slug(refused), "payload-too-large");
}

TEST(Server, OversizeHeadersGet431) {
  GatewayHarness gw([](auto& c) { c.limits.header_limit = 2048; });
  auto conn = gw.partner_connection();
  auto r = conn.send("GET", "/v1/capabilities", {{"X-Padding", std::string(4096, 'a')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(problem_slug(r), "header-too-large");
}

TEST(Server, ClientThatNeverFinishesItsHeadersIsDisconnected) {
  GatewayHarness gw([](auto& c) { c.limits.header_timeout = std::chrono::milliseconds(300); });
  auto conn = gw.partner_connection();
  conn.write_raw("GET /v1/capabilities HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(conn.wait_for_close(std::chrono::milliseconds(3000)));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(200));
}

TEST(Server, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  GatewayHarness gw([](auto& c) { c.limits.idle_timeout = std::chrono::milliseconds(300); });
  auto conn = gw.partner_connection();
  EXPECT_EQ(conn.send("GET", "/v1/capabilities", {}).status, 401);
  EXPECT_TRUE(conn.wait_for_close(std::chrono::milliseconds(3000)));
}

TEST(Server, SlowTlsHandshakeIsDisconnected) {
  GatewayHarness gw([](auto& c) { c.limits.handshake_timeout = std::chrono::milliseconds(300); });
  // A plain TCP client that never starts TLS.
  auto tls = gw.tls();
  tls.timeout = std::chrono::milliseconds(3000);
  // The handshake itself fails when the server gives up: measured by a raw socket below.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(gw.partner_port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[16];
  const auto n = ::recv(fd, buf, sizeof buf, 0);
  EXPECT_EQ(n, 0) << "expected the server to close the connection";
  ::close(fd);
}

TEST(Server, MalformedHttpGets400) {
  GatewayHarness gw;
  auto conn = gw.partner_connection();
  conn.write_raw("GET /v1/capabilities HTTP/1.1\r\nHost: localhost\r\nBad Header Line\r\n\r\n");
  EXPECT_TRUE(conn.wait_for_close(std::chrono::milliseconds(3000)));
}

TEST(Server, EveryResponseCarriesARequestIdAndEchoesTheCorrelator) {
  GatewayHarness gw;
  auto conn = gw.partner_connection();
  auto r = conn.send("GET", "/v1/capabilities", {{"x-correlator", "b4333c46-49c0-4f62-80d7-f0ef930f1c46"}});
  gw.check_partner("GET", "/v1/capabilities", r);
  EXPECT_EQ(r.header("x-correlator"), "b4333c46-49c0-4f62-80d7-f0ef930f1c46");
  const auto id = std::string(r.header("x-request-id"));
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(nlohmann::json::parse(r.body)["request_id"], id);
  // An invalid correlator is not echoed (it could carry header injection attempts).
  auto bad = conn.send("GET", "/v1/capabilities", {{"x-correlator", "has spaces and \"quotes\""}});
  EXPECT_TRUE(bad.header("x-correlator").empty());
  EXPECT_NE(bad.header("x-request-id"), id);
}

TEST(Server, AccessLogCarriesTraceIdButNoSecrets) {
  GatewayHarness gw;
  auto cred = gw.create_partner("acme");
  ::testing::internal::CaptureStderr();
  std::vector<octopus::client::HeaderField> extra{
      {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
  auto r = gw.partner("GET", "/v1/capabilities?secret=query", cred, "", {}, extra);
  gw.admin("GET", "/admin/v1/partners");
  // The access lines are written by the I/O thread after the answer: read until both are in.
  std::string log;
  octopus::testing::eventually([&] {
    log += ::testing::internal::GetCapturedStderr();
    const bool both =
        log.find("\"principal\":\"acme\"") != std::string::npos && log.find("\"plane\":\"admin\"") != std::string::npos;
    if (!both) ::testing::internal::CaptureStderr();
    return both;
  });
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(log.find("\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"principal\":\"acme\""), std::string::npos);
  EXPECT_EQ(log.find("secret=query"), std::string::npos);
  EXPECT_EQ(log.find("sig1="), std::string::npos);
  EXPECT_EQ(log.find(octopus::testing::kAdminToken), std::string::npos);
}

TEST(Server, ShutdownDrainsAndRefusesNewConnections) {
  GatewayHarness gw;
  auto conn = gw.partner_connection();
  EXPECT_EQ(conn.send("GET", "/v1/capabilities", {}).status, 401);
  const auto port = gw.partner_port();
  gw.app().shutdown();
  // The idle keep-alive connection was closed, and nothing listens any more.
  EXPECT_TRUE(conn.wait_for_close(std::chrono::milliseconds(2000)));
  EXPECT_THROW(HttpsConnection("localhost", port, gw.tls()), TransportError);
}

// Draining is announced before the listeners close: while a slow request is still being
// read, a load balancer's probe on a new connection hears 503 with the reason; the slow
// request is then answered (its connection closed), and only after that do the listeners go.
TEST(Server, ReadinessIs503WhileASlowRequestFinishesAndTheListenersCloseAfterIt) {
  GatewayHarness gw;
  ASSERT_EQ(gw.admin("GET", "/readyz").status, 200);
  auto slow = gw.partner_connection();
  slow.write_raw("POST /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() +
                 "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  ASSERT_EQ(slow.read_response().status, 100);  // its header is read: the request is in flight

  std::thread stopping([&] { gw.app().shutdown(); });
  octopus::client::HttpResponse probe;
  EXPECT_TRUE(octopus::testing::eventually([&] {
    probe = gw.admin("GET", "/readyz");
    return probe.status == 503;
  }));
  EXPECT_EQ(problem_slug(probe), "not-ready");
  const auto checks = nlohmann::json::parse(probe.body)["checks"];
  EXPECT_TRUE(checks.contains("draining")) << probe.body;
  EXPECT_EQ(checks["store"], "ok");
  EXPECT_EQ(probe.header("connection"), "close");
  // Still listening: the slow request has not finished.
  EXPECT_EQ(gw.admin("GET", "/readyz").status, 503);

  slow.write_raw("{}");
  const auto answer = slow.read_response();
  EXPECT_EQ(answer.status, 405);  // read to its end and answered
  EXPECT_EQ(answer.header("connection"), "close");
  stopping.join();
  EXPECT_THROW(HttpsConnection("localhost", gw.admin_port(), gw.tls()), TransportError);
}

// With nothing in flight, the listeners still stay open for the configured announce
// period, answering readiness with 503.
TEST(Server, TheDrainIsAnnouncedForTheConfiguredPeriodBeforeTheListenersClose) {
  GatewayHarness gw([](auto& c) { c.drain_announce = std::chrono::milliseconds(600); });
  const auto started = std::chrono::steady_clock::now();
  std::thread stopping([&] { gw.app().shutdown(); });
  EXPECT_TRUE(octopus::testing::eventually([&] { return gw.admin("GET", "/readyz").status == 503; }));
  stopping.join();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(600));
  EXPECT_THROW(HttpsConnection("localhost", gw.admin_port(), gw.tls()), TransportError);
}

}  // namespace

namespace {

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  GatewayHarness gw;
  auto conn = gw.partner_connection();
  std::string batch;
  for (int i = 0; i < 5; ++i)
    batch += "GET /v1/capabilities HTTP/1.1\r\nHost: " + gw.authority() + "\r\nx-correlator: req-" + std::to_string(i) +
             "\r\n\r\n";
  conn.write_raw(batch);
  for (int i = 0; i < 5; ++i) {
    auto r = conn.read_response();
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("x-correlator"), "req-" + std::to_string(i));
  }
}

}  // namespace
