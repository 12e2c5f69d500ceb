#include "octopus/protocol/structured_fields.hpp"

#include <gtest/gtest.h>

#include <string>

namespace octopus::protocol::sf {
namespace {

std::string reserialize_item(std::string_view in) {
  const auto parsed = parse_item(in);
  if (!parsed) return "<parse error>";
  return serialize_item(*parsed).value_or("<serialize error>");
}
std::string reserialize_list(std::string_view in) {
  const auto parsed = parse_list(in);
  if (!parsed) return "<parse error>";
  return serialize_list(*parsed).value_or("<serialize error>");
}
std::string reserialize_dictionary(std::string_view in) {
  const auto parsed = parse_dictionary(in);
  if (!parsed) return "<parse error>";
  return serialize_dictionary(*parsed).value_or("<serialize error>");
}

// ---------------------------------------------------------------------------------------
// Examples from RFC 8941 §3, parsed and serialized back to their canonical form.

TEST(StructuredFields, Rfc8941ListExamples) {
  EXPECT_EQ(reserialize_list("sugar, tea, rum"), "sugar, tea, rum");
  EXPECT_EQ(reserialize_list("sugar,tea,   rum"), "sugar, tea, rum");
  EXPECT_EQ(reserialize_list("\"foo\", \"bar\", \"It was the best of times.\""),
            "\"foo\", \"bar\", \"It was the best of times.\"");
  EXPECT_EQ(reserialize_list("(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()"),
            "(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()");
  EXPECT_EQ(reserialize_list("(\"foo\"; a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1"),
            "(\"foo\";a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1");
  EXPECT_EQ(reserialize_list("abc;a=1;b=2; cde_456, (ghi;jk=4 l);q=\"9\";r=w"),
            "abc;a=1;b=2;cde_456, (ghi;jk=4 l);q=\"9\";r=w");
  EXPECT_EQ(reserialize_list(""), "");
}

TEST(StructuredFields, Rfc8941DictionaryExamples) {
  EXPECT_EQ(reserialize_dictionary("en=\"Applepie\", da=:w4ZibGV0w6ZydGUK:"), "en=\"Applepie\", da=:w4ZibGV0w6ZydGUK:");
  EXPECT_EQ(reserialize_dictionary("a=?0, b, c; foo=bar"), "a=?0, b, c;foo=bar");
  EXPECT_EQ(reserialize_dictionary("rating=1.5, feelings=(joy sadness)"), "rating=1.5, feelings=(joy sadness)");
  EXPECT_EQ(reserialize_dictionary("a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid"), "a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid");
  EXPECT_EQ(reserialize_dictionary("a=?1"), "a");
}

TEST(StructuredFields, Rfc8941ItemExamples) {
  EXPECT_EQ(reserialize_item("5; foo=bar"), "5;foo=bar");
  EXPECT_EQ(reserialize_item("42"), "42");
  EXPECT_EQ(reserialize_item("-42"), "-42");
  EXPECT_EQ(reserialize_item("4.5"), "4.5");
  EXPECT_EQ(reserialize_item("\"hello world\""), "\"hello world\"");
  EXPECT_EQ(reserialize_item("foo123/456"), "foo123/456");
  EXPECT_EQ(reserialize_item(":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:"),
            ":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:");
  EXPECT_EQ(reserialize_item("?1"), "?1");
  EXPECT_EQ(reserialize_item("?0"), "?0");
  EXPECT_EQ(reserialize_item("*foo:bar/baz"), "*foo:bar/baz");
  EXPECT_EQ(reserialize_item("::"), "::");
  EXPECT_EQ(reserialize_item("\"\""), "\"\"");
}

TEST(StructuredFields, SignatureInputRoundTripsByteForByte) {
  const std::string input =
      "sig1=(\"@method\" \"@target-uri\" \"@authority\" \"@path\" \"@query\" \"content-type\" \"content-digest\")"
      ";created=1700000000;expires=1700000300;nonce=\"bm9uY2UtMTIz\";keyid=\"test-key-ed25519\";alg=\"ed25519\""
      ";tag=\"gw-v1\"";
  EXPECT_EQ(reserialize_dictionary(input), input);
  const std::string with_params = "sig=(\"@query-param\";name=\"Pet\" \"signature\";req;key=\"sig1\");created=1";
  EXPECT_EQ(reserialize_dictionary(with_params), with_params);
}

TEST(StructuredFields, ParsesTypedValues) {
  const auto item = parse_item("\"a\\\"b\\\\c\";n=-7;d=-0.25;t=tok;b=:AQID:;f=?0;x");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(std::get<std::string>(item->value), "a\"b\\c");
  ASSERT_EQ(item->params.size(), 6u);
  EXPECT_EQ(std::get<std::int64_t>(*find_param(item->params, "n")), -7);
  EXPECT_EQ(std::get<Decimal>(*find_param(item->params, "d")).thousandths, -250);
  EXPECT_EQ(std::get<Token>(*find_param(item->params, "t")).value, "tok");
  EXPECT_EQ(std::get<ByteSequence>(*find_param(item->params, "b")).bytes, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_FALSE(std::get<bool>(*find_param(item->params, "f")));
  EXPECT_TRUE(std::get<bool>(*find_param(item->params, "x")));
  EXPECT_EQ(find_param(item->params, "missing"), nullptr);
  EXPECT_EQ(serialize_item(*item).value(), "\"a\\\"b\\\\c\";n=-7;d=-0.25;t=tok;b=:AQID:;f=?0;x");
}

TEST(StructuredFields, IntegerAndDecimalLimits) {
  EXPECT_EQ(std::get<std::int64_t>(parse_item("999999999999999")->value), 999999999999999);
  EXPECT_EQ(std::get<std::int64_t>(parse_item("-999999999999999")->value), -999999999999999);
  EXPECT_EQ(reserialize_item("0001"), "1");
  EXPECT_EQ(reserialize_item("-0"), "0");
  EXPECT_EQ(reserialize_item("1.50"), "1.5");
  EXPECT_EQ(reserialize_item("1.000"), "1.0");
  EXPECT_EQ(reserialize_item("0.001"), "0.001");
  EXPECT_EQ(reserialize_item("-0.1"), "-0.1");
  EXPECT_EQ(reserialize_item("123456789012.123"), "123456789012.123");
  EXPECT_EQ(std::get<Decimal>(parse_item("123456789012.123")->value).thousandths, 123456789012123);

  EXPECT_EQ(serialize_bare_item(BareItem{std::int64_t{1'000'000'000'000'000}}), std::nullopt);
  EXPECT_EQ(serialize_bare_item(BareItem{std::int64_t{-1'000'000'000'000'000}}), std::nullopt);
  EXPECT_EQ(serialize_bare_item(BareItem{Decimal{1'000'000'000'000'000}}), std::nullopt);
  EXPECT_EQ(serialize_bare_item(BareItem{Decimal{999'999'999'999'999}}).value(), "999999999999.999");
  EXPECT_EQ(serialize_bare_item(BareItem{Decimal{-5}}).value(), "-0.005");
}

TEST(StructuredFields, DuplicateKeysKeepFirstPositionAndLastValue) {
  const auto dict = parse_dictionary("a=1, b=2, a=3");
  ASSERT_TRUE(dict.has_value());
  ASSERT_EQ(dict->size(), 2u);
  EXPECT_EQ((*dict)[0].first, "a");
  EXPECT_EQ(std::get<std::int64_t>(std::get<Item>((*dict)[0].second).value), 3);
  EXPECT_EQ((*dict)[1].first, "b");
  EXPECT_EQ(reserialize_item("x;a=1;b=2;a=3"), "x;a=3;b=2");
  // Past the size where lookups switch to a hash index, the rule is unchanged.
  EXPECT_EQ(reserialize_dictionary("k0=0, k1=1, k2=2, k3=3, k4=4, k5=5, k6=6, k7=7, k8=8, k9=9, k3=33, k9=99, k10"),
            "k0=0, k1=1, k2=2, k3=33, k4=4, k5=5, k6=6, k7=7, k8=8, k9=99, k10");
  EXPECT_EQ(reserialize_item("x;p0;p1;p2;p3;p4;p5;p6;p7;p8;p9;p1=?0;p9=1"), "x;p0;p1=?0;p2;p3;p4;p5;p6;p7;p8;p9=1");
}

TEST(StructuredFields, ToleratesOptionalWhitespaceWhereAllowed) {
  EXPECT_EQ(reserialize_dictionary("   a=1 ,\tb=2\t,  c  "), "a=1, b=2, c");
  EXPECT_EQ(reserialize_list("( a  b )"), "(a b)");
  EXPECT_EQ(reserialize_item("  tok  "), "tok");
}

TEST(StructuredFields, SerializersRefuseUnrepresentableValues) {
  EXPECT_EQ(serialize_bare_item(BareItem{std::string("line\nbreak")}), std::nullopt);
  EXPECT_EQ(serialize_bare_item(BareItem{std::string("caf\xc3\xa9")}), std::nullopt);
  EXPECT_EQ(serialize_bare_item(BareItem{Token{""}}), std::nullopt);
  EXPECT_EQ(serialize_bare_item(BareItem{Token{"1abc"}}), std::nullopt);
  EXPECT_EQ(serialize_bare_item(BareItem{Token{"a b"}}), std::nullopt);
  EXPECT_EQ(serialize_parameters(Parameters{{"Upper", BareItem{true}}}), std::nullopt);
  EXPECT_EQ(serialize_parameters(Parameters{{"", BareItem{true}}}), std::nullopt);
  EXPECT_EQ(serialize_dictionary(Dictionary{{"Key", ListMember{Item{BareItem{std::int64_t{1}}, {}}}}}), std::nullopt);
  EXPECT_EQ(serialize_dictionary(Dictionary{{"9key", ListMember{Item{BareItem{std::int64_t{1}}, {}}}}}), std::nullopt);
  EXPECT_EQ(serialize_parameters(Parameters{{"a", BareItem{false}}, {"b", BareItem{true}}}).value(), ";a=?0;b");
  EXPECT_EQ(serialize_inner_list(InnerList{}).value(), "()");
}

TEST(StructuredFields, ParseErrorsExplainWithoutEchoingInput) {
  std::string error;
  EXPECT_FALSE(parse_item("\"secret-value", &error).has_value());
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find("secret"), std::string::npos);
  EXPECT_TRUE(parse_item("1", &error).has_value());
  EXPECT_TRUE(error.empty());
}

// ---------------------------------------------------------------------------------------
// Every one of these must be rejected (RFC 8941 §4.2 failure rules).

enum class Kind { item, list, dictionary };
struct Malformed {
  Kind kind;
  std::string_view input;
  const char* why;
};

const Malformed kMalformed[] = {
    {Kind::item, "\"abc", "unterminated string"},
    {Kind::item, "\"a\\x\"", "bad escape"},
    {Kind::item, "\"a\\", "escape at end of input"},
    {Kind::item,
     "\"a\x01"
     "b\"",
     "control character in string"},
    {Kind::item, "\"a\tb\"", "tab in string"},
    {Kind::item, "\"caf\xc3\xa9\"", "non-ASCII in string"},
    {Kind::item, "\"a\x7f\"", "DEL in string"},
    {Kind::item, "1234567890123456", "16-digit integer"},
    {Kind::item, "-1234567890123456", "16-digit negative integer"},
    {Kind::item, "1.2345", "4 fraction digits"},
    {Kind::item, "1234567890123.5", "13 integer digits in a decimal"},
    {Kind::item, "1.", "decimal without fraction"},
    {Kind::item, "1.2.3", "two decimal points"},
    {Kind::item, "-", "lone minus"},
    {Kind::item, "- 1", "minus then space"},
    {Kind::item, "-a", "minus then letter"},
    {Kind::item, ":abc:", "byte sequence of invalid length"},
    {Kind::item, ":Zm9v", "unterminated byte sequence"},
    {Kind::item, ":Zm9v$:", "byte sequence with a non-base64 character"},
    {Kind::item, ":Zm9v :", "byte sequence with a space"},
    {Kind::item, ":Zg:", "byte sequence without padding"},
    {Kind::item, ":Zh==:", "byte sequence with non-zero pad bits"},
    {Kind::item, ":_-Ah:", "base64url byte sequence"},
    {Kind::item, ":=Zg=:", "padding first"},
    {Kind::item, "?2", "boolean that is not 0 or 1"},
    {Kind::item, "?", "boolean without value"},
    {Kind::item, "?10", "boolean with trailing digit"},
    {Kind::item, "abc;A=1", "upper-case parameter key"},
    {Kind::item, "abc;aB=1", "upper-case letter inside a parameter key"},
    {Kind::item, "abc;=1", "empty parameter key"},
    {Kind::item, "abc;a=", "parameter without value"},
    {Kind::item, "abc;", "trailing semicolon"},
    {Kind::item, "abc;1a=2", "parameter key starting with a digit"},
    {Kind::item, "1 2", "trailing garbage after an item"},
    {Kind::item, "\"abc\" x", "trailing garbage after a string"},
    {Kind::item, "\"abc\"x", "trailing garbage glued to a string"},
    {Kind::item, "abc,", "comma after an item"},
    {Kind::item, "\xc3\xa9", "non-ASCII token start"},
    {Kind::item, "abc\xc3\xa9", "non-ASCII after a token"},
    {Kind::item, "", "empty item"},
    {Kind::item, "   ", "only spaces"},
    {Kind::item, "\tabc", "leading tab"},
    {Kind::item, "abc\t", "trailing tab"},
    {Kind::item, "@abc", "invalid first character"},
    {Kind::item, "(a b)", "inner list where an item is expected"},
    {Kind::list, "a,", "trailing comma"},
    {Kind::list, "a, ", "trailing comma and space"},
    {Kind::list, "a,,b", "empty member"},
    {Kind::list, ",a", "leading comma"},
    {Kind::list, "a b", "members separated by a space"},
    {Kind::list, "(a b", "unterminated inner list"},
    {Kind::list, "(", "lone parenthesis"},
    {Kind::list, "(a,b)", "comma inside an inner list"},
    {Kind::list, "(a b)x", "junk after an inner list"},
    {Kind::list, "(\"a\"\"b\")", "inner list items not separated"},
    {Kind::list, "((a))", "nested inner list"},
    {Kind::list, "( ;a)", "parameter without an item in an inner list"},
    {Kind::list, "(a) ;b", "space before inner list parameters"},
    {Kind::list, "a\xff", "non-ASCII byte"},
    {Kind::dictionary, "A=1", "upper-case key"},
    {Kind::dictionary, "aB=1", "upper-case letter inside a key"},
    {Kind::dictionary, "a=1,", "trailing comma"},
    {Kind::dictionary, "a=", "member without value"},
    {Kind::dictionary, "=1", "member without key"},
    {Kind::dictionary, "a=1 b=2", "members without a comma"},
    {Kind::dictionary, "a=(1 2", "unterminated inner list"},
    {Kind::dictionary, "1a=2", "key starting with a digit"},
    {Kind::dictionary, "a=1;", "trailing semicolon"},
    {Kind::dictionary, "a =1", "space before '='"},
    {Kind::dictionary, "a= 1", "space after '='"},
    {Kind::dictionary, "sig1=(\"@method\" \"@path\");created=1.5x", "junk after a decimal parameter"},
    {Kind::dictionary, "sig1=(\"@method\" \"@path\";created=1", "Signature-Input with unterminated inner list"},
    {Kind::dictionary, "sig1=(\"@method\" \"@path\")created=1", "parameter without semicolon"},
    {Kind::dictionary, "sig1=(\"@method\" \"@path\");keyid=\"k", "unterminated keyid"},
    {Kind::dictionary, "sig1=(\"@method\" \"@path\");created=12345678901234567", "17-digit created"},
    {Kind::dictionary, "sig1=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQ:x", "junk after a byte sequence"},
    {Kind::dictionary, "sig1=(\"@method\")\r\n", "CRLF at the end"},
    {Kind::dictionary, "sig\xc3\xa9=1", "non-ASCII key"},
};

TEST(StructuredFields, RejectsMalformedInput) {
  int rejected = 0;
  for (const auto& bad : kMalformed) {
    std::string error;
    bool parsed = false;
    switch (bad.kind) {
      case Kind::item: parsed = parse_item(bad.input, &error).has_value(); break;
      case Kind::list: parsed = parse_list(bad.input, &error).has_value(); break;
      case Kind::dictionary: parsed = parse_dictionary(bad.input, &error).has_value(); break;
    }
    EXPECT_FALSE(parsed) << bad.why;
    if (!parsed) {
      EXPECT_FALSE(error.empty()) << bad.why;
      ++rejected;
    }
  }
  EXPECT_GE(rejected, 30);
}

}  // namespace
}  // namespace octopus::protocol::sf
