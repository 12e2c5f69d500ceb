// What became of a partner's callbacks, and asking for them again, on the partner plane:
//   GET  /v1/webhook-endpoints/{id}/deliveries   each event's delivery: state, attempts,
//                                                 the receiver's last answer (?state=dead)
//   POST /v1/webhook-endpoints/{id}/replay       one event again ({"event_id"}), or every
//                                                 event of a time range ({"from","until"})
//   POST /v1/webhook-endpoints/{id}/test         a signed "ping"
//   GET  /v1/webhook-signing-keys                the operator's Ed25519 keys for v1a
#pragma once
#include <functional>

#include "http/pipeline.hpp"
#include "settlement/ledger_repository.hpp"
#include "tokens/partner_token.hpp"
#include "vocabulary/clock.hpp"
#include "webhooks/callback_signer.hpp"
#include "webhooks/webhook_delivery_repository.hpp"
#include "webhooks/webhook_endpoint_repository.hpp"

namespace octopus::webhooks {

struct WebhookDeliveriesApiDeps {
  WebhookEndpointRepository& endpoints;
  WebhookDeliveryRepository& deliveries;
  settlement::LedgerRepository& ledger;  // the outbox a time-range replay reads
  const tokens::PartnerTokenizer& tokenizer;
  const CallbackSigner& signer;
  std::function<void()> wake_dispatcher;  // something was queued: send it now
  const Clock& clock = system_clock();
};

void register_webhook_delivery_routes(http::Pipeline& partner_plane, WebhookDeliveriesApiDeps deps);

}  // namespace octopus::webhooks
