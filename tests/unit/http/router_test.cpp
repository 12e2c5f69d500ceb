#include <gtest/gtest.h>

#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "observability/log.hpp"

#include <nlohmann/json.hpp>

using octopus::http::Route;
using octopus::http::Router;

namespace {

Router make_router() {
  Router r;
  auto ok = [](octopus::http::RequestContext&) { return octopus::http::Response{}; };
  r.add({.method = "GET", .pattern = "/admin/v1/partners", .handler = ok});
  r.add({.method = "POST", .pattern = "/admin/v1/partners", .handler = ok});
  r.add({.method = "GET", .pattern = "/admin/v1/partners/{id}", .handler = ok});
  r.add({.method = "DELETE", .pattern = "/admin/v1/partners/{id}/keys/{key_id}", .handler = ok});
  return r;
}

TEST(Router, MatchesLiteralAndCapturedSegments) {
  auto r = make_router();
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::string allowed;
  ASSERT_EQ(r.match("DELETE", "/admin/v1/partners/acme/keys/k-1", route, params, allowed), Router::Result::found);
  EXPECT_EQ(route->pattern, "/admin/v1/partners/{id}/keys/{key_id}");
  EXPECT_EQ(params.at("id"), "acme");
  EXPECT_EQ(params.at("key_id"), "k-1");
}

TEST(Router, ListsAllowedMethodsFor405) {
  auto r = make_router();
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::string allowed;
  EXPECT_EQ(r.match("PUT", "/admin/v1/partners", route, params, allowed), Router::Result::method_not_allowed);
  EXPECT_EQ(allowed, "GET, POST");
}

TEST(Router, DoesNotMatchEmptyCapturesTrailingSlashesOrDecodedPaths) {
  auto r = make_router();
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::string allowed;
  EXPECT_EQ(r.match("GET", "/admin/v1/partners/", route, params, allowed), Router::Result::not_found);
  EXPECT_EQ(r.match("DELETE", "/admin/v1/partners//keys/k", route, params, allowed), Router::Result::not_found);
  EXPECT_EQ(r.match("GET", "/admin/v1/partners/a/b", route, params, allowed), Router::Result::not_found);
  EXPECT_EQ(r.match("GET", "admin/v1/partners", route, params, allowed), Router::Result::not_found);
  // The raw path is routed: an encoded slash stays inside one segment.
  ASSERT_EQ(r.match("GET", "/admin/v1/partners/a%2Fb", route, params, allowed), Router::Result::found);
  EXPECT_EQ(params.at("id"), "a%2Fb");
}

// Route metadata is typed and checked against the plane when the route is registered, so
// a route that would count against no quota, or a scope on a plane without partners,
// stops the gateway at start-up instead of being served wrongly.
TEST(Pipeline, WhatAHandlerLogsCarriesTheRequestId) {
  octopus::http::Pipeline admin{octopus::vocabulary::Plane::admin};
  admin.add_route({.method = "GET",
                   .pattern = "/admin/v1/x",
                   .handler =
                       [](octopus::http::RequestContext&) {
                         octopus::observability::log_warn("store_slow", {{"ms", 1500}});
                         return octopus::http::Response{};
                       },
                   .roles = {octopus::vocabulary::Role::viewer}});
  octopus::http::RequestContext ctx;
  ctx.request.method = "GET";
  ctx.request.target = "/admin/v1/x";
  ctx.request_id = "req-7f3a";
  ASSERT_FALSE(admin.resolve(ctx));
  ::testing::internal::CaptureStderr();
  admin.run(ctx);
  const auto line = nlohmann::json::parse(::testing::internal::GetCapturedStderr());
  EXPECT_EQ(line["event"], "store_slow");
  EXPECT_EQ(line["request_id"], "req-7f3a");
}

TEST(Pipeline, RefusesRouteMetadataThatDoesNotFitThePlane) {
  using octopus::vocabulary::CapabilityClass;
  using octopus::vocabulary::Plane;
  using octopus::vocabulary::Scope;
  auto ok = [](octopus::http::RequestContext&) { return octopus::http::Response{}; };
  octopus::http::Pipeline partner{Plane::partner}, admin{Plane::admin};
  EXPECT_THROW(partner.add_route({.method = "GET", .pattern = "/v1/things", .handler = ok}), std::logic_error);
  EXPECT_NO_THROW(partner.add_route({.method = "GET",
                                     .pattern = "/v1/things",
                                     .handler = ok,
                                     .required_scope = Scope::offers_read,
                                     .capability_class = CapabilityClass::reads}));
  EXPECT_THROW(
      admin.add_route({.method = "GET", .pattern = "/admin/v1/x", .handler = ok, .required_scope = Scope::offers_read}),
      std::logic_error);
  EXPECT_THROW(
      admin.add_route(
          {.method = "GET", .pattern = "/admin/v1/x", .handler = ok, .capability_class = CapabilityClass::deliveries}),
      std::logic_error);
  // Every admin route names the operator roles that may call it; no other plane's does.
  EXPECT_THROW(admin.add_route({.method = "GET", .pattern = "/admin/v1/x", .handler = ok}), std::logic_error);
  EXPECT_NO_THROW(admin.add_route(
      {.method = "GET", .pattern = "/admin/v1/x", .handler = ok, .roles = {octopus::vocabulary::Role::viewer}}));
  EXPECT_NO_THROW(admin.add_route({.method = "GET", .pattern = "/healthz", .handler = ok, .public_route = true}));
  EXPECT_THROW(partner.add_route({.method = "GET",
                                  .pattern = "/v1/others",
                                  .handler = ok,
                                  .required_scope = Scope::offers_read,
                                  .capability_class = CapabilityClass::reads,
                                  .roles = {octopus::vocabulary::Role::admin}}),
               std::logic_error);
}

TEST(Vocabulary, ScopesAndClassesRoundTripThroughTheirNames) {
  using namespace octopus::vocabulary;
  for (const auto& grant : kScopes) EXPECT_EQ(parse_scope(to_string(grant.scope)), grant.scope);
  EXPECT_FALSE(parse_scope("audiences:reed").has_value());
  for (std::size_t i = 0; i < kCapabilityClassCount; ++i) {
    const auto c = static_cast<CapabilityClass>(i);
    EXPECT_EQ(parse_capability_class(to_string(c)), c);
  }
  EXPECT_FALSE(parse_capability_class("read").has_value());
}

}  // namespace
