// What a callback says, in payload version 2026-12-01 (the only one so far; an endpoint is
// pinned to the version it registered with, so a later version never changes what an
// existing receiver parses):
//
//   {"id": "msg_...", "type": "settlement.earned", "timestamp": "<RFC 3339>",
//    "data": <the ledger entry as GET /v1/settlements shows it>}
//
// The subscriber appears only as the partner's own token, never as a number. A test ping
// has type "ping" and data {"endpoint_id"}.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "settlement/ledger_repository.hpp"
#include "tokens/partner_token.hpp"
#include "webhooks/webhook_delivery_repository.hpp"
#include "webhooks/webhook_endpoint_repository.hpp"

namespace octopus::webhooks {

inline constexpr std::string_view kPayloadVersion = "2026-12-01";

// Whether the endpoint takes events of this type (a ping goes to any endpoint).
bool takes(const WebhookEndpoint& endpoint, std::string_view type);

// The delivery of one ledger outbox event to one endpoint, due at `now_ms`.
WebhookDelivery settlement_delivery(const WebhookEndpoint& endpoint, const settlement::OutboxItem& item,
                                    const tokens::PartnerTokenizer& tokenizer, std::int64_t now_ms);

// A test ping to `endpoint`, due at `now_ms`.
WebhookDelivery ping_delivery(const WebhookEndpoint& endpoint, std::int64_t now_ms);

}  // namespace octopus::webhooks
