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

Outcome decide(const DecisionContext& c, std::uint64_t subscriber, const engine::SubscriberFacts& facts,
               const ConsentOverlay& overlay, ContactLedger& ledger) {
  if (!facts.known) return Outcome::ineligible;
  // 1-2. Consent, with the gateway's later changes (opt-outs) over the engine's record.
  auto state = facts.consent;
  if (auto changed = overlay.state(subscriber, c.purpose, c.channel, c.partner_category)) state = *changed;
  policy::SubscriberConsent consent;
  const auto scope = policy::consent_scope(c.consent.purpose, c.consent.channel, c.consent.category);
  if (state == engine::ConsentState::granted) consent.granted.set(scope);
  if (state == engine::ConsentState::withdrawn) consent.withdrawn.set(scope);
  if (!policy::evaluate_consent(*c.policy, c.consent, consent).allowed) return Outcome::no_consent;
  // 3. Frequency caps across all partners: the slot is taken now or not at all.
  if (!ledger.reserve(*c.policy, c.periods, subscriber, c.consent.channel).allowed) return Outcome::capped;
  // 4. Product eligibility now (subscriptions change at any time).
  if (!facts.active || !facts.eligible) {
    ledger.release(c.periods, subscriber, c.consent.channel);
    return Outcome::ineligible;
  }
  return Outcome::send;
}

void decide_batch(const DecisionContext& context, std::span<const std::uint64_t> subscribers,
                  std::span<const engine::SubscriberFacts> facts, const ConsentOverlay& overlay, ContactLedger& ledger,
                  std::vector<Outcome>& out) {
  constexpr std::size_t kAhead = 8;  // about a memory latency's worth of decisions
  out.resize(subscribers.size());
  for (std::size_t i = 0; i < std::min(kAhead, subscribers.size()); ++i) ledger.prefetch(subscribers[i]);
  for (std::size_t i = 0; i < subscribers.size(); ++i) {
    if (i + kAhead < subscribers.size()) ledger.prefetch(subscribers[i + kAhead]);
    out[i] = decide(context, subscribers[i], facts[i], overlay, ledger);
  }
}

}  // namespace octopus::deliveries
