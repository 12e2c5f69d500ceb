#include "deliveries/delivery_decider.hpp"

namespace octopus::deliveries {

std::optional<DecisionContext> decision_context(const policy::PolicySnapshot& policy, policy::Capability capability,
                                                policy::Channel channel, std::string_view purpose,
                                                std::string_view partner_category, std::int64_t now_s) {
  const auto purpose_id = policy.purpose_id(purpose);
  const auto category_id = policy.category_id(partner_category);
  if (!purpose_id || !category_id) return std::nullopt;
  DecisionContext c;
  c.policy = &policy;
  c.consent = {capability, channel, *purpose_id, *category_id};
  c.purpose = purpose;
  c.channel = policy::to_string(channel);
  c.partner_category = partner_category;
  c.periods = policy::counting_periods(policy, policy::Seconds(std::chrono::seconds(now_s)));
  return c;
}

namespace {

// 1-2. Consent, with the gateway's later changes (opt-outs) over the engine's record.
bool consented(const DecisionContext& c, std::uint64_t subscriber, const engine::SubscriberFacts& facts,
               const ConsentOverlay& overlay) {
  auto state = facts.consent;
  if (auto changed = overlay.state(subscriber, c.purpose, c.channel, c.partner_category)) state = *changed;
  policy::SubscriberConsent consent;
  const auto scope = policy::consent_scope(c.consent.purpose, c.consent.channel, c.consent.category);
  if (state == engine::ConsentState::granted) consent.granted.set(scope);
  if (state == engine::ConsentState::withdrawn) consent.withdrawn.set(scope);
  return policy::evaluate_consent(*c.policy, c.consent, consent).allowed;
}

}  // namespace

void decide_batch(const DecisionContext& context, std::span<const std::uint64_t> subscribers,
                  std::span<const engine::SubscriberFacts> facts, const ConsentOverlay& overlay,
                  FrequencyLedger& ledger, std::vector<Outcome>& out) {
  out.assign(subscribers.size(), Outcome::no_consent);
  std::vector<FrequencyLedger::Ask> asks;
  std::vector<std::size_t> asked;  // where each ask's subscriber is in the batch
  asks.reserve(subscribers.size());
  asked.reserve(subscribers.size());
  for (std::size_t i = 0; i < subscribers.size(); ++i) {
    if (!facts[i].known) {
      out[i] = Outcome::ineligible;
      continue;
    }
    if (!consented(context, subscribers[i], facts[i], overlay)) continue;
    // 4. Product eligibility now (subscriptions change at any time): an ineligible
    // subscriber's slot is only checked, so "capped" still wins over "ineligible".
    asks.push_back({subscribers[i], facts[i].active && facts[i].eligible});
    asked.push_back(i);
  }
  // 3. Frequency caps across all partners: the slots are taken now or not at all.
  std::vector<bool> granted;
  ledger.reserve_batch(*context.policy, context.periods, context.consent.channel, asks, granted);
  for (std::size_t k = 0; k < asks.size(); ++k)
    out[asked[k]] = !granted[k] ? Outcome::capped : asks[k].keep ? Outcome::send : Outcome::ineligible;
}

}  // namespace octopus::deliveries
