// The operator accounts a test gateway is driven with: one per role, each named after its
// role ("admin", "operator", ...), made through the admin API (the bootstrap token creates
// "admin", which creates the others) or adopted from the store. A
// test that does not care which role it acts as sends as admin, and when the gateway
// answers 403 for the role, again as the first role that refusal names ("it needs one of:
// compliance, support"): the route's own declaration decides, never a copy of it here.
#pragma once
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "octopus/client/https_connection.hpp"

namespace octopus::testing {

inline constexpr const char* kOperatorRoles[] = {"admin", "operator", "compliance", "support", "viewer", "metrics"};

class OperatorAccounts {
 public:
  using Send = std::function<client::HttpResponse(const std::string& method, const std::string& target,
                                                  const nlohmann::json& body, const std::string& token)>;

  // Through the admin API: the bootstrap token creates "admin", which creates the others.
  // Fails the current test when the accounts cannot be made.
  void create(const Send& send, const std::string& bootstrap_token);
  // A token made some other way (in the store, before the gateway started).
  void adopt(const std::string& role, const std::string& token) { tokens_[role] = token; }
  bool ready() const { return !tokens_.empty(); }
  // The token of the account named after `role` ("" when there is none).
  std::string token(const std::string& role) const;
  client::HttpResponse send_as_allowed(const Send& send, const std::string& method, const std::string& target,
                                       const nlohmann::json& body) const;

 private:
  std::map<std::string, std::string> tokens_;
};

}  // namespace octopus::testing
