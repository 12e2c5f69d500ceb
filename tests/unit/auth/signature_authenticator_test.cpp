// The authentication stage as a pure function of (request, directory, clock): no sockets.
#include <gtest/gtest.h>

#include "auth/auth_problems.hpp"
#include "auth/nonce_cache.hpp"
#include "auth/partner_directory.hpp"
#include "auth/signature_authenticator.hpp"
#include "http/router.hpp"
#include "octopus/client/request_signer.hpp"
#include "test_clock.hpp"

using namespace octopus;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class Authenticator : public ::testing::Test {
 protected:
  void SetUp() override {
    partners::Partner p{
        .id = "acme", .display_name = "Acme", .tier = "gold", .category = "internet", .scopes = {"audiences:read"}};
    partners::PartnerKey k{.key_id = "acme-1", .partner_id = "acme"};
    k.public_key = key.public_key();
    p.keys.push_back(k);
    directory.load({p});
  }

  http::RequestContext request(const std::string& target = "/v1/capabilities", const std::string& body = "",
                               client::SigningOverrides o = {}) {
    http::RequestContext ctx;
    ctx.route = &route;
    ctx.request.method = "GET";
    ctx.request.target = target;
    ctx.request.body = body;
    ctx.request.headers = {{"Host", "api.example.com"}};
    if (!o.created) o.created = kNow;
    client::sign_request("GET", "api.example.com", target, ctx.request.headers, body, {"acme-1", key}, o);
    return ctx;
  }

  std::string refusal(http::RequestContext& ctx) {
    auto r = stage.on_request(ctx);
    return r ? ctx.outcome : "";
  }

  protocol::Ed25519PrivateKey key = protocol::Ed25519PrivateKey::generate();
  auth::PartnerDirectory directory;
  auth::MemoryNonceCache nonces;
  const std::int64_t now = kNow;
  octopus::testing::SecondsClock clock{now};
  auth::SignatureAuthenticator stage{directory, nonces, {}, clock};
  http::Route route{.method = "GET", .pattern = "/v1/capabilities"};
};

TEST_F(Authenticator, AcceptsAndSetsThePrincipal) {
  auto ctx = request();
  EXPECT_EQ(refusal(ctx), "");
  ASSERT_TRUE(ctx.principal);
  EXPECT_EQ(ctx.principal->id, "acme");
  EXPECT_EQ(ctx.principal->key_id, "acme-1");
}

TEST_F(Authenticator, AuthorityIsNormalisedFromTheHostHeader) {
  auto ctx = request();
  for (auto& h : ctx.request.headers)
    if (h.name == "Host") h.value = "API.Example.com:443";
  EXPECT_EQ(refusal(ctx), "");
  EXPECT_EQ(auth::normalize_authority("Example.COM:443"), "example.com");
  EXPECT_EQ(auth::normalize_authority("example.com:8443"), "example.com:8443");
  EXPECT_EQ(auth::normalize_authority("[2001:DB8::1]:443"), "[2001:db8::1]");
  EXPECT_EQ(auth::normalize_authority("[2001:db8::443]"), "[2001:db8::443]") << "no port: the literal stays whole";
  EXPECT_EQ(auth::normalize_authority("example.com:4430"), "example.com:4430");
  EXPECT_EQ(octopus::protocol::normalize_authority("http", "Example.com:80"), "example.com");
  EXPECT_EQ(octopus::protocol::normalize_authority("http", "example.com:443"), "example.com:443");
}

TEST_F(Authenticator, SkewBoundariesAreExact) {
  auto at = [&](std::int64_t created) {
    auto ctx = request("/v1/capabilities", "", {.created = created});
    return refusal(ctx);
  };
  EXPECT_EQ(at(kNow - 300), "");
  EXPECT_EQ(at(kNow - 301), "signature-expired");
  EXPECT_EQ(at(kNow + 300), "");
  EXPECT_EQ(at(kNow + 301), "signature-not-yet-valid");
}

TEST_F(Authenticator, NonceIsSpentOnlyByAVerifiedRequest) {
  // A forged request with a victim's nonce must not burn it.
  auto forged = request("/v1/capabilities", "", {.nonce = std::string("n-1")});
  for (auto& h : forged.request.headers)
    if (h.name == "Signature") h.value[8] = h.value[8] == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(forged), "signature-invalid");
  auto genuine = request("/v1/capabilities", "", {.nonce = std::string("n-1")});
  EXPECT_EQ(refusal(genuine), "");
  auto replay = request("/v1/capabilities", "", {.nonce = std::string("n-1")});
  EXPECT_EQ(refusal(replay), "nonce-replayed");
}

TEST_F(Authenticator, DigestIsCheckedAgainstTheBody) {
  auto ok = request("/v1/capabilities", "{\"a\":1}");
  EXPECT_EQ(refusal(ok), "");
  auto bad = request("/v1/capabilities", "{\"a\":1}");
  bad.request.body = "{\"a\":2}";
  EXPECT_EQ(refusal(bad), "digest-mismatch");
}

TEST_F(Authenticator, SuspendedPartnerIsForbidden) {
  partners::Partner p{.id = "acme",
                      .display_name = "Acme",
                      .status = partners::PartnerStatus::suspended,
                      .tier = "gold",
                      .category = "internet"};
  partners::PartnerKey k{.key_id = "acme-1", .partner_id = "acme"};
  k.public_key = key.public_key();
  p.keys.push_back(k);
  directory.upsert(p);
  auto ctx = request();
  EXPECT_EQ(refusal(ctx), "partner-suspended");
}

TEST_F(Authenticator, OverlongNonceIsRefused) {
  auto ctx = request("/v1/capabilities", "", {.nonce = std::string(200, 'n')});
  EXPECT_EQ(refusal(ctx), "signature-malformed");
}

TEST(NonceCache, RemembersUntilExpiryThenForgets) {
  auth::MemoryNonceCache cache;
  EXPECT_TRUE(cache.remember("k", "n", 100, 10));
  EXPECT_FALSE(cache.remember("k", "n", 100, 50));
  EXPECT_TRUE(cache.remember("other-key", "n", 100, 50));  // nonces are per key
  EXPECT_TRUE(cache.remember("k", "n", 300, 100));         // expired: fresh use
  EXPECT_FALSE(cache.remember("k", "n", 300, 200));
}

TEST(NonceCache, SweepsExpiredEntriesAsItGrows) {
  auth::MemoryNonceCache cache;
  for (int i = 0; i < 200000; ++i) cache.remember("k", std::to_string(i), 10, 0);
  EXPECT_EQ(cache.size(), 200000u);
  // Once they expire, new inserts sweep them out instead of growing without bound.
  for (int i = 0; i < 200000; ++i) cache.remember("k", "new" + std::to_string(i), 1000, 20);
  EXPECT_LT(cache.size(), 300000u);
}

}  // namespace
