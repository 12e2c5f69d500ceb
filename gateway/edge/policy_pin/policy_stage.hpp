// Partner-plane pipeline stage: pins the active policy snapshot on the request. Runs after
// authentication, so only a proven partner learns the policy version its request was
// decided under (sent back as Octopus-Policy-Version). Part of the gateway core, not of the
// policy library, because it speaks the pipeline's Stage interface.
#pragma once
#include "http/stage.hpp"
#include "policy/policy_registry.hpp"

namespace octopus::policy {

class PolicyStage final : public http::Stage {
 public:
  explicit PolicyStage(const PolicyRegistry& registry) : registry_(registry) {}
  std::string_view name() const override { return "policy"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;

 private:
  const PolicyRegistry& registry_;
};

}  // namespace octopus::policy
