// RFC 9421 partner authentication over real TLS: one success and each kind of refusal,
// with its own status and problem type.
#include <gtest/gtest.h>

#include <chrono>

#include "gateway_harness.hpp"
#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/content_digest.hpp"
#include "octopus/protocol/message_signatures.hpp"

using octopus::client::Credential;
using octopus::client::HeaderField;
using octopus::client::SigningOverrides;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class PartnerAuth : public ::testing::Test {
 protected:
  GatewayHarness gw;
  Credential acme = gw.create_partner("acme", {"audiences:read", "audiences:write", "deliveries:write"});

  // Signs by hand with the given components, for requests the SDK signer would never make.
  std::vector<HeaderField> signed_with(const std::vector<std::string>& components, const std::string& target,
                                       std::vector<HeaderField> headers = {}, std::int64_t created = now(),
                                       const std::string& nonce = octopus::protocol::generate_nonce(),
                                       const std::string& keyid = "") {
    const std::string authority = gw.authority();
    headers.push_back({"Host", authority});
    octopus::protocol::RequestView view{"GET", "https", authority, target, &headers};
    octopus::protocol::SignOptions o;
    o.components = components;
    o.keyid = keyid.empty() ? acme.key_id : keyid;
    o.created = created;
    o.nonce = nonce;
    auto f = octopus::protocol::sign_request(view, o, acme.key, nullptr);
    EXPECT_TRUE(f.has_value());
    headers.push_back({"Signature-Input", f->signature_input});
    headers.push_back({"Signature", f->signature});
    return headers;
  }
};

TEST_F(PartnerAuth, SignedRequestSucceedsAndSaysWhoThePartnerIs) {
  auto r = gw.partner("GET", "/v1/capabilities", acme);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["partner_id"], "acme");
  EXPECT_EQ(body["tier"], "gold");
  EXPECT_EQ(body["category"], "internet");
  // audiences: read+write, deliveries: write; nothing else.
  ASSERT_EQ(body["capabilities"].size(), 2u);
  EXPECT_EQ(body["capabilities"][0]["name"], "audiences");
  EXPECT_EQ(body["capabilities"][0]["operations"], nlohmann::json({"read", "write"}));
  EXPECT_EQ(body["capabilities"][1]["name"], "deliveries");
  EXPECT_EQ(body["capabilities"][1]["operations"], nlohmann::json({"write"}));
  EXPECT_EQ(r.header("x-request-id").size(), 32u);
}

TEST_F(PartnerAuth, KeepAliveConnectionServesManyFreshlySignedRequests) {
  auto conn = gw.partner_connection();
  for (int i = 0; i < 20; ++i) {
    std::vector<HeaderField> headers;
    octopus::client::sign_request("GET", gw.authority(), "/v1/capabilities", headers, "", acme);
    auto r = conn.send("GET", "/v1/capabilities", headers);
    ASSERT_EQ(r.status, 200) << r.body;
  }
}

TEST_F(PartnerAuth, UnsignedRequestIsRefused) {
  auto r = gw.partner_raw("GET", "/v1/capabilities", {});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "signature-missing");
}

TEST_F(PartnerAuth, MalformedSignatureFieldsAreRefused) {
  auto r = gw.partner_raw("GET", "/v1/capabilities",
                          {{"Signature-Input", "sig1=(\"@method\";created=oops"}, {"Signature", "sig1=:AAAA:"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "signature-malformed");
}

TEST_F(PartnerAuth, TamperedSignatureIsRefused) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities");
  for (auto& h : headers)
    if (h.name == "Signature") h.value[6] = h.value[6] == 'A' ? 'B' : 'A';
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "signature-invalid");
}

TEST_F(PartnerAuth, SignatureForAnotherPathIsRefused) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/audiences");
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "signature-invalid");
}

TEST_F(PartnerAuth, UnknownKeyIsRefused) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities", {}, now(),
                             octopus::protocol::generate_nonce(), "nobody-key");
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "unknown-key");
}

TEST_F(PartnerAuth, RevokedKeyStopsWorkingAtOnce) {
  ASSERT_EQ(gw.partner("GET", "/v1/capabilities", acme).status, 200);
  auto revoke = gw.admin("DELETE", "/admin/v1/partners/acme/keys/" + acme.key_id);
  ASSERT_EQ(revoke.status, 200) << revoke.body;
  auto r = gw.partner("GET", "/v1/capabilities", acme);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "key-revoked");
}

TEST_F(PartnerAuth, ExpiredSignatureIsRefused) {
  auto r = gw.partner("GET", "/v1/capabilities", acme, "", SigningOverrides{.created = now() - 301});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "signature-expired");
}

TEST_F(PartnerAuth, SignatureFromTheFutureIsRefused) {
  auto r = gw.partner("GET", "/v1/capabilities", acme, "", SigningOverrides{.created = now() + 301});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "signature-not-yet-valid");
}

TEST_F(PartnerAuth, ClockSkewWithinTheWindowIsAccepted) {
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", acme, "", SigningOverrides{.created = now() - 250}).status, 200);
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", acme, "", SigningOverrides{.created = now() + 250}).status, 200);
}

TEST_F(PartnerAuth, ReplayedNonceIsRefused) {
  const SigningOverrides same{.nonce = std::string("the-same-nonce-twice")};
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", acme, "", same).status, 200);
  auto r = gw.partner("GET", "/v1/capabilities", acme, "", same);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "nonce-replayed");
}

TEST_F(PartnerAuth, ReplayOfTheExactSameRequestBytesIsRefused) {
  std::vector<HeaderField> headers;
  octopus::client::sign_request("GET", gw.authority(), "/v1/capabilities", headers, "", acme);
  EXPECT_EQ(gw.partner_raw("GET", "/v1/capabilities", headers).status, 200);
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "nonce-replayed");
}

TEST_F(PartnerAuth, MissingNonceIsRefused) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities", {}, now(), "");
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "nonce-missing");
}

TEST_F(PartnerAuth, BodyWhoseDigestDoesNotMatchIsRefused) {
  // Sign a body, then send another one of the same length.
  const std::string body = R"({"probe":1})";
  std::vector<HeaderField> headers{{"Content-Type", "application/json"}};
  octopus::client::sign_request("GET", gw.authority(), "/v1/capabilities", headers, body, acme);
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers, R"({"probe":2})");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "digest-mismatch");
}

TEST_F(PartnerAuth, BodyWithMatchingDigestIsAccepted) {
  auto r = gw.partner("GET", "/v1/capabilities", acme, R"({"probe":1})", {}, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(PartnerAuth, BodyWithoutSignedDigestIsRefused) {
  const std::string body = "{}";
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities",
                             {{"Content-Digest", octopus::protocol::content_digest_sha256(body)}});
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers, body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "component-missing");
}

TEST_F(PartnerAuth, UncoveredAuthorityIsRefused) {
  auto headers = signed_with({"@method", "@path"}, "/v1/capabilities");
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "component-missing");
}

TEST_F(PartnerAuth, UncoveredQueryIsRefused) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities?x=1");
  auto r = gw.partner_raw("GET", "/v1/capabilities?x=1", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "component-missing");
}

TEST_F(PartnerAuth, UncoveredIdempotencyKeyIsRefused) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities", {{"Idempotency-Key", "\"k-1\""}});
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "component-missing");
}

TEST_F(PartnerAuth, OtherAlgorithmIsRefused) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities");
  for (auto& h : headers)
    if (h.name == "Signature-Input") h.value += ";alg=\"rsa-pss-sha512\"";
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(problem_slug(r), "algorithm-unsupported");
}

TEST_F(PartnerAuth, SuspendedPartnerIsForbiddenAndReinstatedPartnerIsServed) {
  ASSERT_EQ(gw.admin("PATCH", "/admin/v1/partners/acme", {{"status", "suspended"}}).status, 200);
  auto r = gw.partner("GET", "/v1/capabilities", acme);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(problem_slug(r), "partner-suspended");
  ASSERT_EQ(gw.admin("PATCH", "/admin/v1/partners/acme", {{"status", "active"}}).status, 200);
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", acme).status, 200);
}

TEST_F(PartnerAuth, ScopeChangesShowAtOnce) {
  ASSERT_EQ(gw.admin("PATCH", "/admin/v1/partners/acme", {{"scopes", {"settlements:read"}}}).status, 200);
  auto body = nlohmann::json::parse(gw.partner("GET", "/v1/capabilities", acme).body);
  EXPECT_EQ(body["scopes"], nlohmann::json({"settlements:read"}));
  EXPECT_EQ(body["capabilities"], nlohmann::json::parse(R"([{"name":"settlements","operations":["read"]}])"));
}

TEST_F(PartnerAuth, ProblemDetailsNeverCarryKeyMaterial) {
  auto headers = signed_with({"@method", "@authority", "@path"}, "/v1/capabilities");
  std::string signature;
  for (auto& h : headers)
    if (h.name == "Signature") {
      h.value[6] = h.value[6] == 'A' ? 'B' : 'A';
      signature = h.value;
    }
  auto r = gw.partner_raw("GET", "/v1/capabilities", headers);
  ASSERT_EQ(r.status, 401);
  const auto pk = acme.key.public_key();
  EXPECT_EQ(r.body.find(signature.substr(6, 20)), std::string::npos);
  EXPECT_EQ(r.body.find(octopus::protocol::base64_encode(pk.data(), pk.size()).substr(0, 20)), std::string::npos);
  EXPECT_EQ(r.body.find("\"@signature-params\""), std::string::npos);
}

TEST_F(PartnerAuth, UnknownPathIs404AndWrongMethodIs405) {
  auto r = gw.partner("GET", "/v1/nothing-here", acme);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(problem_slug(r), "not-found");
  auto m = gw.partner("DELETE", "/v1/capabilities", acme);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.header("allow"), "GET");
}

}  // namespace
