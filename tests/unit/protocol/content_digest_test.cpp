#include "octopus/protocol/content_digest.hpp"

#include <gtest/gtest.h>

namespace octopus::protocol {
namespace {

constexpr std::string_view kHello = "{\"hello\": \"world\"}";
constexpr std::string_view kHelloNewline = "{\"hello\": \"world\"}\n";
constexpr std::string_view kHello256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
constexpr std::string_view kHello512 =
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

TEST(ContentDigest, MatchesRfc9530Table) {
  EXPECT_EQ(content_digest_sha256(kHello), kHello256);
  EXPECT_EQ(content_digest_sha512(kHello), kHello512);
  EXPECT_EQ(content_digest_sha256(kHelloNewline), "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:");
  EXPECT_EQ(content_digest_sha512(kHelloNewline),
            "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:");
  EXPECT_EQ(content_digest_sha256(""), "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
  EXPECT_EQ(content_digest_sha512(""),
            "sha-512=:z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==:");
}

TEST(ContentDigest, DigestCoversExactBytesIncludingEmbeddedNul) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(content_digest_sha256(with_nul), content_digest_sha256("a"));
  EXPECT_EQ(verify_content_digest(content_digest_sha256(with_nul), with_nul), DigestCheck::ok);
}

TEST(ContentDigest, VerifyAcceptsMatchingDigests) {
  EXPECT_EQ(verify_content_digest(kHello256, kHello), DigestCheck::ok);
  EXPECT_EQ(verify_content_digest(kHello512, kHello), DigestCheck::ok);
  EXPECT_EQ(verify_content_digest(std::string(kHello256) + ", " + std::string(kHello512), kHello), DigestCheck::ok);
  EXPECT_EQ(verify_content_digest("  " + std::string(kHello256) + "\t,\t" + std::string(kHello512), kHello),
            DigestCheck::ok);
  EXPECT_EQ(verify_content_digest(content_digest_sha256(""), ""), DigestCheck::ok);
}

TEST(ContentDigest, DeprecatedAlgorithmsAreIgnored) {
  // An md5 member that is nonsense does not matter when sha-256 matches.
  EXPECT_EQ(verify_content_digest("md5=:AAAAAAAAAAAAAAAAAAAAAA==:, " + std::string(kHello256), kHello),
            DigestCheck::ok);
  EXPECT_EQ(verify_content_digest("md5=:AAAAAAAAAAAAAAAAAAAAAA==:", kHello), DigestCheck::unsupported);
  EXPECT_EQ(verify_content_digest("sha=:AAAAAAAAAAAAAAAAAAAAAAAAAAA=:, crc32c=:AAAAAA==:", kHello),
            DigestCheck::unsupported);
  EXPECT_EQ(verify_content_digest("", kHello), DigestCheck::unsupported);
}

TEST(ContentDigest, VerifyDetectsMismatch) {
  EXPECT_EQ(verify_content_digest(kHello256, kHelloNewline), DigestCheck::mismatch);
  EXPECT_EQ(verify_content_digest(kHello512, kHelloNewline), DigestCheck::mismatch);
  // Every active algorithm must match, not just one of them.
  EXPECT_EQ(verify_content_digest(std::string(kHello256) + ", " + content_digest_sha512("other"), kHello),
            DigestCheck::mismatch);
  EXPECT_EQ(verify_content_digest(content_digest_sha256("other") + ", " + std::string(kHello512), kHello),
            DigestCheck::mismatch);
  // A digest of the wrong length for its algorithm.
  EXPECT_EQ(verify_content_digest("sha-256=:AAAA:", kHello), DigestCheck::mismatch);
  // sha-512 bytes labelled sha-256.
  EXPECT_EQ(verify_content_digest("sha-256" + std::string(kHello512.substr(7)), kHello), DigestCheck::mismatch);
}

TEST(ContentDigest, VerifyRejectsMalformedFields) {
  const char* bad[] = {
      "sha-256",                                               // bare key = boolean
      "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",  // token, not a byte sequence
      "sha-256=\"X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\"",
      "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",   // unterminated
      "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:",   // not canonical base64
      "SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",  // upper-case key
      "sha-256=(:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:)",
      "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:,",
      "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=: sha-512=:AA==:",
      "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, md5=1",  // member of wrong type
      "\xff",
  };
  for (const char* field : bad) EXPECT_EQ(verify_content_digest(field, kHello), DigestCheck::malformed) << field;
}

}  // namespace
}  // namespace octopus::protocol
