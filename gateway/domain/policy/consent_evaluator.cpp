#include "policy/consent_evaluator.hpp"

namespace octopus::policy {

Decision evaluate_consent(const PolicySnapshot& snapshot, const ConsentRequest& r,
                          const SubscriberConsent& subscriber) {
  const ConsentPolicy& c = snapshot.consent;
  auto deny = [&](const std::string& rule) { return Decision{false, rule, snapshot.version}; };

  if (!((c.offered_channels >> static_cast<unsigned>(r.channel)) & 1u)) return deny(c.channels_rule);
  const Allowance& capability = c.capabilities[static_cast<std::size_t>(r.capability)];
  if (!capability.allows(r.purpose)) return deny(capability.purposes_rule);
  if (!capability.allows(r.channel)) return deny(capability.channels_rule);
  const Allowance& category = c.category_allowances[r.category];
  if (!category.allows(r.purpose)) return deny(category.purposes_rule);
  if (!category.allows(r.channel)) return deny(category.channels_rule);

  // A withdrawal is checked before any grant: it wins whatever was granted before it.
  const std::size_t scope = consent_scope(r.purpose, r.channel, r.category);
  if (subscriber.withdrawn.test(scope)) return deny(c.withdrawal_rule);
  if (subscriber.granted.test(scope))
    return Decision{true, c.granted_rules[static_cast<std::size_t>(r.capability)], snapshot.version};
  return deny(c.default_rule);
}

}  // namespace octopus::policy
