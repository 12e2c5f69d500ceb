// Request bodies checked against an OpenAPI document: what a caller is told for each way a
// body can break its schema, and that the documents the gateway serves all compile.
#include "openapi/request_bodies.hpp"

#include <set>

#include <gtest/gtest.h>

#include "app/api_documents.hpp"
#include "openapi/openapi_document.hpp"

namespace {

using nlohmann::json;
using octopus::openapi::FieldError;
using octopus::openapi::RequestBodies;

constexpr const char* kDocument = R"(
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /things:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses: {'201': {description: made}}
  /things/{id}:
    patch:
      requestBody:
        content:
          application/merge-patch+json:
            schema: {type: object, minProperties: 1, properties: {name: {type: string}}}
      responses: {'200': {description: changed}}
components:
  schemas:
    Thing:
      type: object
      additionalProperties: false
      required: [id, colour, tags]
      properties:
        id: {type: string, pattern: '^[a-z]{3}$'}
        colour: {type: string, enum: [red, green]}
        size: {type: integer, minimum: 1, maximum: 9}
        name: {type: string, minLength: 1, maxLength: 4}
        tags: {type: array, uniqueItems: true, items: {type: string}}
        when: {type: string, format: date-time}
        shape:
          oneOf:
            - {type: object, additionalProperties: false, required: [round], properties: {round: {type: boolean}}}
            - {type: object, additionalProperties: false, required: [sides], properties: {sides: {type: integer}}}
)";

const RequestBodies& bodies() {
  static const RequestBodies b =
      RequestBodies::from_document(octopus::openapi::load_document(kDocument, "t.yaml"), "t.yaml");
  return b;
}

std::vector<FieldError> check(const json& body) { return bodies().find("POST", "/things")->check(body); }

std::string detail_at(const std::vector<FieldError>& errors, const std::string& pointer) {
  for (const auto& e : errors)
    if (e.pointer == pointer) return e.detail;
  return "(no error at " + pointer + ")";
}

TEST(RequestBodies, AValidBodyHasNoErrors) {
  EXPECT_TRUE(check({{"id", "abc"}, {"colour", "red"}, {"tags", {"a", "b"}}, {"shape", {{"sides", 4}}}}).empty());
}

TEST(RequestBodies, EachMissingMemberIsNamedAtItsOwnPointer) {
  const auto errors = check(json::object());
  ASSERT_EQ(errors.size(), 3u);
  for (const auto* member : {"/id", "/colour", "/tags"}) EXPECT_EQ(detail_at(errors, member), "is required");
}

TEST(RequestBodies, EveryUnknownMemberIsNamedNotOnlyTheFirst) {
  const auto errors = check({{"id", "abc"}, {"colour", "red"}, {"tags", json::array()}, {"a/b", 1}, {"zz", 2}});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(detail_at(errors, "/a~1b"), "is not a known member");
  EXPECT_EQ(detail_at(errors, "/zz"), "is not a known member");
}

TEST(RequestBodies, DetailsSayWhatTheSchemaAllows) {
  const auto errors =
      check({{"id", "ABCD"}, {"colour", "blue"}, {"size", 10}, {"name", ""}, {"tags", {"a", "b", "a"}}});
  EXPECT_EQ(detail_at(errors, "/id"), "must match the pattern ^[a-z]{3}$");
  EXPECT_EQ(detail_at(errors, "/colour"), "must be one of: red, green");
  EXPECT_EQ(detail_at(errors, "/size"), "must be at most 9");
  EXPECT_EQ(detail_at(errors, "/name"), "must be 1-4 characters");
  EXPECT_EQ(detail_at(errors, "/tags/2"), "is listed twice");
  EXPECT_EQ(errors.size(), 5u);
}

TEST(RequestBodies, ADateTimeThatIsNotOneSaysSo) {
  const auto errors = check({{"id", "abc"}, {"colour", "red"}, {"tags", json::array()}, {"when", "next tuesday"}});
  EXPECT_EQ(detail_at(errors, "/when"), "must be an RFC 3339 date-time");
}

TEST(RequestBodies, AWrongTypeNamesTheTypeExpected) {
  const auto errors = check({{"id", 7}, {"colour", "red"}, {"tags", "a"}});
  EXPECT_EQ(detail_at(errors, "/id"), "must be a string");
  EXPECT_EQ(detail_at(errors, "/tags"), "must be an array");
}

TEST(RequestBodies, AnAlternativeThatNoFormMatchesIsReportedOnce) {
  const auto errors = check({{"id", "abc"}, {"colour", "red"}, {"tags", json::array()}, {"shape", {{"corners", 3}}}});
  ASSERT_EQ(errors.size(), 1u) << errors[0].pointer << " " << errors[0].detail;
  EXPECT_EQ(errors[0].pointer, "/shape");
  EXPECT_EQ(errors[0].detail, "does not match any of its allowed forms");
}

TEST(RequestBodies, MediaTypesAndWhetherTheBodyIsRequiredComeFromTheDocument) {
  const auto* create = bodies().find("POST", "/things");
  const auto* patch = bodies().find("PATCH", "/things/{id}");
  ASSERT_TRUE(create && patch);
  EXPECT_TRUE(create->required());
  EXPECT_FALSE(create->accepts_merge_patch());
  EXPECT_FALSE(patch->required());  // OpenAPI's default
  EXPECT_TRUE(patch->accepts_merge_patch());
  EXPECT_EQ(detail_at(patch->check(json::object()), ""), "must have at least 1 member(s)");
  EXPECT_EQ(bodies().find("GET", "/things"), nullptr);
  EXPECT_EQ(bodies().find("POST", "/things/{id}"), nullptr);
}

TEST(RequestBodies, ASchemaTheEngineCannotCheckFaithfullyIsRefusedAtLoad) {
  const auto doc = octopus::openapi::load_document(
      R"(
openapi: 3.1.0
paths:
  /x:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: string, nullable: true}
)",
      "bad.yaml");
  try {
    RequestBodies::from_document(doc, "bad.yaml");
    FAIL() << "nullable (OpenAPI 3.0) was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml: /paths/~1x/post/requestBody/nullable: 'nullable' is OpenAPI 3.0"),
              std::string::npos)
        << e.what();
  }
}

// The documents compiled into the gateway: every body they declare can be checked.
TEST(RequestBodies, TheServedDocumentsDeclareTheBodiesTheGatewayChecks) {
  const auto partner = RequestBodies::from_document(
      octopus::openapi::load_document(octopus::app::partner_api_document(), "partner.yaml"), "partner.yaml");
  const auto admin = RequestBodies::from_document(
      octopus::openapi::load_document(octopus::app::admin_api_document(), "admin.yaml"), "admin.yaml");
  EXPECT_NE(partner.find("POST", "/v1/offers"), nullptr);
  EXPECT_NE(partner.find("POST", "/v1/deliveries"), nullptr);
  EXPECT_NE(admin.find("POST", "/admin/v1/partners"), nullptr);
  EXPECT_TRUE(admin.find("PATCH", "/admin/v1/partners/{id}")->accepts_merge_patch());
  EXPECT_FALSE(admin.find("POST", "/admin/v1/policies/reload")->required());
}

}  // namespace
