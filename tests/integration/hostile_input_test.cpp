// A catalogue of hostile requests, as an attacker or a careless client would send them, over
// real TLS: broken or forged signatures, smuggling and malformed HTTP, hostile JSON, segments
// that try to single people out, message templates that hide words, and bad operator input.
// Each must get its exact status and problem type (or, for a template, a rejection naming its
// rule), every partner answer must match api-spec/partner.yaml, and the gateway must still
// answer a valid signed call afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include <nlohmann/json.hpp>

#include "gateway_harness.hpp"
#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/message_signatures.hpp"

using nlohmann::json;
using octopus::client::Credential;
using octopus::client::HeaderField;
using octopus::client::HttpResponse;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

using Headers = std::vector<HeaderField>;

void set_header(Headers& h, const std::string& name, const std::string& value) {
  for (auto& f : h)
    if (octopus::http::iequals(f.name, name)) {
      f.value = value;
      return;
    }
  h.push_back({name, value});
}

void drop_header(Headers& h, const std::string& name) {
  std::erase_if(h, [&](const HeaderField& f) { return octopus::http::iequals(f.name, name); });
}

std::string header_of(const Headers& h, const std::string& name) {
  for (const auto& f : h)
    if (octopus::http::iequals(f.name, name)) return f.value;
  return "";
}

class HostileInput : public ::testing::Test {
 protected:
  GatewayHarness gw{[](octopus::config::GatewayConfig& c) { c.counters.enforce_quotas = false; }};
  Credential acme =
      gw.create_partner("acme", {"audiences:read", "audiences:write", "offers:read", "offers:write", "deliveries:read",
                                 "deliveries:write", "triggers:read", "triggers:write"});
  int checked = 0;

  // A signed partner request, then `tamper` applied to its headers and body before sending.
  HttpResponse signed_call(const std::string& method, const std::string& target, std::string body,
                           const std::function<void(Headers&, std::string&)>& tamper = {},
                           const Credential* who = nullptr) {
    Headers headers;
    if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
    octopus::client::sign_request(method, gw.authority(), target, headers, body, who ? *who : acme);
    if (tamper) tamper(headers, body);
    return gw.partner_raw(method, target, headers, body);
  }

  // Signs by hand with `options` (the components, parameters and label an SDK would never use).
  Headers hand_signed(const std::string& method, const std::string& target, octopus::protocol::SignOptions options,
                      Headers headers = {}) {
    const std::string authority = gw.authority();  // the view below only points at it
    headers.push_back({"Host", authority});
    const octopus::protocol::RequestView view{method, "https", authority, target, &headers};
    if (options.keyid.empty()) options.keyid = acme.key_id;
    if (options.created == 0) options.created = now();
    const auto f = octopus::protocol::sign_request(view, options, acme.key, nullptr);
    EXPECT_TRUE(f.has_value());
    headers.push_back({"Signature-Input", f->signature_input});
    headers.push_back({"Signature", f->signature});
    return headers;
  }

  void expect(const std::string& what, const HttpResponse& r, int status, const std::string& slug) {
    ++checked;
    EXPECT_EQ(r.status, status) << what << ": " << r.body.substr(0, 300);
    EXPECT_EQ(problem_slug(r), slug) << what << ": " << r.body.substr(0, 300);
    EXPECT_LT(r.body.size(), 8192u) << what << ": a problem stays small";
    if (checked % 25 == 0) still_serving(what);
  }

  // Bytes written as they are, over TLS; the first response read back.
  HttpResponse raw(const std::string& bytes) {
    auto tls = gw.tls();
    tls.timeout = std::chrono::milliseconds(3000);
    octopus::client::HttpsConnection conn("localhost", gw.partner_port(), tls);
    conn.write_raw(bytes);
    return conn.read_response();
  }

  void still_serving(const std::string& after) {
    const auto r = gw.partner("GET", "/v1/capabilities", acme);
    EXPECT_EQ(r.status, 200) << "no longer serving after: " << after;
  }

  HttpResponse estimate(const json& segment) {
    return signed_call("POST", "/v1/audience-estimates", json{{"segment", segment}}.dump());
  }

  HttpResponse offer(const std::string& text, const std::string& channel = "sms") {
    const json body = {{"name", "hostile"},
                       {"channel", channel},
                       {"template", text},
                       {"product_code", "5G-PLUS"},
                       {"landing_url", "https://www.10086.cn/5g"},
                       {"valid_until", "2099-12-31T16:00:00Z"}};
    return signed_call("POST", "/v1/offers", body.dump());
  }

  // A template the content policy must reject, naming `rule` among its reasons.
  void expect_rejected(const std::string& what, const std::string& text, const std::string& rule,
                       const std::string& channel = "sms") {
    ++checked;
    const auto r = offer(text, channel);
    ASSERT_EQ(r.status, 201) << what << ": " << r.body;
    const auto o = json::parse(r.body);
    EXPECT_EQ(o["status"], "rejected") << what << ": " << r.body;
    bool named = false;
    for (const auto& reason : o["reasons"]) named |= reason["rule"] == rule;
    EXPECT_TRUE(named) << what << " should be rejected by " << rule << ": " << r.body;
  }

  HttpResponse admin(const std::string& method, const std::string& target, const json& body) {
    return gw.admin(method, target, body);
  }

  // The sections of the catalogue, in the order they run.
  void signatures();
  void http_framing();
  void json_bodies();
  void segments();
  void templates();
  void admin_input();
};

void HostileInput::signatures() {
  const std::string t = "/v1/capabilities";
  expect("no signature at all", gw.partner_raw("GET", t, {}), 401, "signature-missing");
  expect("Signature-Input alone",
         signed_call("GET", t, "", [](Headers& h, std::string&) { drop_header(h, "Signature"); }), 401,
         "signature-missing");
  expect("Signature alone",
         signed_call("GET", t, "", [](Headers& h, std::string&) { drop_header(h, "Signature-Input"); }), 401,
         "signature-missing");
  expect("an empty Signature-Input",
         signed_call("GET", t, "", [](Headers& h, std::string&) { set_header(h, "Signature-Input", ""); }), 401,
         "signature-missing");
  expect("an empty Signature",
         signed_call("GET", t, "", [](Headers& h, std::string&) { set_header(h, "Signature", ""); }), 401,
         "signature-missing");
  for (const std::string& junk : std::vector<std::string>{
           "sig1", "sig1=", "sig1=(", "sig1=(\"@method\"", "sig1=@method", "sig1=(\"@method\");created=abc", "=()",
           "sig1=(\"@method\" @authority)", "sig1=(\"@method\");created=1.5", "sig1=(\"@method\");keyid=k1",
           "sig1=(\"@method\"), sig1=(\"@path\")", "SIG1=(\"@method\")", "sig1=(\"@method\";bs)",
           "sig1=(\"@method\" \"@method\")", std::string(5000, '('), "sig1=(\"\xff\")"}) {
    expect("Signature-Input " + junk.substr(0, 40),
           signed_call("GET", t, "", [&](Headers& h, std::string&) { set_header(h, "Signature-Input", junk); }), 401,
           "signature-malformed");
  }
  for (const std::string& junk :
       std::vector<std::string>{"sig1", "sig1=:not base64!:", "sig1=:AAAA:", "sig1=\"text\"", "sig2=:AAAA:"})
    expect("Signature " + junk,
           signed_call("GET", t, "", [&](Headers& h, std::string&) { set_header(h, "Signature", junk); }), 401,
           "signature-malformed");

  octopus::protocol::SignOptions o;
  o.components = {"@method", "@authority", "@path"};
  o.nonce = octopus::protocol::generate_nonce();
  auto with = [&](const std::function<void(octopus::protocol::SignOptions&)>& change) {
    auto options = o;
    options.nonce = octopus::protocol::generate_nonce();
    change(options);
    return gw.partner_raw("GET", t, hand_signed("GET", t, options));
  };
  expect("no keyid", with([](auto& x) { x.keyid = " "; }), 401, "unknown-key");
  expect("unknown keyid", with([](auto& x) { x.keyid = "nobody-1"; }), 401, "unknown-key");
  expect("created in the future", with([](auto& x) { x.created = now() + 3600; }), 401, "signature-not-yet-valid");
  expect("created long ago", with([](auto& x) { x.created = now() - 3600; }), 401, "signature-expired");
  expect("expires passed", with([](auto& x) { x.expires = now() - 1; }), 401, "signature-expired");
  expect("no nonce", with([](auto& x) { x.nonce.clear(); }), 401, "nonce-missing");
  expect("nonce too long", with([](auto& x) { x.nonce = std::string(200, 'n'); }), 401, "signature-malformed");
  expect("@authority not covered", with([](auto& x) {
           x.components = {"@method", "@path"};
         }),
         401, "component-missing");
  expect("@method not covered", with([](auto& x) {
           x.components = {"@authority", "@path"};
         }),
         401, "component-missing");
  expect("@path not covered", with([](auto& x) {
           x.components = {"@method", "@authority"};
         }),
         401, "component-missing");

  expect("alg rsa",
         signed_call("GET", t, "",
                     [](Headers& h, std::string&) {
                       auto v = header_of(h, "Signature-Input");
                       v.replace(v.find("alg=\"ed25519\""), 13, "alg=\"rsa-pss-sha512\"");
                       set_header(h, "Signature-Input", v);
                     }),
         401, "algorithm-unsupported");
  expect("signature bytes flipped",
         signed_call("GET", t, "",
                     [](Headers& h, std::string&) {
                       auto v = header_of(h, "Signature");
                       v[8] = v[8] == 'A' ? 'B' : 'A';
                       set_header(h, "Signature", v);
                     }),
         401, "signature-invalid");
  expect("another Host than signed",
         signed_call("GET", t, "", [](Headers& h, std::string&) { set_header(h, "Host", "elsewhere.example"); }), 401,
         "signature-invalid");
  Headers once;
  octopus::client::sign_request("GET", gw.authority(), t, once, "", acme);
  ASSERT_EQ(gw.partner_raw("GET", t, once).status, 200);
  expect("a replayed request", gw.partner_raw("GET", t, once), 401, "nonce-replayed");

  const std::string body = json{{"segment", {{"tag", "travel"}}}}.dump();
  expect("body changed after signing",
         signed_call("POST", "/v1/audience-estimates", body, [](Headers&, std::string& b) { b[b.size() - 2] = ' '; }),
         401, "digest-mismatch");
  expect("Content-Digest removed",
         signed_call("POST", "/v1/audience-estimates", body,
                     [](Headers& h, std::string&) { drop_header(h, "Content-Digest"); }),
         401, "component-missing");
  expect(
      "Content-Digest of md5 only",
      signed_call("POST", "/v1/audience-estimates", body,
                  [](Headers& h, std::string&) { set_header(h, "Content-Digest", "md5=:AAAAAAAAAAAAAAAAAAAAAA==:"); }),
      401, "signature-invalid");

  const auto beta = gw.create_partner("beta", {"audiences:read"});
  expect("a scope the partner lacks", signed_call("GET", "/v1/offers", "", {}, &beta), 403, "insufficient-scope");
  ASSERT_EQ(gw.admin("PATCH", "/admin/v1/partners/beta", {{"status", "suspended"}}).status, 200);
  expect("a suspended partner", signed_call("GET", t, "", {}, &beta), 403, "partner-suspended");
  ASSERT_EQ(gw.admin("DELETE", "/admin/v1/partners/beta/keys/" + beta.key_id).status, 200);
  expect("a revoked key", signed_call("GET", t, "", {}, &beta), 401, "key-revoked");
  still_serving("the signature cases");
}

void HostileInput::http_framing() {
  const std::string host = "Host: " + gw.authority() + "\r\n";
  const std::string post = "POST /v1/audience-estimates HTTP/1.1\r\n" + host;
  const std::vector<std::pair<std::string, std::pair<int, std::string>>> cases{
      {post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", {400, "malformed-request"}},
      {post + "Transfer-Encoding: identity\r\n\r\n", {400, "malformed-request"}},
      {post + "Transfer-Encoding: gzip\r\n\r\n", {400, "malformed-request"}},
      {post + "Transfer-Encoding: chunked, identity\r\n\r\n", {400, "malformed-request"}},
      {post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", {501, "transfer-coding-unsupported"}},
      {post + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", {400, "malformed-request"}},
      {post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400, "malformed-request"}},
      {post + "Transfer-Encoding: \r\n\r\n", {400, "malformed-request"}},
      {post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", {400, "malformed-request"}},
      {post + "Content-Length: -1\r\n\r\n", {400, "malformed-request"}},
      {post + "Content-Length: 1e3\r\n\r\n", {400, "malformed-request"}},
      {post + "Content-Length: 99999999999999999999\r\n\r\n", {400, "malformed-request"}},
      {post + "Content-Length: 2000000\r\n\r\n", {413, "payload-too-large"}},
      {"GET /v1/capabilities HTTP/1.1\r\n" + host + "Host: evil.example\r\n\r\n", {400, "malformed-request"}},
      {"GET /v1/capabilities HTTP/1.1\r\n\r\n", {400, "malformed-request"}},
      {"GET /v1/capabilities HTTP/1.1\r\n" + host + "Bad Header\r\n\r\n", {400, "malformed-request"}},
      {"GET /v1/capabilities HTTP/1.1\r\n" + host + " folded: header\r\n\r\n", {400, "malformed-request"}},
      {"GET /v1/capabilities HTTP/1.1\r\n" + host + "X-A: " + std::string(20000, 'a') + "\r\n\r\n",
       {431, "header-too-large"}},
      {"GET /v1/capabilities HTTP/9.9\r\n" + host + "\r\n", {400, "malformed-request"}},
      {"GET  /v1/capabilities HTTP/1.1\r\n" + host + "\r\n", {400, "malformed-request"}},
      {"G\x01T /v1/capabilities HTTP/1.1\r\n" + host + "\r\n", {400, "malformed-request"}},
      {"GET /v1/capabilities HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400, "malformed-request"}},
      {"GET /nowhere HTTP/1.1\r\n" + host + "\r\n", {404, "not-found"}},
      {"DELETE /v1/capabilities HTTP/1.1\r\n" + host + "\r\n", {405, "method-not-allowed"}},
      {"GET /v1/../admin/v1/partners HTTP/1.1\r\n" + host + "\r\n", {404, "not-found"}},
      {"GET /v1/capabilities%00 HTTP/1.1\r\n" + host + "\r\n", {404, "not-found"}},
  };
  for (const auto& [bytes, expected] : cases)
    expect("raw " + bytes.substr(0, 60), raw(bytes), expected.first, expected.second);
  still_serving("the HTTP cases");
}

void HostileInput::json_bodies() {
  const std::string t = "/v1/audience-estimates";
  auto send = [&](const std::string& body, const std::string& content_type = "application/json") {
    return signed_call("POST", t, body, [&](Headers& h, std::string&) { set_header(h, "Content-Type", content_type); });
  };
  expect("not JSON", send("segment=city"), 400, "malformed-request");
  expect("truncated JSON", send("{\"segment\":{\"tag\":"), 400, "malformed-request");
  expect("an array", send("[1,2]"), 400, "malformed-request");
  expect("a string", send("\"segment\""), 400, "malformed-request");
  expect("null", send("null"), 400, "malformed-request");
  expect("deeply nested", send(std::string(5000, '[') + std::string(5000, ']')), 400, "malformed-request");
  expect("deep objects", send("{\"segment\":" + std::string(3000, '{') + std::string(3000, '}') + "}"), 400,
         "malformed-request");
  expect("invalid UTF-8", send("{\"segment\":{\"tag\":\"\xff\xfe\"}}"), 400, "malformed-request");
  expect("a lone surrogate", send("{\"segment\":{\"tag\":\"\\ud800\"}}"), 400, "malformed-request");
  expect("trailing garbage", send("{\"segment\":{\"tag\":\"travel\"}} x"), 400, "malformed-request");
  expect("two documents", send("{}{}"), 400, "malformed-request");
  expect("text/plain", send("{\"segment\":{\"tag\":\"travel\"}}", "text/plain"), 415, "unsupported-media-type");
  expect("no content type", send("{\"segment\":{\"tag\":\"travel\"}}", ""), 415, "unsupported-media-type");
  expect("an empty object", send("{}"), 422, "validation-error");
  expect("segment null", send("{\"segment\":null}"), 422, "validation-error");
  expect("segment a number", send("{\"segment\":1e999}"), 400, "malformed-request");
  expect("segment a huge number", send("{\"segment\":123456789012345678901234567890}"), 422, "validation-error");
  expect("purpose a number", send("{\"segment\":{\"tag\":\"travel\"},\"purpose\":7}"), 422, "validation-error");
  expect("purpose unknown", send("{\"segment\":{\"tag\":\"travel\"},\"purpose\":\"dpv:Nope\"}"), 422,
         "validation-error");
  expect("an unknown member", send("{\"segment\":{\"tag\":\"travel\"},\"limit\":5}"), 422, "validation-error");
  expect("a NUL in a member name", send(std::string("{\"seg\\u0000ment\":{}}")), 422, "validation-error");
  expect("a huge member name", send("{\"" + std::string(100000, 'm') + "\":1}"), 422, "validation-error");
  // Signed over, as a partner would: the key's own syntax is what is wrong.
  const std::string audience = json{{"segment", {{"tag", "travel"}}}}.dump();
  Headers idem{{"Content-Type", "application/json"}, {"Idempotency-Key", "bad key with spaces"}};
  octopus::client::sign_request("POST", gw.authority(), "/v1/audiences", idem, audience, acme);
  expect("a malformed Idempotency-Key", gw.partner_raw("POST", "/v1/audiences", idem, audience), 400,
         "malformed-request");
  still_serving("the JSON cases");
}

void HostileInput::segments() {
  const std::vector<std::pair<json, std::string>> cases{
      {{{"attribute", "health_condition"}, {"eq", "x"}}, "segment-not-allowed"},
      {{{"attribute", "religion"}, {"eq", "x"}}, "segment-not-allowed"},
      {{{"attribute", "precise_location"}, {"eq", "36.65,117.12"}}, "segment-not-allowed"},
      {{{"attribute", "msisdn"}, {"eq", "13800000000"}}, "validation-error"},
      {{{"attribute", "subscriber_id"}, {"eq", "1"}}, "validation-error"},
      {{{"attribute", "city"}, {"eq", "atlantis"}}, "validation-error"},
      {{{"attribute", "city"}, {"eq", ""}}, "validation-error"},
      {{{"attribute", "city"}, {"eq", 5}}, "validation-error"},
      {{{"attribute", "city"}, {"in", json::array()}}, "validation-error"},
      {{{"attribute", "city"}, {"in", {"jinan", "jinan"}}}, "validation-error"},
      {{{"attribute", "city"}, {"in", "jinan"}}, "validation-error"},
      {{{"attribute", "city"}, {"range", {{"min", 1}, {"max", 2}}}}, "validation-error"},
      {{{"attribute", "age_band"}, {"range", {{"min", 50}, {"max", 20}}}}, "validation-error"},
      {{{"attribute", "age_band"}, {"range", {{"min", 46}, {"max", 47}}}}, "validation-error"},
      {{{"attribute", "age_band"}, {"range", {{"min", "a"}, {"max", 47}}}}, "validation-error"},
      {{{"attribute", "city"}, {"eq", "jinan"}, {"in", {"jinan"}}}, "validation-error"},
      {{{"attribute", "city"}}, "validation-error"},
      {{{"tag", "no-such-tag"}}, "validation-error"},
      {{{"tag", json::array()}}, "validation-error"},
      {{{"all", json::array()}}, "validation-error"},
      {{{"any", json::array()}}, "validation-error"},
      {{{"all", {{{"tag", "travel"}}}}, {"any", {{{"tag", "travel"}}}}}, "validation-error"},
      {{{"not", json::array({{{"tag", "travel"}}, {{"tag", "travel"}}})}}, "validation-error"},
      {{{"not", nullptr}}, "validation-error"},
      {json::array(), "validation-error"},
      {"city = jinan", "validation-error"},
      {{{"attribute", std::string(900 * 1024, 'a')}, {"eq", "x"}}, "validation-error"},
  };
  for (const auto& [segment, slug] : cases)
    expect("segment " + segment.dump().substr(0, 60), estimate(segment), 422, slug);
  // Too many conditions, and too deep: the policy's segment limits.
  json wide = {{"any", json::array()}};
  for (int i = 0; i < 40; ++i) wide["any"].push_back({{"attribute", "city"}, {"eq", "jinan"}});
  expect("40 conditions", estimate(wide), 422, "segment-not-allowed");
  json deep = {{"tag", "travel"}};
  for (int i = 0; i < 8; ++i) deep = {{"all", {deep, {{"attribute", "city"}, {"eq", "jinan"}}}}};
  expect("8 levels deep", estimate(deep), 422, "segment-not-allowed");
  still_serving("the segment cases");
}

void HostileInput::templates() {
  const std::string footer = "回复TD退订";
  expect_rejected("banned phrase", "最佳套餐 " + footer, "content.banned_phrases");
  expect_rejected("zero-width space inside a phrase", "中\u200b奖啦 " + footer, "content.banned_phrases");
  expect_rejected("soft hyphen inside a phrase", "中\u00ad奖啦 " + footer, "content.banned_phrases");
  expect_rejected("variation selector inside a phrase", "中\ufe0f奖啦 " + footer, "content.banned_phrases");
  expect_rejected("full-width digits", "１００％有效 " + footer, "content.banned_phrases");
  expect_rejected("full-width Latin", "本品１００%有效 " + footer, "content.banned_phrases");
  for (const std::string& c : std::vector<std::string>{
           std::string(1, '\0'), std::string("\a"), std::string("\x1b"), std::string("\r"), std::string("\n"),
           std::string("\t"), std::string("\u202e"), std::string("\u202d"), std::string("\u2066"),
           std::string("\u200b"), std::string("\u2060"), std::string("\ufeff"), std::string("\u0085"),
           std::string("\ue000"), std::string("\u061c")})
    expect_rejected("character " + json(c).dump(), "流量包" + c + "特惠 " + footer, "content.characters");
  expect_rejected("no opt-out footer", "流量包特惠", "content.channels.sms.required_footer");
  expect_rejected("a foreign link", "详情 https://cheap.example.com " + footer, "content.allowed_link_domains");
  expect_rejected("a bare foreign domain", "详情 cheap.example.com/x " + footer, "content.allowed_link_domains");
  expect_rejected("a lookalike domain", "详情 https://10086.cn.evil.example " + footer, "content.allowed_link_domains");
  expect_rejected("userinfo trick", "详情 https://10086.cn@evil.example/x " + footer, "content.allowed_link_domains");
  expect_rejected("too long", std::string(800, 'x') + " " + footer, "content.channels.sms.max_segments");
  expect("an unknown placeholder", offer("Hi {{first_name}} " + footer), 422, "validation-error");
  expect("an unknown channel", offer("流量包 " + footer, "fax"), 422, "validation-error");
  still_serving("the template cases");
}

void HostileInput::admin_input() {
  const json good = {{"id", "gamma"},
                     {"display_name", "Gamma"},
                     {"tier", "gold"},
                     {"category", "internet"},
                     {"scopes", {"audiences:read"}}};
  auto with = [&](const std::string& key, const json& value) {
    json b = good;
    if (value.is_discarded())
      b.erase(key);
    else
      b[key] = value;
    return b;
  };
  const json gone = json::value_t::discarded;
  const std::vector<std::pair<json, std::string>> partners{
      {with("id", "A"), "validation-error"},
      {with("id", "../x"), "validation-error"},
      {with("id", std::string(200, 'a')), "validation-error"},
      {with("id", 7), "validation-error"},
      {with("id", gone), "validation-error"},
      {with("display_name", ""), "validation-error"},
      {with("display_name", "a\u0007b"), "validation-error"},
      {with("display_name", std::string(201, 'x')), "validation-error"},
      {with("tier", "platinum"), "validation-error"},
      {with("tier", "GOLD"), "validation-error"},
      {with("category", "casino"), "validation-error"},
      {with("category", gone), "validation-error"},
      {with("scopes", {"admin:all"}), "validation-error"},
      {with("scopes", {"audiences:read", "audiences:read"}), "validation-error"},
      {with("scopes", "audiences:read"), "validation-error"},
      {with("status", "deleted"), "validation-error"},
      {with("organisation", "X Corp"), "validation-error"},
      {with("extra", 1), "validation-error"},
      {json::array(), "malformed-request"},
      {json("gamma"), "malformed-request"},
  };
  for (const auto& [body, slug] : partners)
    expect("partner " + body.dump().substr(0, 60), admin("POST", "/admin/v1/partners", body),
           slug == "validation-error" ? 422 : 400, slug);
  ASSERT_EQ(admin("POST", "/admin/v1/partners", good).status, 201);
  auto key = [](std::array<std::uint8_t, 32> raw) { return octopus::protocol::base64_encode(raw.data(), raw.size()); };
  std::array<std::uint8_t, 32> zero{}, identity{};
  identity[0] = 1;
  const std::vector<std::pair<json, int>> keys{
      {{{"key_id", "g1"}, {"algorithm", "ed25519"}, {"public_key", key(zero)}}, 422},
      {{{"key_id", "g1"}, {"algorithm", "ed25519"}, {"public_key", key(identity)}}, 422},
      {{{"key_id", "g1"}, {"algorithm", "ed25519"}, {"public_key", "AAAA"}}, 422},
      {{{"key_id", "g1"}, {"algorithm", "ed25519"}, {"public_key", "!!!"}}, 422},
      {{{"key_id", "g 1"}, {"algorithm", "ed25519"}, {"public_key", key(identity)}}, 422},
      {{{"key_id", "g1"}, {"algorithm", "ed448"}, {"public_key", key(identity)}}, 422},
      {{{"key_id", "g1"}, {"algorithm", "ed25519"}}, 422},
      {{{"key_id", "g1"},
        {"algorithm", "ed25519"},
        {"public_key", octopus::protocol::base64_encode(acme.key.public_key().data(), 32)}},
       409},
      {{{"key_id", acme.key_id},
        {"algorithm", "ed25519"},
        {"public_key",
         octopus::protocol::base64_encode(octopus::protocol::Ed25519PrivateKey::generate().public_key().data(), 32)}},
       409},
  };
  for (const auto& [body, status] : keys)
    expect("key " + body.dump().substr(0, 60), admin("POST", "/admin/v1/partners/gamma/keys", body), status,
           status == 409 ? "conflict" : "validation-error");
  expect("PATCH nothing", admin("PATCH", "/admin/v1/partners/gamma", json::object()), 422, "validation-error");
  expect("PATCH an unknown tier", admin("PATCH", "/admin/v1/partners/gamma", {{"tier", "platinum"}}), 422,
         "validation-error");
  expect("PATCH the id", admin("PATCH", "/admin/v1/partners/gamma", {{"id", "delta"}}), 422, "validation-error");
  expect("an unknown partner", admin("GET", "/admin/v1/partners/nobody", nullptr), 404, "not-found");
  expect("a bad cursor", admin("GET", "/admin/v1/partners?cursor=zz", nullptr), 400, "malformed-request");
  expect("a bad limit", admin("GET", "/admin/v1/partners?limit=0", nullptr), 400, "malformed-request");
  expect("a huge limit", admin("GET", "/admin/v1/partners?limit=99999999999999999999", nullptr), 400,
         "malformed-request");
  still_serving("the admin cases");
}

// One gateway takes the whole catalogue, so what one hostile request does cannot be hidden
// by a fresh process for the next; it must still serve a valid call between sections and at
// the end.
TEST_F(HostileInput, EveryHostileRequestGetsItsProblemAndTheGatewayKeepsServing) {
  signatures();
  http_framing();
  json_bodies();
  segments();
  templates();
  admin_input();
  EXPECT_GE(checked, 150) << "the catalogue shrank";
  still_serving("the whole catalogue");
}

}  // namespace
