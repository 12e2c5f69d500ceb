// GET /admin/v1/partners/{id}/privacy-budget: how much of its privacy budget a partner (or
// its organisation, which shares one) has spent in the current period, so compliance can see
// who is asking many new questions and support can answer "why is my count withheld?".
#pragma once
#include "http/pipeline.hpp"
#include "policy/policy_registry.hpp"
#include "privacy/release_model.hpp"
#include "partners/partner_repository.hpp"

namespace octopus::admin {

struct PrivacyApiDeps {
  partners::PartnerRepository& partners;
  policy::PolicyRegistry& policies;
  privacy::ReleaseModel& release;
};

void register_privacy_routes(http::Pipeline& admin_plane, PrivacyApiDeps deps);

}  // namespace octopus::admin
