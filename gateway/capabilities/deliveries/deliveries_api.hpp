// Deliveries on the partner plane:
//   POST /v1/deliveries              an approved offer to an audience or to up to 1,000 of the
//                                    partner's subscriber tokens, now or at `send_at`; 202
//   GET  /v1/deliveries[/{id}]       progress and outcome counts (the partner's own only)
//   POST /v1/deliveries/{id}/cancel  stops it; subscribers not yet decided count as cancelled
// Outcome counts are shown only once the delivery has finished and only when it targets at
// least k subscribers (the privacy policy's minimum audience size), through the release
// model (noise, rounding, budget); a token delivery shows only how many tokens were
// accepted, so that no partner can learn one person's consent or contact history.
#pragma once
#include <chrono>

#include "deliveries/delivery_runner.hpp"
#include "http/pipeline.hpp"
#include "privacy/release_model.hpp"
#include "quota/quota_limiter.hpp"
#include "audiences/audience_repository.hpp"
#include "deliveries/delivery_repository.hpp"
#include "offers/offer_repository.hpp"
#include "tokens/subscriber_token_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::deliveries {

struct DeliveriesApiDeps {
  DeliveryRepository& deliveries;
  octopus::offers::OfferRepository& offers;
  octopus::audiences::AudienceRepository& audiences;
  octopus::tokens::SubscriberTokenRepository& subscriber_tokens;
  DeliveryRunner& runner;
  quota::QuotaLimiter* limiter;         // null when quotas are not enforced: messages are not metered
  privacy::ReleaseModel& release;       // what a partner may see of outcome counts
  const Clock& clock = system_clock();  // what records are stamped with
};

void register_delivery_routes(http::Pipeline& partner_plane, DeliveriesApiDeps deps);

}  // namespace octopus::deliveries
