// A finished audience delivery's outcome counts as the partner may see them: through the
// release model (noisy, rounded, paid for once, the same figures on every later look). The
// partner API shows them and settlement bills the `delivered` figure, so both read the same
// release (docs/privacy.md, "Which figures money depends on").
#pragma once
#include <string>

#include "deliveries/delivery_repository.hpp"
#include "policy/policy_snapshot.hpp"
#include "privacy/release_model.hpp"

namespace octopus::deliveries {

privacy::Release released_outcomes(const DeliveryRecord& d, const policy::PrivacyPolicy& rules,
                                   const std::string& privacy_account, privacy::ReleaseModel& release);

}  // namespace octopus::deliveries
