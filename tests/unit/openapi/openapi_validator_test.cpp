// Unit test of tests/support/openapi_validator against the real api-spec/ documents (so a
// broken spec fails here first) and against small inline documents for the loader's edges.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "openapi_validator.hpp"

namespace {

using octopus::testing::OpenApiValidator;
using json = nlohmann::json;

const std::string kSpecDir = OCTOPUS_API_SPEC_DIR;
const std::string kProblems = "https://octopus-gateway.example/problems/";

const OpenApiValidator& partner_spec() {
  static const OpenApiValidator spec = OpenApiValidator::load(kSpecDir + "/partner.yaml");
  return spec;
}

const OpenApiValidator& admin_spec() {
  static const OpenApiValidator spec = OpenApiValidator::load(kSpecDir + "/admin.yaml");
  return spec;
}

OpenApiValidator::Headers std_headers() {
  return {{"X-Request-Id", "req-1"}, {"Octopus-Policy-Version", "baa6c77f240c7088"}};
}

std::string errors_text(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

bool mentions(const std::vector<std::string>& errors, const std::string& needle) {
  for (const auto& e : errors) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

json capabilities() {
  return {{"partner_id", "acme-retail"},
          {"display_name", "ACME Retail"},
          {"tier", "gold"},
          {"category", "retail"},
          {"scopes", {"audiences:read", "audiences:write", "settlements:read"}},
          {"capabilities",
           {{{"name", "audiences"}, {"operations", {"read", "write"}}},
            {{"name", "settlements"}, {"operations", {"read"}}}}}};
}

json partner_key(bool revoked) {
  return {{"key_id", "acme-2025-01"},
          {"algorithm", "ed25519"},
          {"public_key", "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs="},
          {"created_at", "2025-01-15T08:31:00Z"},
          {"revoked_at", revoked ? json("2025-06-01T12:00:00.123Z") : json(nullptr)}};
}

json partner() {
  return {{"id", "acme-retail"},
          {"display_name", "ACME Retail"},
          {"status", "active"},
          {"tier", "gold"},
          {"category", "retail"},
          {"scopes", {"audiences:read"}},
          {"organisation", nullptr},
          {"created_at", "2025-01-15T08:30:00Z"},
          {"updated_at", "2025-01-15T08:30:00Z"},
          {"keys", {partner_key(false), partner_key(true)}}};
}

json problem(const std::string& slug, int status) {
  return {{"type", kProblems + slug},
          {"title", "Title"},
          {"status", status},
          {"detail", "Detail."},
          {"instance", "urn:octopus:request:req-1"},
          {"request_id", "req-1"}};
}

std::vector<std::string> check_capabilities(const json& body) {
  return partner_spec().validate_response("GET", "/v1/capabilities", 200, "application/json", body.dump(),
                                          std_headers());
}

std::vector<std::string> check_partner_problem(int status, const json& body,
                                               std::string content_type = "application/problem+json") {
  return partner_spec().validate_response("GET", "/v1/capabilities", status, content_type, body.dump(), std_headers());
}

std::vector<std::string> check_partner(const std::string& method, const std::string& path, int status,
                                       const json& body) {
  return partner_spec().validate_response(method, path, status, "application/problem+json", body.dump(),
                                          {{"X-Request-Id", "req-1"}});
}

// A small document for loader and matching edge cases; `schema` is the 200 body schema.
std::string mini_spec(const std::string& schema, const std::string& extra_paths = "") {
  return "openapi: 3.1.0\n"
         "info: {title: t, version: '1'}\n"
         "paths:\n"
         "  /items/{id}:\n"
         "    get:\n"
         "      responses:\n"
         "        '200':\n"
         "          description: ok\n"
         "          content:\n"
         "            application/json:\n"
         "              schema:\n" +
         schema + extra_paths +
         "components:\n"
         "  schemas:\n"
         "    Name: {type: string, minLength: 1}\n";
}

std::string load_error(const std::string& yaml) {
  try {
    OpenApiValidator::load_from_string(yaml, "mini.yaml");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------------------- real specs load

TEST(OpenApiSpecs, PartnerSpecLoads) {
  EXPECT_NO_THROW(partner_spec());
  EXPECT_TRUE(partner_spec().document()["paths"].contains("/v1/capabilities"));
}

TEST(OpenApiSpecs, AdminSpecLoads) {
  EXPECT_NO_THROW(admin_spec());
  EXPECT_TRUE(admin_spec().document()["paths"].contains("/admin/v1/partners/{id}/keys/{key_id}"));
}

TEST(OpenApiSpecs, ExamplesMatchTheirSchemas) {
  EXPECT_EQ(errors_text(partner_spec().check_examples()), "");
  EXPECT_EQ(errors_text(admin_spec().check_examples()), "");
}

TEST(OpenApiSpecs, RefsAreInlined) {
  EXPECT_EQ(admin_spec().document().dump().find("\"$ref\""), std::string::npos);
  EXPECT_EQ(partner_spec().document().dump().find("\"$ref\""), std::string::npos);
}

// Every problem type a response may carry is listed in x-problem-types with the same status,
// and every listed type is used by some response.
TEST(OpenApiSpecs, ProblemTypeTablesMatchTheResponses) {
  for (const OpenApiValidator* spec : {&partner_spec(), &admin_spec()}) {
    SCOPED_TRACE(spec->source());
    const json& doc = spec->document();
    std::set<std::pair<std::string, int>> listed;
    for (const auto& entry : doc.at("x-problem-types")) {
      listed.insert({kProblems + entry.at("slug").get<std::string>(), entry.at("status").get<int>()});
    }
    std::set<std::pair<std::string, int>> used;
    for (const auto& [name, response] : doc.at("components").at("responses").items()) {
      const json& schema = response.at("content").at("application/problem+json").at("schema");
      const json& narrowing = schema.at("allOf").at(1).at("properties");
      const int status = narrowing.at("status").at("const").get<int>();
      for (const auto& type : narrowing.at("type").at("enum")) {
        used.insert({type.get<std::string>(), status});
      }
    }
    EXPECT_EQ(listed, used);
  }
}

TEST(OpenApiSpecs, ScopeEnumsAgree) {
  EXPECT_EQ(partner_spec().document()["components"]["schemas"]["Scope"]["enum"],
            admin_spec().document()["components"]["schemas"]["Scope"]["enum"]);
}

// ---------------------------------------------------------------------------- partner plane

TEST(OpenApiPartner, CapabilitiesBodyPasses) { EXPECT_EQ(errors_text(check_capabilities(capabilities())), ""); }

TEST(OpenApiPartner, CapabilitiesMissingRequiredFieldFails) {
  json body = capabilities();
  body.erase("tier");
  const auto errors = check_capabilities(body);
  ASSERT_FALSE(errors.empty());
  EXPECT_TRUE(mentions(errors, "tier")) << errors_text(errors);
}

TEST(OpenApiPartner, CapabilitiesExtraPropertyFails) {
  json body = capabilities();
  body["msisdn"] = "8613800000000";
  EXPECT_FALSE(check_capabilities(body).empty());
  body = capabilities();
  body["capabilities"][0]["limit"] = 5;
  EXPECT_TRUE(mentions(check_capabilities(body), "/capabilities/0"));
}

TEST(OpenApiPartner, CapabilitiesWrongEnumFails) {
  json body = capabilities();
  body["scopes"][1] = "audiences:delete";
  const auto errors = check_capabilities(body);
  EXPECT_TRUE(mentions(errors, "/scopes/1")) << errors_text(errors);

  body = capabilities();
  body["capabilities"][0]["name"] = "subscribers";
  EXPECT_TRUE(mentions(check_capabilities(body), "/capabilities/0/name"));

  body = capabilities();
  body["capabilities"][0]["operations"] = {"read", "delete"};
  EXPECT_TRUE(mentions(check_capabilities(body), "/capabilities/0/operations/1"));
}

TEST(OpenApiPartner, CapabilitiesDuplicateScopeFails) {
  json body = capabilities();
  body["scopes"] = {"audiences:read", "audiences:read"};
  EXPECT_FALSE(check_capabilities(body).empty());
}

TEST(OpenApiPartner, CapabilitiesWrongTypeFails) {
  json body = capabilities();
  body["display_name"] = 42;
  EXPECT_TRUE(mentions(check_capabilities(body), "/display_name"));
}

TEST(OpenApiPartner, EveryAuthProblemPasses) {
  for (const char* slug : {"signature-missing", "signature-malformed", "component-missing", "signature-invalid",
                           "unknown-key", "key-revoked", "signature-expired", "signature-not-yet-valid",
                           "nonce-missing", "nonce-replayed", "digest-mismatch", "algorithm-unsupported"}) {
    EXPECT_EQ(errors_text(check_partner_problem(401, problem(slug, 401))), "") << slug;
  }
  EXPECT_EQ(errors_text(check_partner_problem(403, problem("partner-suspended", 403))), "");
  EXPECT_EQ(errors_text(check_partner_problem(403, problem("insufficient-scope", 403))), "");
  EXPECT_EQ(errors_text(check_partner_problem(503, problem("service-unavailable", 503))), "");
}

TEST(OpenApiPartner, ProblemWithExtensionMembersPasses) {
  json body = problem("nonce-replayed", 401);
  body["retryable"] = false;
  EXPECT_EQ(errors_text(check_partner_problem(401, body)), "");
}

TEST(OpenApiPartner, ProblemWithWrongSlugForStatusFails) {
  EXPECT_FALSE(check_partner_problem(401, problem("not-found", 401)).empty());
  EXPECT_FALSE(check_partner_problem(403, problem("nonce-replayed", 403)).empty());
  json relative = problem("nonce-replayed", 401);
  relative["type"] = "/problems/nonce-replayed";
  EXPECT_FALSE(check_partner_problem(401, relative).empty());
}

TEST(OpenApiPartner, ProblemStatusMustEqualHttpStatus) {
  const auto errors = check_partner_problem(401, problem("nonce-replayed", 403));
  EXPECT_TRUE(mentions(errors, "differs from the HTTP status")) << errors_text(errors);
}

TEST(OpenApiPartner, ProblemMissingMemberFails) {
  for (const char* member : {"type", "title", "status", "detail", "instance", "request_id"}) {
    json body = problem("signature-invalid", 401);
    body.erase(member);
    EXPECT_FALSE(check_partner_problem(401, body).empty()) << member;
  }
}

TEST(OpenApiPartner, UndeclaredStatusFails) {
  const auto errors = check_partner_problem(418, problem("teapot", 418));
  EXPECT_TRUE(mentions(errors, "not declared")) << errors_text(errors);
  EXPECT_TRUE(mentions(check_partner_problem(99, problem("x", 99)), "not an HTTP status"));
}

TEST(OpenApiPartner, WrongContentTypeFails) {
  EXPECT_TRUE(
      mentions(check_partner_problem(401, problem("nonce-replayed", 401), "application/json"), "is not declared"));
  EXPECT_FALSE(
      partner_spec()
          .validate_response("GET", "/v1/capabilities", 200, "text/plain", capabilities().dump(), std_headers())
          .empty());
}

TEST(OpenApiPartner, ContentTypeParametersAndCaseAreIgnored) {
  EXPECT_EQ(
      errors_text(partner_spec().validate_response("GET", "/v1/capabilities", 200, "Application/JSON; charset=utf-8",
                                                   capabilities().dump(), std_headers())),
      "");
}

TEST(OpenApiPartner, ContentTypeFallsBackToTheHeaderList) {
  OpenApiValidator::Headers headers = std_headers();
  headers.emplace_back("content-type", "application/json");
  EXPECT_EQ(
      errors_text(partner_spec().validate_response("GET", "/v1/capabilities", 200, "", capabilities().dump(), headers)),
      "");
  EXPECT_TRUE(mentions(
      partner_spec().validate_response("GET", "/v1/capabilities", 200, "", capabilities().dump(), std_headers()),
      "missing Content-Type"));
}

TEST(OpenApiPartner, BodyThatIsNotJsonFails) {
  const auto errors = partner_spec().validate_response("GET", "/v1/capabilities", 200, "application/json",
                                                       "{\"partner_id\":", std_headers());
  EXPECT_TRUE(mentions(errors, "not JSON")) << errors_text(errors);
}

TEST(OpenApiPartner, MissingRequestIdHeaderFails) {
  const auto errors =
      partner_spec().validate_response("GET", "/v1/capabilities", 200, "application/json", capabilities().dump(), {});
  EXPECT_TRUE(mentions(errors, "missing required header X-Request-Id")) << errors_text(errors);
}

TEST(OpenApiPartner, HeaderNamesAreCaseInsensitive) {
  EXPECT_EQ(errors_text(partner_spec().validate_response(
                "GET", "/v1/capabilities", 200, "application/json", capabilities().dump(),
                {{"x-request-id", "r"}, {"octopus-policy-version", "baa6c77f240c7088"}})),
            "");
}

TEST(OpenApiPartner, AuthenticatedResponsesMustCarryAWellFormedPolicyVersion) {
  EXPECT_TRUE(mentions(partner_spec().validate_response("GET", "/v1/capabilities", 200, "application/json",
                                                        capabilities().dump(), {{"X-Request-Id", "r"}}),
                       "Octopus-Policy-Version"));
  EXPECT_FALSE(partner_spec()
                   .validate_response("GET", "/v1/capabilities", 200, "application/json", capabilities().dump(),
                                      {{"X-Request-Id", "r"}, {"Octopus-Policy-Version", "v1"}})
                   .empty());
}

TEST(OpenApiPartner, CorrelatorHeaderIsCheckedAgainstItsPattern) {
  OpenApiValidator::Headers headers = std_headers();
  headers.emplace_back("x-correlator", "b4333c46-49c0:4f62;80d7.f0ef/<930>{f1c46}");
  EXPECT_EQ(errors_text(partner_spec().validate_response("GET", "/v1/capabilities", 200, "application/json",
                                                         capabilities().dump(), headers)),
            "");
  headers.back().second = "has space";
  EXPECT_TRUE(mentions(partner_spec().validate_response("GET", "/v1/capabilities", 200, "application/json",
                                                        capabilities().dump(), headers),
                       "header x-correlator"));
}

TEST(OpenApiPartner, QuerySuffixIsIgnored) {
  EXPECT_EQ(errors_text(partner_spec().validate_response("GET", "/v1/capabilities?x=1", 200, "application/json",
                                                         capabilities().dump(), std_headers())),
            "");
}

TEST(OpenApiPartner, UnknownPathFails) {
  const auto errors =
      partner_spec().validate_response("GET", "/v1/nothing", 200, "application/json", "{}", std_headers());
  EXPECT_TRUE(mentions(errors, "no path")) << errors_text(errors);
  EXPECT_FALSE(
      partner_spec()
          .validate_response("GET", "/v1/capabilities/", 200, "application/json", capabilities().dump(), std_headers())
          .empty());
}

TEST(OpenApiPartner, UnknownPathAnsweredWithNotFoundProblemPasses) {
  json body = problem("not-found", 404);
  EXPECT_EQ(errors_text(partner_spec().validate_response("GET", "/v1/nothing", 404, "application/problem+json",
                                                         body.dump(), std_headers())),
            "");
}

TEST(OpenApiPartner, UndeclaredMethodFailsUnless405) {
  const auto errors = partner_spec().validate_response("DELETE", "/v1/capabilities", 200, "application/json",
                                                       capabilities().dump(), std_headers());
  EXPECT_TRUE(mentions(errors, "method DELETE is not declared")) << errors_text(errors);
  OpenApiValidator::Headers headers = std_headers();
  headers.emplace_back("Allow", "GET");
  EXPECT_EQ(errors_text(partner_spec().validate_response("DELETE", "/v1/capabilities", 405, "application/problem+json",
                                                         problem("method-not-allowed", 405).dump(), headers)),
            "");
  EXPECT_TRUE(mentions(partner_spec().validate_response("DELETE", "/v1/capabilities", 405, "application/problem+json",
                                                        problem("method-not-allowed", 405).dump(), std_headers()),
                       "missing required header Allow"));
}

// Requests refused while being read (before routing) can hit any path, known or not.
TEST(OpenApiPartner, EarlyRefusalsAreDeclaredEverywhere) {
  for (const char* path : {"/v1/capabilities", "/v1/unknown"}) {
    for (const auto& [slug, status] : std::vector<std::pair<std::string, int>>{
             {"malformed-request", 400}, {"payload-too-large", 413}, {"header-too-large", 431}}) {
      EXPECT_EQ(errors_text(partner_spec().validate_response("POST", path, status, "application/problem+json",
                                                             problem(slug, status).dump(), std_headers())),
                "")
          << path << " " << status;
    }
  }
  // Routing comes before authentication: an unknown path is never a 401.
  EXPECT_FALSE(partner_spec()
                   .validate_response("GET", "/v1/unknown", 401, "application/problem+json",
                                      problem("signature-missing", 401).dump(), std_headers())
                   .empty());
}

// ---------------------------------------------------------------------------- admin plane

std::vector<std::string> check_admin(std::string_view method, std::string_view path, int status, const json& body,
                                     OpenApiValidator::Headers headers = std_headers()) {
  const std::string type = status >= 400 ? "application/problem+json" : "application/json";
  return admin_spec().validate_response(method, path, status, type, body.dump(), headers);
}

TEST(OpenApiAdmin, HealthAndReadinessPass) {
  EXPECT_EQ(errors_text(check_admin("GET", "/healthz", 200, {{"status", "ok"}})), "");
  const json all_ok = {{"store", "ok"}, {"engine", "ok"}, {"policies", "ok"}};
  EXPECT_EQ(errors_text(check_admin("GET", "/readyz", 200, {{"status", "ready"}, {"checks", all_ok}})), "");
  // A check left out, or one that is not ok, is not a 200.
  EXPECT_FALSE(check_admin("GET", "/readyz", 200, {{"status", "ready"}, {"checks", {{"store", "ok"}}}}).empty());
  EXPECT_FALSE(check_admin("GET", "/readyz", 200,
                           {{"status", "ready"}, {"checks", {{"store", "ok"}, {"engine", "down"}, {"policies", "ok"}}}})
                   .empty());
  EXPECT_EQ(errors_text(check_admin("GET", "/readyz", 503, problem("not-ready", 503))), "");
  EXPECT_FALSE(check_admin("GET", "/healthz", 200, {{"status", "fine"}}).empty());
  EXPECT_FALSE(check_admin("GET", "/readyz", 503, problem("service-unavailable", 503)).empty());
}

TEST(OpenApiAdmin, PartnerBodyPasses) {
  EXPECT_EQ(errors_text(check_admin("GET", "/admin/v1/partners/acme-retail", 200, partner())), "");
  EXPECT_EQ(errors_text(check_admin("PATCH", "/admin/v1/partners/acme-retail", 200, partner())), "");
}

TEST(OpenApiAdmin, PartnerMissingRequiredFieldFails) {
  json body = partner();
  body.erase("updated_at");
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body), "updated_at"));
  body = partner();
  body["keys"][0].erase("revoked_at");
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body).empty());
}

TEST(OpenApiAdmin, PartnerExtraPropertyFails) {
  json body = partner();
  body["secret"] = "x";
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body).empty());
  body = partner();
  body["keys"][1]["private_key"] = "x";
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body), "/keys/1"));
}

TEST(OpenApiAdmin, PartnerWrongEnumFails) {
  json body = partner();
  body["status"] = "deleted";
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body), "/status"));
  body = partner();
  body["keys"][0]["algorithm"] = "rsa-pss-sha512";
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body), "/keys/0/algorithm"));
}

TEST(OpenApiAdmin, TimestampsMustBeUtcRfc3339) {
  json body = partner();
  body["created_at"] = "2025-01-15T10:30:00+02:00";
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body), "/created_at"));
  body = partner();
  body["keys"][1]["revoked_at"] = "2025-13-01T00:00:00Z";
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body).empty());
  body = partner();
  body["updated_at"] = 1736929800;
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body).empty());
}

TEST(OpenApiAdmin, PublicKeyMustBe32BytesOfBase64) {
  json body = partner();
  body["keys"][0]["public_key"] = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs";  // base64url
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body).empty());
  body["keys"][0]["public_key"] = "AAAA";
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body).empty());
}

TEST(OpenApiAdmin, CreatedPartnerNeedsLocation) {
  OpenApiValidator::Headers headers = std_headers();
  EXPECT_TRUE(
      mentions(check_admin("POST", "/admin/v1/partners", 201, partner(), headers), "missing required header Location"));
  headers.emplace_back("location", "/admin/v1/partners/acme-retail");
  EXPECT_EQ(errors_text(check_admin("POST", "/admin/v1/partners", 201, partner(), headers)), "");
}

TEST(OpenApiAdmin, PartnerPagePasses) {
  EXPECT_EQ(
      errors_text(check_admin("GET", "/admin/v1/partners", 200, {{"items", {partner()}}, {"next_cursor", nullptr}})),
      "");
  EXPECT_EQ(errors_text(
                check_admin("GET", "/admin/v1/partners", 200, {{"items", json::array()}, {"next_cursor", "b3BhcXVl"}})),
            "");
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners", 200, {{"items", json::array()}}).empty());
  EXPECT_FALSE(check_admin("GET", "/admin/v1/partners", 200, {{"items", json::array()}, {"next_cursor", 3}}).empty());
}

TEST(OpenApiAdmin, TemplatedKeyPathMatches) {
  const std::string path = "/admin/v1/partners/acme-retail/keys/acme-2025-01";
  EXPECT_EQ(errors_text(check_admin("DELETE", path, 200, partner_key(true))), "");
  // A revoke answer must carry revoked_at.
  EXPECT_TRUE(mentions(check_admin("DELETE", path, 200, partner_key(false)), "/revoked_at"));
  EXPECT_EQ(errors_text(check_admin("DELETE", path, 404, problem("not-found", 404))), "");
  // The key collection is a different template: POST there, not here.
  OpenApiValidator::Headers located = std_headers();
  located.emplace_back("Location", "/admin/v1/partners/acme-retail/keys/acme-2025-01");
  EXPECT_EQ(errors_text(check_admin("POST", "/admin/v1/partners/acme-retail/keys", 201, partner_key(false), located)),
            "");
  EXPECT_TRUE(mentions(check_admin("POST", path, 201, partner_key(false)), "method POST"));
  EXPECT_FALSE(check_admin("DELETE", "/admin/v1/partners/acme-retail/keys/", 200, partner_key(true)).empty());
}

TEST(OpenApiAdmin, BadListQueryIsMalformedRequest) {
  EXPECT_EQ(errors_text(check_admin("GET", "/admin/v1/partners", 400, problem("malformed-request", 400))), "");
  json body = problem("validation-error", 422);
  body["errors"] = {{{"pointer", ""}, {"detail", "limit must be 1-200"}}};
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners", 422, body), "not declared"));
}

TEST(OpenApiAdmin, DisplayNameCountsCharactersAndRefusesControls) {
  std::string cjk;
  for (int i = 0; i < 200; ++i) cjk += "\xe7\xab\xa0";  // U+7AE0 in UTF-8: 200 characters, 600 bytes
  json body = partner();
  body["display_name"] = cjk;
  EXPECT_EQ(errors_text(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body)), "");
  body["display_name"] = cjk + "x";
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body), "/display_name"));
  body["display_name"] = "ACME\tRetail";
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/acme-retail", 200, body), "/display_name"));
}

TEST(OpenApiAdmin, ValidationErrorNeedsErrors) {
  json body = problem("validation-error", 422);
  body["errors"] = {{{"pointer", "/scopes/1"}, {"detail", "is not a known scope"}},
                    {{"pointer", "/a~1b~0c"}, {"detail", "is not a known member"}},
                    {{"pointer", ""}, {"detail", "must change at least one member"}}};
  EXPECT_EQ(errors_text(check_admin("POST", "/admin/v1/partners", 422, body)), "");
  body["errors"][0]["pointer"] = "#/scopes/1";  // URI-fragment form: not what the API sends
  EXPECT_TRUE(mentions(check_admin("POST", "/admin/v1/partners", 422, body), "/errors/0/pointer"));
  body["errors"][0]["pointer"] = "scopes[1]";
  EXPECT_TRUE(mentions(check_admin("POST", "/admin/v1/partners", 422, body), "/errors/0/pointer"));
  body.erase("errors");
  EXPECT_TRUE(mentions(check_admin("POST", "/admin/v1/partners", 422, body), "errors"));
}

// On the audience POSTs a 422 is a refused segment (with errors) or a reused
// Idempotency-Key (without): the schema requires errors only of the former.
TEST(OpenApiPartner, A422NeedsErrorsUnlessItIsAReusedIdempotencyKey) {
  json refused = problem("segment-not-allowed", 422);
  EXPECT_FALSE(check_partner("POST", "/v1/audiences", 422, refused).empty());
  refused["errors"] = {{{"pointer", "/segment"}, {"detail", "not allowed"}, {"rule", "privacy.never_targetable"}}};
  EXPECT_EQ(errors_text(check_partner("POST", "/v1/audiences", 422, refused)), "");
  EXPECT_EQ(errors_text(check_partner("POST", "/v1/audiences", 422, problem("idempotency-key-reused", 422))), "");
  EXPECT_EQ(
      errors_text(check_partner("POST", "/v1/audience-estimates", 409, problem("idempotency-key-in-flight", 409))), "");
  EXPECT_FALSE(check_partner("POST", "/v1/audiences", 409, problem("conflict", 409)).empty());
}

TEST(OpenApiAdmin, ErrorStatusesPerOperation) {
  EXPECT_EQ(errors_text(check_admin("POST", "/admin/v1/partners", 409, problem("conflict", 409))), "");
  EXPECT_EQ(errors_text(check_admin("POST", "/admin/v1/partners", 415, problem("unsupported-media-type", 415))), "");
  OpenApiValidator::Headers challenge = std_headers();
  challenge.emplace_back("WWW-Authenticate", "Bearer realm=\"octopus-admin\"");
  EXPECT_EQ(errors_text(check_admin("GET", "/admin/v1/partners/x-y-z", 401, problem("unauthorized", 401), challenge)),
            "");
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/x-y-z", 401, problem("unauthorized", 401)),
                       "missing required header WWW-Authenticate"));
  // GET of one partner never answers 409 or 422.
  EXPECT_TRUE(mentions(check_admin("GET", "/admin/v1/partners/x-y-z", 409, problem("conflict", 409)), "not declared"));
  EXPECT_TRUE(mentions(check_admin("GET", "/healthz", 401, problem("unauthorized", 401)), "not declared"));
}

// ---------------------------------------------------------------------------- loader edges

TEST(OpenApiLoader, MissingFileNamesTheFile) {
  try {
    OpenApiValidator::load("/nonexistent/spec.yaml");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/spec.yaml"), std::string::npos);
  }
}

TEST(OpenApiLoader, YamlSyntaxErrorNamesFileAndLine) {
  const std::string error = load_error("openapi: 3.1.0\npaths: [\n");
  EXPECT_NE(error.find("mini.yaml:"), std::string::npos) << error;
  EXPECT_NE(error.find("YAML error"), std::string::npos) << error;
}

TEST(OpenApiLoader, ScalarsAreTypedLikeYaml12) {
  const auto spec = OpenApiValidator::load_from_string(
      mini_spec("                {type: string}\n") +
      "x-values:\n"
      "  quoted_true: 'true'\n  plain_true: true\n  quoted_int: \"42\"\n  plain_int: 42\n"
      "  hex: 0x1F\n  real: 1.5\n  plain_null: null\n  tilde: ~\n  quoted_null: 'null'\n"
      "  yes_word: yes\n  version: 3.1.0\n  block: |\n    line\n  tagged: !!str 7\n"
      "  negative: -3\n");
  const json& v = spec.document()["x-values"];
  EXPECT_EQ(v["quoted_true"], json("true"));
  EXPECT_EQ(v["plain_true"], json(true));
  EXPECT_EQ(v["quoted_int"], json("42"));
  EXPECT_EQ(v["plain_int"], json(42));
  EXPECT_TRUE(v["plain_int"].is_number_integer());
  EXPECT_EQ(v["hex"], json(31));
  EXPECT_DOUBLE_EQ(v["real"].get<double>(), 1.5);
  EXPECT_TRUE(v["plain_null"].is_null());
  EXPECT_TRUE(v["tilde"].is_null());
  EXPECT_EQ(v["quoted_null"], json("null"));
  EXPECT_EQ(v["yes_word"], json("yes"));
  EXPECT_EQ(v["version"], json("3.1.0"));
  EXPECT_EQ(v["block"], json("line\n"));
  EXPECT_EQ(v["tagged"], json("7"));
  EXPECT_EQ(v["negative"], json(-3));
  EXPECT_TRUE(spec.document()["paths"]["/items/{id}"]["get"]["responses"].contains("200"));
}

TEST(OpenApiLoader, RejectsDuplicateKeys) {
  EXPECT_NE(load_error(mini_spec("                {type: string, type: integer}\n")).find("duplicate key 'type'"),
            std::string::npos);
}

TEST(OpenApiLoader, RejectsKeywordsValijsonLacks) {
  for (const char* schema :
       {"{type: object, unevaluatedProperties: false}", "{type: array, prefixItems: [{type: string}]}",
        "{type: object, dependentRequired: {a: [b]}}", "{type: string, nullable: true}",
        "{type: array, items: [{type: string}]}", "{type: [string, 'null'], format: date-time}",
        "{type: string, pattern: '(unclosed'}", "{$defs: {a: {type: string}}}"}) {
    const std::string error = load_error(mini_spec(std::string("                ") + schema + "\n"));
    EXPECT_NE(error.find("mini.yaml: /paths/~1items~1{id}/get/responses/200/content/"
                         "application~1json/schema"),
              std::string::npos)
        << schema << " -> " << error;
  }
}

TEST(OpenApiLoader, RejectsBadRefs) {
  EXPECT_NE(load_error(mini_spec("                $ref: '#/components/schemas/Missing'\n")).find("points to nothing"),
            std::string::npos);
  EXPECT_NE(load_error(mini_spec("                $ref: 'other.yaml#/components/schemas/Name'\n")).find("not local"),
            std::string::npos);
  const std::string cyclic = mini_spec("                $ref: '#/components/schemas/Node'\n") +
                             "    Node: {type: object, properties: {next: {$ref: '#/components/schemas/Node'}}}\n";
  EXPECT_NE(load_error(cyclic).find("cyclic $ref"), std::string::npos) << load_error(cyclic);
}

TEST(OpenApiLoader, RejectsOtherOpenApiVersions) {
  std::string spec = mini_spec("                {type: string}\n");
  spec.replace(spec.find("3.1.0"), 5, "3.0.3");
  EXPECT_NE(load_error(spec).find("OpenAPI 3.1"), std::string::npos);
}

TEST(OpenApiLoader, RefWithSiblingConstraintsAppliesBoth) {
  const auto spec = OpenApiValidator::load_from_string(
      mini_spec("                {$ref: '#/components/schemas/Name', maxLength: 3}\n"));
  EXPECT_EQ(errors_text(spec.validate_response("GET", "/items/1", 200, "application/json", "\"abc\"", {})), "");
  EXPECT_FALSE(spec.validate_response("GET", "/items/1", 200, "application/json", "\"abcd\"", {}).empty());
  EXPECT_FALSE(spec.validate_response("GET", "/items/1", 200, "application/json", "\"\"", {}).empty());
}

TEST(OpenApiLoader, LiteralSegmentsWinOverTemplates) {
  const std::string literal_path =
      "  /items/special:\n"
      "    get:\n"
      "      responses:\n"
      "        '200':\n"
      "          description: ok\n"
      "          content:\n"
      "            application/json:\n"
      "              schema: {type: integer}\n";
  const auto spec = OpenApiValidator::load_from_string(mini_spec("                {type: string}\n", literal_path));
  EXPECT_EQ(errors_text(spec.validate_response("GET", "/items/special", 200, "application/json", "7", {})), "");
  EXPECT_EQ(errors_text(spec.validate_response("GET", "/items/other", 200, "application/json", "\"x\"", {})), "");
  EXPECT_FALSE(spec.validate_response("GET", "/items/special", 200, "application/json", "\"x\"", {}).empty());
}

TEST(OpenApiLoader, RangeAndDefaultResponsesApplyToUndeclaredStatuses) {
  const std::string more =
      "        4XX:\n"
      "          description: client error\n"
      "          content:\n"
      "            application/problem+json:\n"
      "              schema: {type: object, required: [status]}\n"
      "        default:\n"
      "          description: anything else\n";
  std::string spec_text = mini_spec("                {type: string}\n");
  // Put the extra responses right after the 200 response's schema line.
  const std::string anchor = "                {type: string}\n";
  spec_text.insert(spec_text.find(anchor) + anchor.size(), more);
  const auto spec = OpenApiValidator::load_from_string(spec_text);
  EXPECT_EQ(
      errors_text(spec.validate_response("GET", "/items/1", 429, "application/problem+json", R"({"status":429})", {})),
      "");
  EXPECT_FALSE(
      spec.validate_response("GET", "/items/1", 429, "application/problem+json", R"({"title":"x"})", {}).empty());
  // default declares no body: an empty 502 passes, a 502 with a body does not.
  EXPECT_EQ(errors_text(spec.validate_response("GET", "/items/1", 502, "", "", {})), "");
  EXPECT_TRUE(mentions(spec.validate_response("GET", "/items/1", 502, "text/plain", "oops", {}), "declares none"));
}

}  // namespace
