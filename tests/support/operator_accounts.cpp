#include "operator_accounts.hpp"

#include <gtest/gtest.h>

namespace octopus::testing {

namespace {
std::string problem_detail(const client::HttpResponse& r) {
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("detail") && j["detail"].is_string() ? j["detail"].get<std::string>() : "";
}
}  // namespace

void OperatorAccounts::create(const Send& send, const std::string& bootstrap_token) {
  const auto first = send("POST", "/admin/v1/accounts", {{"name", "admin"}, {"role", "admin"}}, bootstrap_token);
  ASSERT_EQ(first.status, 201) << first.body;
  tokens_["admin"] = nlohmann::json::parse(first.body)["token"]["token"].get<std::string>();
  for (const char* role : kOperatorRoles) {
    if (tokens_.count(role)) continue;
    const auto r = send("POST", "/admin/v1/accounts", {{"name", role}, {"role", role}}, tokens_["admin"]);
    ASSERT_EQ(r.status, 201) << r.body;
    tokens_[role] = nlohmann::json::parse(r.body)["token"]["token"].get<std::string>();
  }
}

std::string OperatorAccounts::token(const std::string& role) const {
  const auto it = tokens_.find(role);
  return it == tokens_.end() ? std::string() : it->second;
}

client::HttpResponse OperatorAccounts::send_as_allowed(const Send& send, const std::string& method,
                                                       const std::string& target, const nlohmann::json& body) const {
  auto r = send(method, target, body, token("admin"));
  if (r.status != 403) return r;
  const auto detail = problem_detail(r);
  const auto at = detail.find("needs one of: ");
  if (at == std::string::npos) return r;
  const auto start = at + 14;
  const auto role = detail.substr(start, detail.find_first_of(",.", start) - start);
  return send(method, target, body, token(role));
}

}  // namespace octopus::testing
