// SMS segment counting (GSM-7 vs UCS-2) and the content rules of content.yaml.
#include <string>

#include <gtest/gtest.h>

#include <set>

#include "policy/content_checker.hpp"
#include "policy/sms_segments.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

using testing::shipped_snapshot;

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(SmsSegments, Gsm7SingleAndConcatenated) {
  auto one = count_sms_segments(repeat("a", 160));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->encoding, SmsEncoding::gsm7);
  EXPECT_EQ(one->units, 160u);
  EXPECT_EQ(one->segments, 1u);
  EXPECT_EQ(count_sms_segments(repeat("a", 161))->segments, 2u);
  EXPECT_EQ(count_sms_segments(repeat("a", 306))->segments, 2u);  // 2 × 153
  EXPECT_EQ(count_sms_segments(repeat("a", 307))->segments, 3u);
  EXPECT_EQ(count_sms_segments("")->segments, 1u);
}

TEST(SmsSegments, ExtensionCharactersTakeTwoSeptets) {
  const auto euros = count_sms_segments(repeat("€", 80));
  EXPECT_EQ(euros->encoding, SmsEncoding::gsm7);
  EXPECT_EQ(euros->units, 160u);
  EXPECT_EQ(euros->segments, 1u);
  EXPECT_EQ(count_sms_segments(repeat("a", 159) + "€")->segments, 2u);
  EXPECT_EQ(count_sms_segments(repeat("a", 158) + "[")->units, 160u);
  // An escape pair is not split: 152 + (€ moves to part 2) 2 + 151 = 153, then 1 more.
  EXPECT_EQ(count_sms_segments(repeat("a", 152) + "€" + repeat("a", 152))->segments, 3u);
}

TEST(SmsSegments, GsmBasicSetBeyondAscii) {
  // é, Ä, Δ and £ are in the GSM 03.38 default alphabet: one septet each.
  const auto latin = count_sms_segments(repeat("é", 40) + repeat("Ä", 40) + repeat("Δ", 40) + repeat("£", 40));
  EXPECT_EQ(latin->encoding, SmsEncoding::gsm7);
  EXPECT_EQ(latin->segments, 1u);
  // The backtick is not: the whole text becomes UCS-2.
  EXPECT_EQ(count_sms_segments("price `10`")->encoding, SmsEncoding::ucs2);
}

TEST(SmsSegments, Ucs2SingleAndConcatenated) {
  const auto seventy = count_sms_segments(repeat("中", 70));
  EXPECT_EQ(seventy->encoding, SmsEncoding::ucs2);
  EXPECT_EQ(seventy->segments, 1u);
  EXPECT_EQ(count_sms_segments(repeat("中", 71))->segments, 2u);
  EXPECT_EQ(count_sms_segments(repeat("中", 134))->segments, 2u);  // 2 × 67
  EXPECT_EQ(count_sms_segments(repeat("中", 135))->segments, 3u);
  // One Chinese character makes a Latin text UCS-2.
  EXPECT_EQ(count_sms_segments(repeat("a", 70) + "中")->segments, 2u);
}

TEST(SmsSegments, CharactersOutsideTheBmpTakeTwoCodeUnits) {
  EXPECT_EQ(count_sms_segments(repeat("😀", 35))->units, 70u);
  EXPECT_EQ(count_sms_segments(repeat("😀", 35))->segments, 1u);
  EXPECT_EQ(count_sms_segments(repeat("😀", 36))->segments, 2u);
}

TEST(SmsSegments, InvalidUtf8IsRefused) {
  EXPECT_FALSE(count_sms_segments("abc\xff"));
  EXPECT_FALSE(count_sms_segments("\xe4\xb8"));      // truncated 中
  EXPECT_FALSE(count_sms_segments("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(count_sms_segments("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(count_characters("回复TD退订"), 6u);
}

// ------------------------------------------------------------------------------------------

TEST(Content, CompliantSmsPasses) {
  const auto s = shipped_snapshot();
  const auto internet = *s->category_id("internet");
  const auto report = check_content(*s, Channel::sms,
                                    "【山东移动】5G流量包限时优惠，详情见 https://sd.10086.cn/5g 回复TD退订", internet);
  EXPECT_TRUE(report.ok()) << (report.violations.empty() ? "" : report.violations[0].detail);
  ASSERT_TRUE(report.sms);
  EXPECT_EQ(report.sms->encoding, SmsEncoding::ucs2);
  EXPECT_EQ(report.sms->segments, 1u);
  EXPECT_FALSE(report.human_review_required);
  EXPECT_EQ(report.version, s->version);
}

TEST(Content, SmsWithoutOptOutFooterIsRefused) {
  const auto s = shipped_snapshot();
  const auto report = check_content(*s, Channel::sms, "【山东移动】流量包优惠", *s->category_id("internet"));
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_EQ(report.violations[0].rule, "content.channels.sms.required_footer");
  // Trailing spaces after the footer are tolerated; a line break is a control character.
  EXPECT_TRUE(check_content(*s, Channel::sms, "流量包优惠 回复TD退订  ", *s->category_id("internet")).ok());
  const auto newline = check_content(*s, Channel::sms, "流量包优惠 回复TD退订\n", *s->category_id("internet"));
  ASSERT_EQ(newline.violations.size(), 1u);
  EXPECT_EQ(newline.violations[0].rule, "content.characters");
}

// Tricks that hid a banned phrase from a byte comparison, and characters that hide or reorder
// text on a phone: each is caught, the character named with its position.
TEST(Content, BannedPhrasesAreFoundThroughInvisibleAndFullWidthDisguises) {
  const auto s = shipped_snapshot();
  const auto internet = *s->category_id("internet");
  auto rules_of = [&](const std::string& text) {
    std::set<std::string> out;
    for (const auto& v : check_content(*s, Channel::push, text, internet).violations) out.insert(std::string(v.rule));
    return out;
  };
  const std::set<std::string> banned{"content.banned_phrases"};
  const std::set<std::string> banned_and_hidden{"content.banned_phrases", "content.characters"};
  EXPECT_EQ(rules_of("恭喜中\u200b奖"), banned_and_hidden) << "zero-width space";
  EXPECT_EQ(rules_of("恭喜中\u00ad奖"), banned_and_hidden) << "soft hyphen";
  EXPECT_EQ(rules_of("恭喜中\ufe0f奖"), banned) << "variation selector 16 (allowed alone, ignored in matching)";
  EXPECT_EQ(rules_of("恭喜中\u2060奖"), banned_and_hidden) << "word joiner";
  EXPECT_EQ(rules_of("本品１００％有效"), banned) << "full-width digits and percent sign";
  EXPECT_EQ(rules_of("本品100％有效"), banned);
  EXPECT_EQ(rules_of("ＶＩＰ专享，最佳选择"), banned);
  EXPECT_EQ(rules_of("全家福👨\u200d👩\u200d👧优惠"), std::set<std::string>{}) << "the emoji joiner stays allowed";
}

TEST(Content, ControlFormatAndBidiCharactersAreRefusedByNameAndPosition) {
  const auto s = shipped_snapshot();
  const auto internet = *s->category_id("internet");
  const std::vector<std::pair<std::string, std::string>> cases{
      {std::string("流量\0包", 7), "U+0000"},
      {"流量\a包", "U+0007"},
      {"流量\x1b[2J包", "U+001B"},
      {"流量\r包", "U+000D"},
      {"流量\n包", "U+000A"},
      {"流量\u202e包", "U+202E RIGHT-TO-LEFT OVERRIDE"},
      {"流量\u2066包", "U+2066 LEFT-TO-RIGHT ISOLATE"},
      {"流量\u200b包", "U+200B ZERO WIDTH SPACE"},
      {"流量\ufeff包", "U+FEFF ZERO WIDTH NO-BREAK SPACE"},
      {"流量\u0085包", "U+0085"},
      {"流量\ue000包", "U+E000"},
  };
  for (const auto& [text, name] : cases) {
    const auto report = check_content(*s, Channel::push, text, internet);
    ASSERT_EQ(report.violations.size(), 1u) << name;
    EXPECT_EQ(report.violations[0].rule, "content.characters") << name;
    EXPECT_NE(report.violations[0].detail.find("contains " + name), std::string::npos) << report.violations[0].detail;
    EXPECT_NE(report.violations[0].detail.find("at character 3"), std::string::npos) << report.violations[0].detail;
  }
}

TEST(Content, BannedPhrasesAreFound) {
  const auto s = shipped_snapshot();
  const auto report = check_content(*s, Channel::push, "全网最佳套餐，100%有效", *s->category_id("app"));
  ASSERT_EQ(report.violations.size(), 2u);
  EXPECT_EQ(report.violations[0].rule, "content.banned_phrases");
  EXPECT_EQ(report.violations[1].rule, "content.banned_phrases");
}

TEST(Content, LinksOnlyToAllowedDomains) {
  const auto s = shipped_snapshot();
  const auto app = *s->category_id("app");
  EXPECT_TRUE(check_content(*s, Channel::push, "详情 https://www.10086.cn/a?b=1", app).ok());
  EXPECT_TRUE(check_content(*s, Channel::push, "详情 10086.cn/a", app).ok());
  EXPECT_TRUE(check_content(*s, Channel::push, "价格仅5.5元，版本v1.2", app).ok());  // numbers are not domains
  for (const char* text : {"详情 http://evil.com/x", "详情 t.cn/abc", "详情 https://10086.cn@evil.com/",
                           "详情 HTTPS://EVIL.COM", "详情 https://not10086.cn", "详情 http://1.2.3.4/"}) {
    const auto report = check_content(*s, Channel::push, text, app);
    ASSERT_EQ(report.violations.size(), 1u) << text;
    EXPECT_EQ(report.violations[0].rule, "content.allowed_link_domains") << text;
  }
}

TEST(Content, LinkHostsAreExtracted) {
  EXPECT_EQ(find_link_hosts("见 HTTPS://A.Example.CN/x 和 b.cn"), (std::vector<std::string>{"a.example.cn", "b.cn"}));
  EXPECT_TRUE(find_link_hosts("no links, e.g. here").empty());
}

TEST(Content, SmsLongerThanMaxSegmentsIsRefused) {
  const auto s = shipped_snapshot();  // max 3 segments = 201 UCS-2 units
  const std::string footer = "回复TD退订";
  const auto internet = *s->category_id("internet");
  EXPECT_TRUE(check_content(*s, Channel::sms, repeat("优", 195) + footer, internet).ok());  // 201 units
  const auto report = check_content(*s, Channel::sms, repeat("优", 196) + footer, internet);
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_EQ(report.violations[0].rule, "content.channels.sms.max_segments");
  EXPECT_EQ(report.sms->segments, 4u);
}

TEST(Content, PushAndCallLengthInCharacters) {
  const auto s = shipped_snapshot();
  const auto app = *s->category_id("app");
  EXPECT_TRUE(check_content(*s, Channel::push, repeat("优", 200), app).ok());
  const auto report = check_content(*s, Channel::push, repeat("优", 201), app);
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_EQ(report.violations[0].rule, "content.channels.push.max_characters");
  EXPECT_EQ(check_content(*s, Channel::outbound_call, repeat("a", 601), *s->category_id("agent")).violations[0].rule,
            "content.channels.outbound_call.max_characters");
}

TEST(Content, HumanReviewPerCategory) {
  const auto s = shipped_snapshot();
  EXPECT_TRUE(check_content(*s, Channel::push, "hi", *s->category_id("content")).human_review_required);
  EXPECT_TRUE(check_content(*s, Channel::push, "hi", *s->category_id("agent")).human_review_required);
  EXPECT_FALSE(check_content(*s, Channel::push, "hi", *s->category_id("internet")).human_review_required);
}

TEST(Content, InvalidUtf8IsOneViolation) {
  const auto s = shipped_snapshot();
  const auto report = check_content(*s, Channel::sms, "bad \xff 回复TD退订", *s->category_id("internet"));
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_EQ(report.violations[0].rule, "content.encoding");
}

}  // namespace
}  // namespace octopus::policy
