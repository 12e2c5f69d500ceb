// Real-time triggers on the partner plane:
//   POST   /v1/triggers        an approved offer, an event type, a segment (the audience
//                              grammar; at least k subscribers), a per-subscriber cooldown
//   GET    /v1/triggers[/{id}] the partner's own, with aggregate counts only
//   DELETE /v1/triggers/{id}   stops it at once
#pragma once
#include <chrono>

#include "audiences/audience_service.hpp"
#include "http/pipeline.hpp"
#include "offers/offer_repository.hpp"
#include "triggers/trigger_repository.hpp"
#include "triggers/trigger_runner.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::triggers {

struct TriggersApiDeps {
  TriggerRepository& triggers;
  octopus::offers::OfferRepository& offers;
  audiences::AudienceService& audiences;
  TriggerRunner& runner;
  const Clock& clock = system_clock();  // what records are stamped with
};

void register_trigger_routes(http::Pipeline& partner_plane, TriggersApiDeps deps);

}  // namespace octopus::triggers
