#include <gtest/gtest.h>

#include <set>

#include "octopus/protocol/standard_webhooks.hpp"
#include "octopus/sdk/webhook_verifier.hpp"

using namespace octopus;

namespace {

constexpr std::int64_t kNow = 1'765'000'000;
const std::string kBody = R"({"type":"settlement.earned","data":{"amount_fen":320}})";

struct Signed {
  protocol::WebhookSecret secret = protocol::WebhookSecret::generate();
  WebhookHeaders headers(std::int64_t at = kNow, const std::string& body = kBody) const {
    return {"msg_1", std::to_string(at), protocol::webhook_signature_v1(secret, "msg_1", at, body)};
  }
};

WebhookVerifier at_now(const std::vector<std::string>& secrets) {
  WebhookVerifier v(secrets);
  v.clock([] { return kNow; });
  return v;
}

WebhookRejection rejection(const WebhookVerifier& v, const WebhookHeaders& h, const std::string& body) {
  try {
    v.verify(h, body);
  } catch (const WebhookVerificationError& e) {
    return e.reason();
  }
  ADD_FAILURE() << "verified";
  return WebhookRejection::malformed;
}

}  // namespace

TEST(SdkWebhookVerifier, AnAuthenticFreshCallbackVerifiesAndATamperedOneDoesNot) {
  const Signed s;
  const auto v = at_now({s.secret.to_string()});
  EXPECT_NO_THROW(v.verify(s.headers(), kBody));
  EXPECT_EQ(rejection(v, s.headers(), kBody + " "), WebhookRejection::bad_signature);
  auto other_id = s.headers();
  other_id.id = "msg_2";
  EXPECT_EQ(rejection(v, other_id, kBody), WebhookRejection::bad_signature);
  const Signed stranger;
  EXPECT_EQ(rejection(at_now({stranger.secret.to_string()}), s.headers(), kBody), WebhookRejection::bad_signature);
}

TEST(SdkWebhookVerifier, TimestampsOutsideTheToleranceAreStale) {
  const Signed s;
  auto v = at_now({s.secret.to_string()});
  EXPECT_EQ(rejection(v, s.headers(kNow - 301), kBody), WebhookRejection::stale);
  EXPECT_EQ(rejection(v, s.headers(kNow + 301), kBody), WebhookRejection::stale);
  EXPECT_NO_THROW(v.verify(s.headers(kNow - 299), kBody));
  v.tolerance(std::chrono::seconds(10));
  EXPECT_EQ(rejection(v, s.headers(kNow - 11), kBody), WebhookRejection::stale);
}

TEST(SdkWebhookVerifier, DuringARotationEitherSecretVerifies) {
  const Signed old_secret, new_secret;
  const auto v = at_now({new_secret.secret.to_string(), old_secret.secret.to_string()});
  EXPECT_TRUE(v.is_valid(old_secret.headers(), kBody));
  EXPECT_TRUE(v.is_valid(new_secret.headers(), kBody));
  // The gateway sends both signatures in one header during the overlap.
  auto both = new_secret.headers();
  both.signature = protocol::webhook_signature_header({old_secret.secret, new_secret.secret}, "msg_1", kNow, kBody);
  EXPECT_TRUE(at_now({old_secret.secret.to_string()}).is_valid(both, kBody));
}

TEST(SdkWebhookVerifier, Ed25519SignaturesVerifyWithThePublishedKey) {
  const auto key = protocol::Ed25519PrivateKey::generate();
  const WebhookHeaders h{"msg_1", std::to_string(kNow), protocol::webhook_signature_v1a(key, "msg_1", kNow, kBody)};
  WebhookVerifier v;
  v.clock([] { return kNow; }).add_public_key(protocol::webhook_public_key_to_string(key.public_key()));
  EXPECT_NO_THROW(v.verify(h, kBody));
  EXPECT_EQ(rejection(v, h, kBody + "x"), WebhookRejection::bad_signature);
}

TEST(SdkWebhookVerifier, TheReplayGuardRefusesAnIdSeenBefore) {
  const Signed s;
  std::set<std::string> seen;
  auto v = at_now({s.secret.to_string()});
  v.replay_guard([&seen](const std::string& id) { return seen.insert(id).second; });
  EXPECT_NO_THROW(v.verify(s.headers(), kBody));
  EXPECT_EQ(rejection(v, s.headers(), kBody), WebhookRejection::replayed);
}

TEST(SdkWebhookVerifier, MissingHeadersAndMalformedSecretsAreSaidSo) {
  const Signed s;
  const auto v = at_now({s.secret.to_string()});
  EXPECT_EQ(rejection(v, {"msg_1", "", ""}, kBody), WebhookRejection::malformed);
  EXPECT_EQ(rejection(v, {"msg_1", "yesterday", s.headers().signature}, kBody), WebhookRejection::malformed);
  EXPECT_THROW(WebhookVerifier({"whsec_!!"}), std::invalid_argument);
  EXPECT_THROW(WebhookVerifier().add_public_key("whpk_short"), std::invalid_argument);
  EXPECT_EQ(rejection(WebhookVerifier(), s.headers(), kBody), WebhookRejection::malformed);
}
