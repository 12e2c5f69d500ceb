#include "octopus/protocol/message_signatures.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/content_digest.hpp"
#include "test_vectors.hpp"

namespace octopus::protocol {
namespace {

using Headers = std::vector<HeaderField>;

sf::InnerList covered_of(std::string_view signature_input) {
  const auto dict = sf::parse_dictionary(signature_input);
  EXPECT_TRUE(dict.has_value());
  if (!dict || dict->empty()) return {};
  return std::get<sf::InnerList>(dict->front().second);
}

sf::Item identifier(std::string_view text) {
  auto item = sf::parse_item(text);
  EXPECT_TRUE(item.has_value()) << text;
  return item.value_or(sf::Item{});
}

std::optional<std::string> value_of(const RequestView& request, std::string_view id, SignatureError* error = nullptr) {
  return component_value(request, identifier(id), error);
}

SignatureError error_of(const RequestView& request, std::string_view id) {
  SignatureError error = SignatureError::none;
  EXPECT_FALSE(component_value(request, identifier(id), &error).has_value()) << id;
  return error;
}

// Parses and verifies in one step, as the gateway does.
bool verifies(const RequestView& request, std::string_view input, std::string_view signature,
              const Ed25519PublicKey& key) {
  SignatureError error = SignatureError::none;
  const auto parsed = parse_signature(input, signature, "", &error);
  if (!parsed) return false;
  const auto base = signature_base(request, parsed->covered, &error);
  return base && verify_signature(*parsed, *base, key);
}

// ---------------------------------------------------------------------------------------
// RFC 9421 Appendix B.2.6

TEST(MessageSignatures, RfcB26SignatureBaseIsByteExact) {
  const Headers headers = test::rfc_test_request_headers();
  const auto request = test::rfc_test_request(headers);
  SignatureError error = SignatureError::malformed_headers;
  const auto base = signature_base(request, covered_of(test::kB26SignatureInput), &error);
  ASSERT_TRUE(base.has_value()) << to_string(error);
  EXPECT_EQ(error, SignatureError::none);
  EXPECT_EQ(*base, test::kB26Base);
  EXPECT_EQ(base->size(), 284u);
  EXPECT_EQ(test::sha256_hex(*base), test::kB26BaseSha256);
}

TEST(MessageSignatures, RfcB26SigningGivesExactFields) {
  const Headers headers = test::rfc_test_request_headers();
  const auto request = test::rfc_test_request(headers);
  SignOptions options;
  options.label = "sig-b26";
  options.components = {"date", "@method", "@path", "@authority", "content-type", "content-length"};
  options.keyid = "test-key-ed25519";
  options.created = 1618884473;
  options.include_alg = false;
  SignatureError error = SignatureError::none;
  const auto fields = sign_request(request, options, test::test_key(), &error);
  ASSERT_TRUE(fields.has_value()) << to_string(error);
  EXPECT_EQ(fields->signature_input, test::kB26SignatureInput);
  EXPECT_EQ(fields->signature, test::kB26Signature);
  EXPECT_EQ(fields->base, test::kB26Base);
}

TEST(MessageSignatures, RfcB26Verifies) {
  const Headers headers = test::rfc_test_request_headers();
  const auto request = test::rfc_test_request(headers);
  SignatureError error = SignatureError::none;
  const auto parsed = parse_signature(test::kB26SignatureInput, test::kB26Signature, "", &error);
  ASSERT_TRUE(parsed.has_value()) << to_string(error);
  EXPECT_EQ(parsed->label, "sig-b26");
  EXPECT_EQ(parsed->component_names,
            (std::vector<std::string>{"date", "@method", "@path", "@authority", "content-type", "content-length"}));
  EXPECT_EQ(parsed->params.created, 1618884473);
  EXPECT_EQ(parsed->params.keyid, "test-key-ed25519");
  EXPECT_FALSE(parsed->params.expires.has_value());
  EXPECT_FALSE(parsed->params.alg.has_value());
  EXPECT_EQ(parsed->signature.size(), 64u);

  const auto base = signature_base(request, parsed->covered, &error);
  ASSERT_TRUE(base.has_value());
  EXPECT_TRUE(verify_signature(*parsed, *base, test::test_public_key()));
  EXPECT_FALSE(verify_signature(*parsed, *base, Ed25519PrivateKey::generate().public_key()));
  // The body the Content-Digest of the vector describes.
  EXPECT_EQ(verify_content_digest(headers[3].value, "{\"hello\": \"world\"}"), DigestCheck::ok);
}

// ---------------------------------------------------------------------------------------
// RFC 9421 Appendix B.4 "transform": two Accept field lines combined with ", ".

constexpr std::string_view kTransformInput =
    "transform=(\"@method\" \"@path\" \"@authority\" \"accept\");created=1618884473;keyid=\"test-key-ed25519\"";
constexpr std::string_view kTransformSignature =
    "transform=:ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A+vyYP9t/LXlh5QMFFQ6cpLt2m0pmj3NDA==:";

TEST(MessageSignatures, RfcB4TransformVector) {
  const Headers headers = {{"Host", "example.org"},
                           {"Date", "Tue, 20 Apr 2021 02:07:55 GMT"},
                           {"Accept", "application/json"},
                           {"Accept", "*/*"},
                           {"Forwarded", "for=192.0.2.123"}};
  const RequestView request{"GET", "https", "example.org", "/demo?name1=Value1&Name2=value2", &headers};
  const auto base = signature_base(request, covered_of(kTransformInput), nullptr);
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(*base,
            "\"@method\": GET\n\"@path\": /demo\n\"@authority\": example.org\n\"accept\": application/json, */*\n"
            "\"@signature-params\": (\"@method\" \"@path\" \"@authority\" \"accept\");created=1618884473;"
            "keyid=\"test-key-ed25519\"");
  EXPECT_TRUE(verifies(request, kTransformInput, kTransformSignature, test::test_public_key()));

  // Header names match case-insensitively and surrounding whitespace is not signed.
  const Headers recased = {{"ACCEPT", "  application/json\t"}, {"accept", "*/*"}};
  const RequestView recased_request{"GET", "https", "Example.ORG", "/demo?x", &recased};
  EXPECT_TRUE(verifies(recased_request, kTransformInput, kTransformSignature, test::test_public_key()));

  const Headers swapped = {{"Accept", "*/*"}, {"Accept", "application/json"}};
  const RequestView swapped_request{"GET", "https", "example.org", "/demo", &swapped};
  EXPECT_FALSE(verifies(swapped_request, kTransformInput, kTransformSignature, test::test_public_key()));
}

// ---------------------------------------------------------------------------------------
// Project vector using every parameter (docs/standards.md §4.3).

constexpr std::string_view kExtraInput =
    "sig1=(\"@method\" \"@target-uri\" \"@authority\" \"@path\" \"@query\" \"content-type\" \"content-digest\")"
    ";created=1700000000;expires=1700000300;nonce=\"bm9uY2UtMTIz\";keyid=\"test-key-ed25519\";alg=\"ed25519\""
    ";tag=\"gw-v1\"";
constexpr std::string_view kExtraSignature =
    "sig1=:C83N/JvIdtYhppaN02ZZOGuIv70xo9sWdpv5iYfcHPjyOxiibVI+HjxezbsCj8upWryTsQ25Ux3yQebFiGEuDw==:";
constexpr std::string_view kExtraBody = "{\"item\":\"abc\",\"qty\":2}";

Headers extra_headers() {
  return {{"Host", "api.example.com"},
          {"Content-Type", "application/json"},
          {"Content-Digest", content_digest_sha256(kExtraBody)}};
}

RequestView extra_request(const Headers& headers) {
  return RequestView{"POST", "https", "api.example.com", "/v1/orders?limit=10&sort=desc", &headers};
}

SignOptions extra_options() {
  SignOptions options;
  options.label = "sig1";
  options.components = {"@method", "@target-uri", "@authority", "@path", "@query", "content-type", "content-digest"};
  options.keyid = "test-key-ed25519";
  options.created = 1700000000;
  options.expires = 1700000300;
  options.nonce = "bm9uY2UtMTIz";
  options.tag = "gw-v1";
  return options;
}

TEST(MessageSignatures, ExtraVectorWithEveryParameter) {
  const Headers headers = extra_headers();
  EXPECT_EQ(headers[2].value, "sha-256=:flboeVoNnywdyopJw2YdfXY6FbeTSSwHSZv9mQr5smo=:");
  const auto request = extra_request(headers);
  SignatureError error = SignatureError::none;
  const auto fields = sign_request(request, extra_options(), test::test_key(), &error);
  ASSERT_TRUE(fields.has_value()) << to_string(error);
  EXPECT_EQ(fields->signature_input, kExtraInput);
  EXPECT_EQ(fields->signature, kExtraSignature);
  EXPECT_EQ(fields->base,
            "\"@method\": POST\n"
            "\"@target-uri\": https://api.example.com/v1/orders?limit=10&sort=desc\n"
            "\"@authority\": api.example.com\n"
            "\"@path\": /v1/orders\n"
            "\"@query\": ?limit=10&sort=desc\n"
            "\"content-type\": application/json\n"
            "\"content-digest\": sha-256=:flboeVoNnywdyopJw2YdfXY6FbeTSSwHSZv9mQr5smo=:\n"
            "\"@signature-params\": (\"@method\" \"@target-uri\" \"@authority\" \"@path\" \"@query\" \"content-type\" "
            "\"content-digest\");created=1700000000;expires=1700000300;nonce=\"bm9uY2UtMTIz\";"
            "keyid=\"test-key-ed25519\";alg=\"ed25519\";tag=\"gw-v1\"");
  EXPECT_EQ(fields->base.size(), 488u);
  EXPECT_EQ(test::sha256_hex(fields->base), "f32e600449d1f665bdee446f4079a8d86d4fdf5e15fc2a6fc4f578f1aa698e39");

  const auto parsed = parse_signature(kExtraInput, kExtraSignature, "sig1", &error);
  ASSERT_TRUE(parsed.has_value()) << to_string(error);
  EXPECT_EQ(parsed->params.created, 1700000000);
  EXPECT_EQ(parsed->params.expires, 1700000300);
  EXPECT_EQ(parsed->params.nonce, "bm9uY2UtMTIz");
  EXPECT_EQ(parsed->params.keyid, "test-key-ed25519");
  EXPECT_EQ(parsed->params.alg, "ed25519");
  EXPECT_EQ(parsed->params.tag, "gw-v1");
  EXPECT_TRUE(verifies(request, kExtraInput, kExtraSignature, test::test_public_key()));
}

// ---------------------------------------------------------------------------------------
// Sign -> parse -> verify, and tampering.

struct SignedRequest {
  Headers headers;
  std::string method = "POST";
  std::string target = "/v1/orders?limit=10&sort=desc";
  std::string authority = "api.example.com";
  SignatureFields fields;
  RequestView view() const { return RequestView{method, "https", authority, target, &headers}; }
};

SignedRequest signed_request(const Ed25519PrivateKey& key) {
  SignedRequest r;
  r.headers = extra_headers();
  r.headers.push_back({"Idempotency-Key", "\"8e03978e-40d5-43e8-bc93-6894a57f9324\""});
  auto options = extra_options();
  options.components = required_components(r.view(), true);
  options.nonce = generate_nonce();
  SignatureError error = SignatureError::none;
  auto fields = sign_request(r.view(), options, key, &error);
  EXPECT_TRUE(fields.has_value()) << to_string(error);
  if (fields) r.fields = *fields;
  return r;
}

TEST(MessageSignatures, SignParseVerifyRoundTrip) {
  const auto key = Ed25519PrivateKey::generate();
  const auto r = signed_request(key);
  EXPECT_TRUE(verifies(r.view(), r.fields.signature_input, r.fields.signature, key.public_key()));
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, test::test_public_key()));

  const auto parsed = parse_signature(r.fields.signature_input, r.fields.signature, "sig1", nullptr);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->component_names, (std::vector<std::string>{"@method", "@authority", "@path", "@query",
                                                               "content-digest", "idempotency-key"}));
  EXPECT_EQ(signature_base(r.view(), parsed->covered, nullptr), r.fields.base);
}

TEST(MessageSignatures, TamperingBreaksVerification) {
  const auto key = Ed25519PrivateKey::generate();
  const auto original = signed_request(key);
  const auto pub = key.public_key();

  auto r = original;
  r.method = "PUT";
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));
  r = original;
  r.method = "post";  // no case folding of the method
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));
  r = original;
  r.target = "/v1/orderz?limit=10&sort=desc";
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));
  r = original;
  r.target = "/v1/orders?limit=1000&sort=desc";
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));
  r = original;
  r.authority = "evil.example.com";
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));
  r = original;
  r.headers[2].value = content_digest_sha256("{\"item\":\"abc\",\"qty\":200}");
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));
  r = original;
  r.headers[3].value = "\"another-key\"";
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));
  r = original;
  r.headers.push_back({"Idempotency-Key", "\"second\""});  // an added field line changes the value
  EXPECT_FALSE(verifies(r.view(), r.fields.signature_input, r.fields.signature, pub));

  // Flip one bit in each byte of the signature in turn.
  const auto parsed = parse_signature(original.fields.signature_input, original.fields.signature, "", nullptr);
  ASSERT_TRUE(parsed.has_value());
  for (std::size_t i = 0; i < parsed->signature.size(); ++i) {
    auto bad = *parsed;
    bad.signature[i] ^= 0x80;
    EXPECT_FALSE(verify_signature(bad, original.fields.base, pub)) << i;
  }
  // Changing a signed parameter in Signature-Input changes @signature-params.
  std::string input = original.fields.signature_input;
  input.replace(input.find("created=1700000000"), 18, "created=1700000001");
  EXPECT_FALSE(verifies(original.view(), input, original.fields.signature, pub));
  // Unmodified still verifies.
  EXPECT_TRUE(verifies(original.view(), original.fields.signature_input, original.fields.signature, pub));
}

// ---------------------------------------------------------------------------------------
// Component values.

TEST(ComponentValue, DerivedComponents) {
  const Headers headers;
  const RequestView r{"pOsT", "HTTPS", "WWW.Example.com:8443", "/Path/%7Euser?param=value&x=%20y", &headers};
  EXPECT_EQ(value_of(r, "\"@method\""), "pOsT");
  EXPECT_EQ(value_of(r, "\"@scheme\""), "https");
  EXPECT_EQ(value_of(r, "\"@authority\""), "www.example.com:8443");
  EXPECT_EQ(value_of(r, "\"@target-uri\""), "https://WWW.Example.com:8443/Path/%7Euser?param=value&x=%20y");
  EXPECT_EQ(value_of(r, "\"@request-target\""), "/Path/%7Euser?param=value&x=%20y");
  EXPECT_EQ(value_of(r, "\"@path\""), "/Path/%7Euser");
  EXPECT_EQ(value_of(r, "\"@query\""), "?param=value&x=%20y");
}

TEST(ComponentValue, PathAndQueryEdgeCases) {
  const Headers headers;
  RequestView r{"GET", "https", "example.com", "", &headers};
  EXPECT_EQ(value_of(r, "\"@path\""), "/");
  EXPECT_EQ(value_of(r, "\"@query\""), "?");
  r.target = "/x";
  EXPECT_EQ(value_of(r, "\"@query\""), "?");
  r.target = "/x?";
  EXPECT_EQ(value_of(r, "\"@query\""), "?");
  r.target = "?a=b";
  EXPECT_EQ(value_of(r, "\"@path\""), "/");
  EXPECT_EQ(value_of(r, "\"@query\""), "?a=b");
  r.target = "/a/../b?c?d";
  EXPECT_EQ(value_of(r, "\"@path\""), "/a/../b");  // never normalized
  EXPECT_EQ(value_of(r, "\"@query\""), "?c?d");
}

TEST(ComponentValue, QueryParamFollowsRfcExamples) {
  const Headers headers;
  RequestView r{"GET", "https", "example.com", "/path?param=value&foo=bar&baz=batman&qux=", &headers};
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"baz\""), "batman");
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"qux\""), "");
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"param\""), "value");

  r.target = "/parameters?var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something";
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"var\""), "this%20is%20a%20big%0Avalue");
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"bar\""), "with%20plus%20whitespace");
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\""), "something");

  // RFC B.2 test-request: @query-param name="Pet" is case-sensitive.
  r.target = "/foo?param=Value&Pet=dog";
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"Pet\""), "dog");
  EXPECT_EQ(error_of(r, "\"@query-param\";name=\"pet\""), SignatureError::missing_component);
}

TEST(ComponentValue, RepeatedQueryParamGivesOneLinePerOccurrence) {
  const Headers headers;
  const RequestView r{"GET", "https", "example.com", "/p?a=1&b=2&a=3", &headers};
  const auto base = signature_base(r, covered_of("s=(\"@query-param\";name=\"a\")"), nullptr);
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(*base,
            "\"@query-param\";name=\"a\": 1\n\"@query-param\";name=\"a\": 3\n"
            "\"@signature-params\": (\"@query-param\";name=\"a\")");
  EXPECT_EQ(error_of(r, "\"@query-param\";name=\"a\""), SignatureError::duplicate_component);
  EXPECT_EQ(value_of(r, "\"@query-param\";name=\"b\""), "2");
}

TEST(ComponentValue, RejectsUnknownAndMisusedIdentifiers) {
  const Headers headers = {{"Content-Type", "text/plain"}};
  const RequestView r{"GET", "https", "example.com", "/p?a=1", &headers};
  EXPECT_EQ(error_of(r, "\"@status\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@signature-params\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@unknown\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@method\";x=1"), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@path\";name=\"a\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@query-param\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@query-param\";name=a"), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@query-param\";name=\"a\";x"), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"@query-param\";name=\"zz\""), SignatureError::missing_component);
  EXPECT_EQ(error_of(r, "\"Content-Type\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"content type\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"content-type\";sf"), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"content-type\";key=\"a\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"content-type\";bs"), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"content-type\";req"), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"content-type\";tr"), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "\"content-type\";name=\"a\""), SignatureError::malformed_component);
  EXPECT_EQ(error_of(r, "content-type"), SignatureError::malformed_component);  // a token, not a string
  EXPECT_EQ(error_of(r, "\"x-missing\""), SignatureError::missing_component);

  const RequestView no_query{"GET", "https", "example.com", "/p", &headers};
  EXPECT_EQ(error_of(no_query, "\"@query-param\";name=\"a\""), SignatureError::missing_component);
  const RequestView no_headers{"GET", "https", "example.com", "/p", nullptr};
  EXPECT_EQ(error_of(no_headers, "\"content-type\""), SignatureError::missing_component);
  const RequestView no_authority{"GET", "https", "", "/p", &headers};
  EXPECT_EQ(error_of(no_authority, "\"@authority\""), SignatureError::missing_component);
}

TEST(ComponentValue, HeaderValuesAreTrimmedJoinedAndChecked) {
  const Headers headers = {{"X-Empty-Header", ""},
                           {"Cache-Control", "   max-age=60  "},
                           {"cache-control", "must-revalidate"},
                           {"X-Obs-Fold-Header", "Obsolete\r\n    line folding."},
                           {"X-Tab", "a\tb"},
                           {"X-Utf8", "caf\xc3\xa9"},
                           {"X-Newline", "a\nb"},
                           {"X-Cr", "a\rb"},
                           {"X-Nul", std::string("a\0b", 3)}};
  const RequestView r{"GET", "https", "example.com", "/", &headers};
  EXPECT_EQ(value_of(r, "\"x-empty-header\""), "");
  EXPECT_EQ(value_of(r, "\"cache-control\""), "max-age=60, must-revalidate");
  EXPECT_EQ(value_of(r, "\"x-obs-fold-header\""), "Obsolete line folding.");
  EXPECT_EQ(value_of(r, "\"x-tab\""), "a\tb");
  EXPECT_EQ(error_of(r, "\"x-utf8\""), SignatureError::non_ascii_value);
  EXPECT_EQ(error_of(r, "\"x-newline\""), SignatureError::non_ascii_value);
  EXPECT_EQ(error_of(r, "\"x-cr\""), SignatureError::non_ascii_value);
  EXPECT_EQ(error_of(r, "\"x-nul\""), SignatureError::non_ascii_value);

  const auto base = signature_base(r, covered_of("s=(\"x-empty-header\")"), nullptr);
  EXPECT_EQ(base, "\"x-empty-header\": \n\"@signature-params\": (\"x-empty-header\")");
}

TEST(ComponentValue, DerivedValuesMustBePrintableAscii) {
  const Headers headers;
  const RequestView utf8_path{"GET", "https", "example.com", "/caf\xc3\xa9", &headers};
  EXPECT_EQ(error_of(utf8_path, "\"@path\""), SignatureError::non_ascii_value);
  const RequestView newline_method{"GE\nT", "https", "example.com", "/", &headers};
  EXPECT_EQ(error_of(newline_method, "\"@method\""), SignatureError::non_ascii_value);
  const RequestView spaced_authority{"GET", "https", "example.com ", "/", &headers};
  EXPECT_EQ(error_of(spaced_authority, "\"@authority\""), SignatureError::non_ascii_value);
}

TEST(SignatureBase, RejectsDuplicatesAndBadLists) {
  const Headers headers = {{"Date", "x"}};
  const RequestView r{"GET", "https", "example.com", "/?a=1&b=2", &headers};
  SignatureError error = SignatureError::none;
  EXPECT_FALSE(signature_base(r, covered_of("s=(\"@method\" \"@path\" \"@method\")"), &error));
  EXPECT_EQ(error, SignatureError::duplicate_component);
  EXPECT_FALSE(signature_base(r, covered_of("s=(\"date\" \"date\")"), &error));
  EXPECT_EQ(error, SignatureError::duplicate_component);
  EXPECT_FALSE(signature_base(r, covered_of("s=(\"@query-param\";name=\"a\" \"@query-param\";name=\"a\")"), &error));
  EXPECT_EQ(error, SignatureError::duplicate_component);
  // Different names are different components.
  EXPECT_TRUE(signature_base(r, covered_of("s=(\"@query-param\";name=\"a\" \"@query-param\";name=\"b\")"), &error));
  EXPECT_EQ(error, SignatureError::none);
  EXPECT_FALSE(signature_base(r, covered_of("s=(\"@method\" \"@status\")"), &error));
  EXPECT_EQ(error, SignatureError::malformed_component);
  EXPECT_FALSE(signature_base(r, covered_of("s=(\"@method\" 1)"), &error));
  EXPECT_EQ(error, SignatureError::malformed_component);
  // An empty list signs only the parameters.
  EXPECT_EQ(signature_base(r, covered_of("s=();created=1"), &error), "\"@signature-params\": ();created=1");
}

// ---------------------------------------------------------------------------------------
// parse_signature errors.

SignatureError parse_error(std::string_view input, std::string_view signature, std::string_view label = "") {
  SignatureError error = SignatureError::none;
  EXPECT_FALSE(parse_signature(input, signature, label, &error).has_value()) << input << " | " << signature;
  return error;
}

// A syntactically valid 64-byte signature member.
const std::string kSig64 = ":" + base64_encode(std::string(64, '\0')) + ":";

std::string sig_field(std::string_view label) { return std::string(label) + "=" + kSig64; }

TEST(ParseSignature, MissingAndMalformedHeaders) {
  EXPECT_EQ(parse_error("", test::kB26Signature), SignatureError::missing_headers);
  EXPECT_EQ(parse_error(test::kB26SignatureInput, ""), SignatureError::missing_headers);
  EXPECT_EQ(parse_error("  ", " \t"), SignatureError::missing_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\"", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\")", "sig1=:AAAA"), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("Sig1=(\"@method\")", sig_field("sig1")), SignatureError::malformed_headers);
  // Member types.
  EXPECT_EQ(parse_error("sig1=\"@method\"", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(@method)", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\" 1)", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\")", "sig1=\"AAAA\""), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\")", "sig1=(" + kSig64 + ")"), SignatureError::malformed_headers);
  // Parameters of the wrong type.
  EXPECT_EQ(parse_error("sig1=(\"@method\");created=\"1\"", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\");created=1.5", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\");expires=?1", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\");keyid=k1", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\");nonce=1", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\");alg=ed25519", sig_field("sig1")), SignatureError::malformed_headers);
  EXPECT_EQ(parse_error("sig1=(\"@method\");tag", sig_field("sig1")), SignatureError::malformed_headers);
}

TEST(ParseSignature, LabelsAndMultipleSignatures) {
  const std::string two_inputs = "a=(\"@method\");created=1, b=(\"@path\");created=2";
  const std::string two_sigs = sig_field("a") + ", " + sig_field("b");
  EXPECT_EQ(parse_error("a=(\"@method\")", sig_field("b")), SignatureError::label_mismatch);
  EXPECT_EQ(parse_error(two_inputs, sig_field("a")), SignatureError::label_mismatch);
  EXPECT_EQ(parse_error("a=(\"@method\")", two_sigs), SignatureError::label_mismatch);
  EXPECT_EQ(parse_error(two_inputs, two_sigs), SignatureError::multiple_signatures);
  EXPECT_EQ(parse_error(two_inputs, two_sigs, "c"), SignatureError::label_mismatch);

  SignatureError error = SignatureError::malformed_headers;
  const auto b = parse_signature(two_inputs, two_sigs, "b", &error);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(error, SignatureError::none);
  EXPECT_EQ(b->label, "b");
  EXPECT_EQ(b->component_names, std::vector<std::string>{"@path"});
  EXPECT_EQ(b->params.created, 2);
  // Members in a different order in each field are fine.
  EXPECT_TRUE(parse_signature(two_inputs, sig_field("b") + ", " + sig_field("a"), "a", nullptr).has_value());
}

TEST(ParseSignature, SignatureLengthMustBe64) {
  EXPECT_EQ(parse_error("a=(\"@method\")", "a=:AAAA:"), SignatureError::bad_signature_length);
  EXPECT_EQ(parse_error("a=(\"@method\")", "a=::"), SignatureError::bad_signature_length);
  const std::string sig65 = "a=:" + base64_encode(std::string(65, 'x')) + ":";
  EXPECT_EQ(parse_error("a=(\"@method\")", sig65), SignatureError::bad_signature_length);
}

TEST(ParseSignature, UnknownParametersAreIgnoredButSigned) {
  const auto key = test::test_key();
  const Headers headers;
  const RequestView r{"GET", "https", "example.com", "/", &headers};
  const std::string input = "x=(\"@method\");created=5;future=?1;other=(\"ignored\"";
  // (malformed inner list in a parameter is still a syntax error)
  EXPECT_EQ(parse_error(input, sig_field("x")), SignatureError::malformed_headers);

  const std::string good_input = "x=(\"@method\");created=5;future;zeta=1.25";
  const auto base = signature_base(r, covered_of(good_input), nullptr);
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(*base, "\"@method\": GET\n\"@signature-params\": (\"@method\");created=5;future;zeta=1.25");
  const auto sig = key.sign(*base);
  const std::string sig_value = "x=:" + base64_encode(sig.data(), sig.size()) + ":";
  const auto parsed = parse_signature(good_input, sig_value, "", nullptr);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->params.created, 5);
  EXPECT_TRUE(verifies(r, good_input, sig_value, key.public_key()));
  // Re-serialization is canonical: extra whitespace in the received field does not matter.
  EXPECT_TRUE(verifies(r, "x=(  \"@method\" );created=5;future;zeta=1.250", sig_value, key.public_key()));
}

// ---------------------------------------------------------------------------------------
// sign_request options, required_components, nonces.

TEST(SignRequest, ParameterOrderAndOmission) {
  const Headers headers;
  const RequestView r{"GET", "https", "example.com", "/", &headers};
  SignOptions options;
  options.components = {"@method"};
  options.created = 10;
  options.include_alg = false;
  auto fields = sign_request(r, options, test::test_key(), nullptr);
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->signature_input, "sig1=(\"@method\");created=10");

  options.label = "gw";
  options.keyid = "k";
  options.tag = "t";
  options.nonce = "n";
  options.expires = 20;
  options.include_alg = true;
  fields = sign_request(r, options, test::test_key(), nullptr);
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->signature_input,
            "gw=(\"@method\");created=10;expires=20;nonce=\"n\";keyid=\"k\";alg=\"ed25519\";tag=\"t\"");
  EXPECT_EQ(fields->signature.substr(0, 4), "gw=:");
  EXPECT_TRUE(verifies(r, fields->signature_input, fields->signature, test::test_public_key()));
}

TEST(SignRequest, QueryParamComponentOption) {
  const Headers headers;
  const RequestView r{"GET", "https", "example.com", "/foo?param=Value&Pet=dog", &headers};
  SignOptions options;
  options.components = {"@method", "@query-param;name=\"Pet\""};
  options.created = 1;
  options.include_alg = false;
  const auto fields = sign_request(r, options, test::test_key(), nullptr);
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->signature_input, "sig1=(\"@method\" \"@query-param\";name=\"Pet\");created=1");
  EXPECT_EQ(fields->base,
            "\"@method\": GET\n\"@query-param\";name=\"Pet\": dog\n"
            "\"@signature-params\": (\"@method\" \"@query-param\";name=\"Pet\");created=1");
}

TEST(SignRequest, Errors) {
  const Headers headers = {{"Content-Type", "text/plain"}};
  const RequestView r{"GET", "https", "example.com", "/", &headers};
  SignOptions options;
  options.created = 1;
  SignatureError error = SignatureError::none;

  options.components = {"Content-Type"};
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::malformed_component);
  options.components = {"content-digest"};
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::missing_component);
  options.components = {"@method", "@method"};
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::duplicate_component);
  options.components = {""};
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::malformed_component);
  options.components = {"@query-param;name="};
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::malformed_component);

  options.components = {"@method"};
  options.label = "Bad Label";
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::malformed_headers);
  options.label = "sig1";
  options.keyid = "line\nbreak";
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::malformed_headers);
  options.keyid = "k";
  options.created = 1'000'000'000'000'000;  // 16 digits: not an RFC 8941 integer
  EXPECT_FALSE(sign_request(r, options, test::test_key(), &error));
  EXPECT_EQ(error, SignatureError::malformed_headers);
}

TEST(RequiredComponents, FollowsGatewayPolicy) {
  Headers headers;
  RequestView r{"GET", "https", "example.com", "/v1/items", &headers};
  EXPECT_EQ(required_components(r, false), (std::vector<std::string>{"@method", "@authority", "@path"}));
  r.target = "/v1/items?page=2";
  EXPECT_EQ(required_components(r, false), (std::vector<std::string>{"@method", "@authority", "@path", "@query"}));
  headers.push_back({"Idempotency-KEY", "\"k\""});
  EXPECT_EQ(required_components(r, true), (std::vector<std::string>{"@method", "@authority", "@path", "@query",
                                                                    "content-digest", "idempotency-key"}));
  r.target = "/v1/items";
  EXPECT_EQ(required_components(r, true),
            (std::vector<std::string>{"@method", "@authority", "@path", "content-digest", "idempotency-key"}));
  const RequestView no_headers{"GET", "https", "example.com", "/", nullptr};
  EXPECT_EQ(required_components(no_headers, false), (std::vector<std::string>{"@method", "@authority", "@path"}));
}

TEST(GenerateNonce, SixteenRandomBytesBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto nonce = generate_nonce();
    ASSERT_EQ(nonce.size(), 22u);
    for (const char c : nonce) {
      const bool ok =
          (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      EXPECT_TRUE(ok) << nonce;
    }
    seen.insert(nonce);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(SignatureErrorNames, AreDistinct) {
  const SignatureError all[] = {SignatureError::none,
                                SignatureError::missing_headers,
                                SignatureError::malformed_headers,
                                SignatureError::label_mismatch,
                                SignatureError::multiple_signatures,
                                SignatureError::malformed_component,
                                SignatureError::duplicate_component,
                                SignatureError::missing_component,
                                SignatureError::non_ascii_value,
                                SignatureError::bad_signature_length};
  std::set<std::string_view> names;
  for (const auto e : all) names.insert(to_string(e));
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(to_string(SignatureError::label_mismatch), "label_mismatch");
}

}  // namespace
}  // namespace octopus::protocol
