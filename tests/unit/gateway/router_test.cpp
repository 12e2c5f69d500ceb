#include <gtest/gtest.h>

#include "http/router.hpp"

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

}  // namespace
