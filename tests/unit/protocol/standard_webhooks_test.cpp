// Standard Webhooks signing and verification (docs/standards.md, "Standard Webhooks").
#include "octopus/protocol/standard_webhooks.hpp"

#include <gtest/gtest.h>

namespace octopus::protocol {
namespace {

// The example of the Standard Webhooks specification, checked independently with node's
// crypto module and the npm `standardwebhooks` package.
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
constexpr const char* kBody = R"({"test": 2432232314})";
constexpr const char* kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(StandardWebhooks, SignsTheSpecificationsExample) {
  const auto secret = WebhookSecret::parse(kSecret);
  ASSERT_TRUE(secret);
  EXPECT_EQ(webhook_signature_v1(*secret, kId, kTimestamp, kBody), kSignature);
  EXPECT_EQ(secret->to_string(), kSecret);
}

TEST(StandardWebhooks, VerifiesWithAnySecretInForceAndRefusesTampering) {
  const auto old_secret = *WebhookSecret::parse(kSecret);
  const auto new_secret = WebhookSecret::generate();
  const auto header = webhook_signature_header({old_secret, new_secret}, kId, kTimestamp, kBody);
  EXPECT_EQ(header.substr(0, std::string(kSignature).size()), kSignature);
  const auto now = kTimestamp + 10;
  // During a rotation a receiver holding either secret accepts the callback.
  EXPECT_EQ(verify_webhook({old_secret}, kId, "1614265330", kBody, header, now), WebhookVerdict::valid);
  EXPECT_EQ(verify_webhook({new_secret}, kId, "1614265330", kBody, header, now), WebhookVerdict::valid);
  EXPECT_EQ(verify_webhook({WebhookSecret::generate()}, kId, "1614265330", kBody, header, now),
            WebhookVerdict::bad_signature);
  EXPECT_EQ(verify_webhook({old_secret}, kId, "1614265330", R"({"test": 2432232315})", header, now),
            WebhookVerdict::bad_signature);
  EXPECT_EQ(verify_webhook({old_secret}, "msg_other", "1614265330", kBody, header, now), WebhookVerdict::bad_signature);
  EXPECT_EQ(verify_webhook({old_secret}, kId, "1614265331", kBody, header, now), WebhookVerdict::bad_signature);
  // Replayed long after, or from the future: refused whatever the signature.
  EXPECT_EQ(verify_webhook({old_secret}, kId, "1614265330", kBody, header, kTimestamp + 301),
            WebhookVerdict::stale_timestamp);
  EXPECT_EQ(verify_webhook({old_secret}, kId, "1614265330", kBody, header, kTimestamp - 301),
            WebhookVerdict::stale_timestamp);
  EXPECT_EQ(verify_webhook({old_secret}, kId, "16142653x0", kBody, header, now), WebhookVerdict::malformed);
  // Another scheme beside ours is skipped, not taken for a bad v1.
  EXPECT_EQ(verify_webhook({old_secret}, kId, "1614265330", kBody, "v1a,AAAA " + std::string(kSignature), now),
            WebhookVerdict::valid);
}

TEST(StandardWebhooks, SecretsHaveTheirPrefixAndEnoughBytes) {
  const auto generated = WebhookSecret::generate();
  EXPECT_EQ(generated.key().size(), 32u);
  EXPECT_EQ(generated.to_string().substr(0, 6), "whsec_");
  EXPECT_EQ(WebhookSecret::parse(generated.to_string())->key(), generated.key());
  EXPECT_NE(WebhookSecret::generate().key(), generated.key());
  EXPECT_FALSE(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));  // no prefix
  EXPECT_FALSE(WebhookSecret::parse("whsec_c2hvcnQ="));                    // 5 bytes
  EXPECT_FALSE(WebhookSecret::parse("whsec_not base64!"));
}

// v1a: an Ed25519 signature of the same content under the operator's key; a receiver holding
// the published "whpk_" key verifies it, and nothing else does.
TEST(StandardWebhooks, V1aSignaturesVerifyOnlyUnderTheOperatorKey) {
  const auto key = Ed25519PrivateKey::generate();
  const auto published = webhook_public_key_to_string(key.public_key());
  EXPECT_EQ(published.substr(0, 5), "whpk_");
  ASSERT_EQ(parse_webhook_public_key(published), key.public_key());
  EXPECT_FALSE(parse_webhook_public_key("whpk_c2hvcnQ="));  // 5 bytes
  EXPECT_FALSE(parse_webhook_public_key(published.substr(5)));
  const std::int64_t now = kTimestamp;
  const auto v1a = webhook_signature_v1a(key, kId, now, kBody);
  EXPECT_EQ(v1a.substr(0, 4), "v1a,");
  const auto header = std::string(kSignature) + " " + v1a;  // beside a v1, as callbacks carry it
  EXPECT_EQ(verify_webhook_v1a({key.public_key()}, kId, "1614265330", kBody, header, now), WebhookVerdict::valid);
  EXPECT_EQ(verify_webhook_v1a({Ed25519PrivateKey::generate().public_key()}, kId, "1614265330", kBody, header, now),
            WebhookVerdict::bad_signature);
  EXPECT_EQ(verify_webhook_v1a({key.public_key()}, kId, "1614265330", std::string(kBody) + " ", header, now),
            WebhookVerdict::bad_signature);
  EXPECT_EQ(verify_webhook_v1a({key.public_key()}, kId, "1614265330", kBody, kSignature, now),
            WebhookVerdict::bad_signature)
      << "a v1 alone is not a v1a";
  EXPECT_EQ(verify_webhook_v1a({key.public_key()}, kId, "1614265330", kBody, header, now + 301),
            WebhookVerdict::stale_timestamp);
}

}  // namespace
}  // namespace octopus::protocol
