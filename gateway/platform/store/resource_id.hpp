// Ids of partner resources: a prefix ("aud_", "ofr_"), the creation time (ms, 12 hex digits)
// and 64 random bits (16 hex digits). They sort by creation, so cursors are ids, and they
// cannot be guessed, so one partner cannot walk another's.
#pragma once
#include <string>
#include <string_view>

namespace octopus::store {

enum class ResourceKind {
  audience,
  offer,
  delivery,
  trigger,
  contract,
  settlement_entry,
  webhook_endpoint,
  webhook_event,
};

std::string_view prefix_of(ResourceKind kind);  // "aud_", "ofr_", "dlv_", "trg_", "ctr_", "stl_", "whe_", "msg_"

std::string new_resource_id(ResourceKind kind);

// True when `text` has the shape of an id of that kind (its prefix, 28 lower-case hex
// digits). Handlers check it before any lookup, so a malformed id is as absent as an
// unknown one, and a cursor that is not an id is refused.
bool is_resource_id(ResourceKind kind, std::string_view text);

}  // namespace octopus::store
