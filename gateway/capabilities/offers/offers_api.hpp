// Offers, on both planes:
//   POST /v1/offers             submit an offer; the content policy decides at once
//                               (approved | rejected with reasons | pending_review)
//   GET  /v1/offers[/{id}]      the partner's own offers only (another's id is 404)
//   GET  /admin/v1/offers       every partner's, filtered by status (the review queue)
//   POST /admin/v1/offers/{id}/review   approve or reject a pending offer, with a note;
//                               recorded with the reviewer and the policy version, audited
#pragma once
#include <chrono>

#include "engine/engine.hpp"
#include "http/pipeline.hpp"
#include "policy/policy_registry.hpp"
#include "audit/audit_repository.hpp"
#include "offers/offer_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::offers {

struct OffersApiDeps {
  OfferRepository& offers;
  audit::AuditRepository& audit;
  engine::Engine& engine;
  policy::PolicyRegistry& policies;
  std::chrono::milliseconds engine_timeout;
  const Clock& clock = system_clock();  // what records are stamped with
};

void register_offer_routes(http::Pipeline& partner_plane, http::Pipeline& admin_plane, OffersApiDeps deps);

}  // namespace octopus::offers
