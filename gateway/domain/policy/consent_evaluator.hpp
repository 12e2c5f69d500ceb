// May this subscriber be reached for this purpose, on this channel, by a partner of this
// category, through this capability? The rules of consent.yaml, in its stated order.
#pragma once
#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

struct ConsentRequest {
  Capability capability;
  Channel channel;
  PurposeId purpose;    // PolicySnapshot::purpose_id
  CategoryId category;  // PolicySnapshot::category_id
};

// Pure and allocation-free. Ids must come from `snapshot`.
Decision evaluate_consent(const PolicySnapshot& snapshot, const ConsentRequest& request,
                          const SubscriberConsent& subscriber);

}  // namespace octopus::policy
