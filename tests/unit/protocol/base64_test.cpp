#include "octopus/protocol/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace octopus::protocol {
namespace {

std::string as_string(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesRfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"},
  };
  for (const auto& [text, plain] : cases) {
    const auto decoded = base64_decode(text);
    ASSERT_TRUE(decoded.has_value()) << text;
    EXPECT_EQ(as_string(*decoded), plain);
  }
}

TEST(Base64, UsesStandardAlphabetForHighBytes) {
  const std::uint8_t bytes[] = {0xFB, 0xFF, 0xBF};
  EXPECT_EQ(base64_encode(bytes, sizeof bytes), "+/+/");
}

TEST(Base64, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const std::string slice = all.substr(all.size() - len);
    const auto decoded = base64_decode(base64_encode(slice));
    ASSERT_TRUE(decoded.has_value()) << len;
    EXPECT_EQ(as_string(*decoded), slice);
  }
}

TEST(Base64, RejectsNonCanonicalOrForeignText) {
  const char* bad[] = {
      "Zg",           // missing padding
      "Zg=",          // short padding
      "Zm9",          // length not a multiple of 4
      "Zh==",         // non-zero trailing bits (2 padding)
      "Zm9=",         // non-zero trailing bits (1 padding)
      "Z===",         // too much padding
      "====",         // padding only
      "=Zg=",         // padding first
      "Zg==Zg==",     // padding in the middle
      "Zm=v",         // padding inside a quantum
      "Zm9v=",        // extra padding
      "Zm9v\n",       // newline
      " Zm9v",        // leading space
      "Zm9 v",        // inner space
      "Zm-v",         // base64url alphabet
      "Zm_v",         // base64url alphabet
      "Zm9\xc3\xa9",  // non-ASCII
      "Zm9v.AAA",     // punctuation
  };
  for (const char* text : bad) EXPECT_FALSE(base64_decode(text).has_value()) << text;
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4)).has_value());
}

}  // namespace
}  // namespace octopus::protocol
