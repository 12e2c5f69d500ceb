// Request framing (RFC 9112 §6.1, §6.3, §3.2): every way two implementations could disagree
// about where a request ends is refused, with the status the RFC names.
#include <gtest/gtest.h>

#include "http/framing.hpp"

namespace octopus::http {
namespace {

RequestHead te(std::vector<std::string_view> lines, std::size_t content_length = 0) {
  RequestHead h;
  h.host_fields = 1;
  h.host = "api.example";
  h.transfer_encodings = std::move(lines);
  h.content_length_fields = content_length;
  return h;
}

std::string outcome(const RequestHead& h) {
  const auto p = check_framing(h);
  return p ? std::string(p->type.slug) + " " + std::to_string(p->type.status) : "ok";
}

TEST(Framing, PlainRequestsPass) {
  EXPECT_EQ(outcome(te({})), "ok");
  EXPECT_EQ(outcome(te({}, 1)), "ok");
  EXPECT_EQ(outcome(te({"chunked"})), "ok");
  EXPECT_EQ(outcome(te({"Chunked"})), "ok");
  EXPECT_EQ(outcome(te({" chunked ", ""})), "ok") << "empty list elements are ignored";
  RequestHead old;
  old.version = 10;
  EXPECT_EQ(outcome(old), "ok") << "HTTP/1.0 needs no Host";
}

TEST(Framing, AFinalCodingOtherThanChunkedIs400) {
  for (std::string_view v :
       {"xchunked", "identity", "gzip", "chunked, identity", "chunked;q=1", "chunkedx", "\"chunked\""})
    EXPECT_EQ(outcome(te({v})), "malformed-request 400") << v;
  EXPECT_EQ(outcome(te({"chunked", "gzip"})), "malformed-request 400") << "across two field lines";
  EXPECT_EQ(outcome(te({""})), "malformed-request 400");
  EXPECT_EQ(outcome(te({","})), "malformed-request 400");
}

TEST(Framing, OtherCodingsBeforeChunkedAre501AndChunkedTwiceIs400) {
  EXPECT_EQ(outcome(te({"gzip, chunked"})), "transfer-coding-unsupported 501");
  EXPECT_EQ(outcome(te({"identity", "chunked"})), "transfer-coding-unsupported 501");
  EXPECT_EQ(outcome(te({"chunked, chunked"})), "malformed-request 400");
}

TEST(Framing, TransferEncodingWithContentLengthOrInHttp10Is400) {
  EXPECT_EQ(outcome(te({"chunked"}, 1)), "malformed-request 400");
  auto old = te({"chunked"});
  old.version = 10;
  EXPECT_EQ(outcome(old), "malformed-request 400");
}

TEST(Framing, HostMustBeThereExactlyOnceAndContentLengthAtMostOnce) {
  RequestHead h;
  h.host_fields = 0;
  EXPECT_EQ(outcome(h), "malformed-request 400");
  h.host_fields = 2;
  EXPECT_EQ(outcome(h), "malformed-request 400");
  h.version = 10;
  EXPECT_EQ(outcome(h), "malformed-request 400");
  h = {};
  h.host_fields = 1;
  h.host = "api.example";
  h.content_length_fields = 2;
  EXPECT_EQ(outcome(h), "malformed-request 400");
}

TEST(Framing, TheHostMustBeHostAndPort) {
  for (std::string_view good : {"api.example", "api.example:443", "127.0.0.1:8443", "[::1]:443", "[2001:db8::1]",
                                "a-b_c~d", "xn--fiqs8s.example", "host:"}) {
    RequestHead h;
    h.host_fields = 1;
    h.host = good;
    EXPECT_EQ(outcome(h), "ok") << good;
  }
  for (std::string_view bad :
       {"", "a b: c", "api.example:44x", "api.example:1234567", "[::1", "[zz]:1", "a/b", "a@b", ":443", "a\tb"}) {
    RequestHead h;
    h.host_fields = 1;
    h.host = bad;
    EXPECT_EQ(outcome(h), "malformed-request 400") << bad;
  }
}

TEST(Framing, TheDetailQuotesAtMostAShortPrintablePartOfTheCoding) {
  const std::string huge(5000, 'x');
  const auto p = check_framing(te({huge}));
  ASSERT_TRUE(p);
  EXPECT_LT(p->detail.size(), 200u);
  const auto control = check_framing(te({"gz\x1b[2Jip, chunked"}));
  ASSERT_TRUE(control);
  EXPECT_EQ(control->detail.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace octopus::http
