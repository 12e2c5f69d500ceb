// Hostile-input tests: deterministic mutations of valid fields and pathological sizes. The
// parsers must never crash, hang or accept something they cannot re-serialize faithfully.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "octopus/protocol/content_digest.hpp"
#include "octopus/protocol/message_signatures.hpp"
#include "octopus/protocol/structured_fields.hpp"
#include "test_vectors.hpp"

namespace octopus::protocol {
namespace {

// A fixed 64-bit LCG (Knuth MMIX constants): the same mutations on every platform and run.
class Lcg {
 public:
  explicit Lcg(std::uint64_t seed) : state_(seed) {}
  std::uint32_t next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state_ >> 33);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t state_;
};

// Characters that matter to the grammar, plus a few that never should appear.
constexpr std::string_view kInteresting = "\"\\()=;,:?*-.0123456789aAzZ@ \t\r\n\x7f\x80\xff\x00";

std::string mutate(std::string s, Lcg& rng) {
  const std::size_t rounds = 1 + rng.below(4);
  for (std::size_t i = 0; i < rounds; ++i) {
    const std::size_t pos = rng.below(s.size() + 1);
    const char c = rng.below(4) == 0 ? static_cast<char>(rng.below(256)) : kInteresting[rng.below(kInteresting.size())];
    switch (rng.below(6)) {
      case 0:  // replace
        if (pos < s.size()) s[pos] = c;
        break;
      case 1:  // insert
        s.insert(pos, 1, c);
        break;
      case 2:  // delete
        if (pos < s.size()) s.erase(pos, 1);
        break;
      case 3:  // duplicate a slice
        if (pos < s.size()) s.insert(pos, s.substr(pos, rng.below(16)));
        break;
      case 4:  // truncate
        s.resize(pos);
        break;
      default:  // swap two bytes
        if (!s.empty()) std::swap(s[rng.below(s.size())], s[rng.below(s.size())]);
        break;
    }
  }
  return s;
}

// Anything the parser accepts must serialize, and that serialization must be a fixed point.
void expect_canonical_fixed_point(const std::string& input) {
  if (const auto dict = sf::parse_dictionary(input)) {
    const auto once = sf::serialize_dictionary(*dict);
    ASSERT_TRUE(once.has_value()) << input;
    const auto reparsed = sf::parse_dictionary(*once);
    ASSERT_TRUE(reparsed.has_value()) << *once;
    EXPECT_EQ(sf::serialize_dictionary(*reparsed), once);
  }
  if (const auto list = sf::parse_list(input)) {
    const auto once = sf::serialize_list(*list);
    ASSERT_TRUE(once.has_value()) << input;
    const auto reparsed = sf::parse_list(*once);
    ASSERT_TRUE(reparsed.has_value()) << *once;
    EXPECT_EQ(sf::serialize_list(*reparsed), once);
  }
  if (const auto item = sf::parse_item(input)) {
    const auto once = sf::serialize_item(*item);
    ASSERT_TRUE(once.has_value()) << input;
    EXPECT_EQ(sf::serialize_item(sf::parse_item(*once).value()), once);
  }
}

TEST(Robustness, MutatedSignatureFieldsNeverCrashOrForge) {
  const std::string inputs[] = {
      std::string(test::kB26SignatureInput),
      "sig1=(\"@method\" \"@target-uri\" \"@authority\" \"@path\" \"@query\" \"content-type\" \"content-digest\")"
      ";created=1700000000;expires=1700000300;nonce=\"bm9uY2UtMTIz\";keyid=\"test-key-ed25519\";alg=\"ed25519\""
      ";tag=\"gw-v1\"",
      "a=(\"@query-param\";name=\"Pet\" \"x-empty\");created=-5;f=?0;d=1.5, b=();tag=tok",
  };
  const std::string signatures[] = {
      std::string(test::kB26Signature),
      "sig1=:C83N/JvIdtYhppaN02ZZOGuIv70xo9sWdpv5iYfcHPjyOxiibVI+HjxezbsCj8upWryTsQ25Ux3yQebFiGEuDw==:",
  };
  const auto headers = test::rfc_test_request_headers();
  const auto request = test::rfc_test_request(headers);
  const auto key = test::test_public_key();
  const auto original =
      sf::serialize_inner_list(std::get<sf::InnerList>(sf::parse_dictionary(test::kB26SignatureInput)->front().second));

  Lcg rng(0x0C7090'5ULL);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string input = mutate(inputs[rng.below(std::size(inputs))], rng);
    expect_canonical_fixed_point(input);

    SignatureError error = SignatureError::none;
    const auto parsed = parse_signature(input, test::kB26Signature, "", &error);
    if (!parsed) {
      EXPECT_NE(error, SignatureError::none);
      continue;
    }
    ++accepted;
    const auto base = signature_base(request, parsed->covered, &error);
    // A mutation may only verify if it is the same signature input in another spelling.
    if (base && verify_signature(*parsed, *base, key)) {
      EXPECT_EQ(sf::serialize_inner_list(parsed->covered), original) << input;
    }
  }
  EXPECT_GT(accepted, 0);  // the loop did exercise the success path

  for (int i = 0; i < 5000; ++i) {
    const std::string signature = mutate(signatures[rng.below(std::size(signatures))], rng);
    expect_canonical_fixed_point(signature);
    SignatureError error = SignatureError::none;
    const auto parsed = parse_signature(test::kB26SignatureInput, signature, "", &error);
    if (!parsed) continue;
    const auto base = signature_base(request, parsed->covered, &error);
    ASSERT_TRUE(base.has_value());
    if (verify_signature(*parsed, *base, key)) {
      EXPECT_EQ(sf::serialize_dictionary(sf::parse_dictionary(signature).value()), std::string(test::kB26Signature));
    }
  }
}

TEST(Robustness, MutatedContentDigestNeverCrashes) {
  const std::string body = "{\"hello\": \"world\"}";
  const std::string field = content_digest_sha256(body) + ", " + content_digest_sha512(body);
  Lcg rng(42);
  for (int i = 0; i < 5000; ++i) {
    const std::string mutated = mutate(field, rng);
    const auto result = verify_content_digest(mutated, body);
    if (result != DigestCheck::ok) continue;
    // Only a respelling of the true digests may pass: every active member is one of them.
    const auto dict = sf::parse_dictionary(mutated);
    ASSERT_TRUE(dict.has_value());
    for (const auto& member : *dict) {
      if (member.first != "sha-256" && member.first != "sha-512") continue;
      const auto text = sf::serialize_dictionary(sf::Dictionary{member}).value();
      EXPECT_TRUE(text == content_digest_sha256(body) || text == content_digest_sha512(body)) << mutated;
    }
  }
}

TEST(Robustness, PathologicalSizesAreLinear) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = 1 << 20;
  EXPECT_FALSE(sf::parse_dictionary(std::string(n, '(')).has_value());
  EXPECT_FALSE(sf::parse_dictionary("a=(" + std::string(n, ' ')).has_value());
  EXPECT_FALSE(sf::parse_item(std::string(n, ' ')).has_value());
  EXPECT_FALSE(sf::parse_item("\"" + std::string(n, 'a')).has_value());
  EXPECT_FALSE(sf::parse_item(std::string(n, '9')).has_value());
  EXPECT_FALSE(sf::parse_item(":" + std::string(n, 'A')).has_value());
  EXPECT_FALSE(sf::parse_item("a" + std::string(n, ';')).has_value());

  // Many members and parameters: accepted, but still linear.
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "k" + std::to_string(i) + "=" + std::to_string(i) + ", ";
  many += "last";
  const auto dict = sf::parse_dictionary(many);
  ASSERT_TRUE(dict.has_value());
  EXPECT_EQ(dict->size(), 20001u);

  SignatureError error = SignatureError::none;
  EXPECT_FALSE(parse_signature(std::string(n, '('), std::string(n, ':'), "", &error).has_value());
  EXPECT_EQ(error, SignatureError::malformed_headers);

  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Generous bound: only a quadratic or looping parser gets near it.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 20);
}

}  // namespace
}  // namespace octopus::protocol
