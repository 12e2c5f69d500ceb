// Customer service on the admin plane, one subscriber at a time:
//   GET  /admin/v1/subscribers/{id}/consents   every consent scope with a record: the
//        engine's, and the gateway's own changes (opt-outs, earlier agents) laid over it
//   POST /admin/v1/subscribers/{id}/consents   grant or withdraw scopes, with a note; each
//        change is recorded (append-only) and audited, and applies to the next decision
//   POST /admin/v1/partners/{id}/subscriber-tokens   issue the partner's token for a
//        subscriber (a subscriber who signed up with that partner through the operator), so
//        the partner can address them in a token delivery; audited
#pragma once
#include <chrono>

#include "deliveries/consent_overlay.hpp"
#include "engine/engine.hpp"
#include "http/pipeline.hpp"
#include "policy/policy_registry.hpp"
#include "audit/audit_repository.hpp"
#include "partners/partner_repository.hpp"
#include "tokens/subscriber_token_repository.hpp"
#include "tokens/partner_token.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::admin {

struct SubscribersApiDeps {
  partners::PartnerRepository& partners;
  tokens::SubscriberTokenRepository& subscriber_tokens;
  audit::AuditRepository& audit;
  engine::Engine& engine;
  deliveries::ConsentChanges& consents;
  policy::PolicyRegistry& policies;
  const tokens::PartnerTokenizer& tokenizer;
  std::chrono::milliseconds engine_timeout;
  const Clock& clock = system_clock();  // what records are stamped with
};

void register_subscriber_routes(http::Pipeline& admin_plane, SubscribersApiDeps deps);

}  // namespace octopus::admin
