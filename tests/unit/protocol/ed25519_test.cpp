#include "octopus/protocol/ed25519.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_vectors.hpp"

namespace octopus::protocol {
namespace {

using test::array_from_hex;

TEST(Ed25519, SeedGivesRfcPublicKey) {
  const auto key = test::test_key();
  EXPECT_EQ(key.public_key(), test::test_public_key());
  EXPECT_EQ(key.seed(), (array_from_hex<32>(test::kTestKeySeedHex)));
}

TEST(Ed25519, PemRoundTripOfRfcTestKey) {
  const auto key = Ed25519PrivateKey::from_pem(test::kTestKeyPrivatePem);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->seed(), (array_from_hex<32>(test::kTestKeySeedHex)));
  EXPECT_EQ(key->public_key(), test::test_public_key());
  // Writing it back gives the exact PKCS#8 text of RFC 9421 B.1.4.
  EXPECT_EQ(key->to_pem(), test::kTestKeyPrivatePem);
  EXPECT_EQ(ed25519_public_key_to_pem(key->public_key()), test::kTestKeyPublicPem);

  const auto again = Ed25519PrivateKey::from_pem(key->to_pem());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->public_key(), test::test_public_key());
}

TEST(Ed25519, PemWithSurroundingTextAndPublicBlock) {
  const std::string bundle =
      "key for tests\n" + std::string(test::kTestKeyPrivatePem) + std::string(test::kTestKeyPublicPem);
  const auto key = Ed25519PrivateKey::from_pem(bundle);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->public_key(), test::test_public_key());
}

TEST(Ed25519, PemRejectsOtherKeysAndGarbage) {
  // Same size and layout as an Ed25519 key but the X25519 OID: must not be accepted.
  constexpr std::string_view kX25519 =
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VuBCIEIEjzc2N8sasBmdtZFpL16trfWvIw0fBdacfKDFTDIJxm\n"
      "-----END PRIVATE KEY-----\n";
  constexpr std::string_view kP256 =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgL1vhcwuOvulyUACz\n"
      "35/ohDgtErhFb3u7ADHofbnb/mChRANCAASRf+NnaYzQSemrTQ5Pjx4vj7XnFjlT\n"
      "WjrIrDolNvO6ODc8YtIqzzFEUCxsvvqRdnaDYd1XQni5ULKnwEX2OT3v\n"
      "-----END PRIVATE KEY-----\n";
  EXPECT_FALSE(Ed25519PrivateKey::from_pem(kX25519).has_value());
  EXPECT_FALSE(Ed25519PrivateKey::from_pem(kP256).has_value());
  EXPECT_FALSE(Ed25519PrivateKey::from_pem(test::kTestKeyPublicPem).has_value());
  EXPECT_FALSE(Ed25519PrivateKey::from_pem("").has_value());
  EXPECT_FALSE(Ed25519PrivateKey::from_pem("not a key").has_value());
  EXPECT_FALSE(
      Ed25519PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").has_value());
}

TEST(Ed25519, SignatureIsDeterministicAndVerifies) {
  const auto key = test::test_key();
  const auto a = key.sign("message");
  const auto b = key.sign("message");
  EXPECT_EQ(a, b);
  EXPECT_TRUE(ed25519_verify(key.public_key(), "message", a.data(), a.size()));
  const Ed25519PrivateKey copy = key;
  EXPECT_EQ(copy.sign("message"), a);
}

TEST(Ed25519, VerifyRejectsTamperingWrongKeyAndWrongLength) {
  const auto key = test::test_key();
  auto sig = key.sign("message");
  EXPECT_FALSE(ed25519_verify(key.public_key(), "messagE", sig.data(), sig.size()));
  EXPECT_FALSE(ed25519_verify(Ed25519PrivateKey::generate().public_key(), "message", sig.data(), sig.size()));
  EXPECT_FALSE(ed25519_verify(key.public_key(), "message", sig.data(), 63));
  EXPECT_FALSE(ed25519_verify(key.public_key(), "message", nullptr, 64));
  sig[10] ^= 0x01;
  EXPECT_FALSE(ed25519_verify(key.public_key(), "message", sig.data(), sig.size()));
}

TEST(Ed25519, GeneratedKeysAreDistinctAndUsable) {
  const auto a = Ed25519PrivateKey::generate();
  auto b = Ed25519PrivateKey::generate();
  EXPECT_NE(a.public_key(), b.public_key());
  const auto sig = a.sign("x");
  EXPECT_TRUE(ed25519_verify(a.public_key(), "x", sig.data(), sig.size()));
  b = a;
  EXPECT_EQ(b.public_key(), a.public_key());
  EXPECT_EQ(Ed25519PrivateKey::from_seed(a.seed()).public_key(), a.public_key());
}

}  // namespace
}  // namespace octopus::protocol
