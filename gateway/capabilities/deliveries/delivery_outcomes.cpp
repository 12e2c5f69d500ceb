#include "deliveries/delivery_outcomes.hpp"

namespace octopus::deliveries {

privacy::Release released_outcomes(const DeliveryRecord& d, const policy::PrivacyPolicy& rules,
                                   const std::string& privacy_account, privacy::ReleaseModel& release) {
  return release.parts(rules, privacy_account, "delivery|" + d.id, d.target_count,
                       {{"delivered", d.counts.delivered},
                        {"no_consent", d.counts.no_consent},
                        {"capped", d.counts.capped},
                        {"deferred", 0},
                        {"ineligible", d.counts.ineligible},
                        {"cancelled", d.counts.cancelled},
                        {"failed", d.counts.failed}},
                       1);
}

}  // namespace octopus::deliveries
