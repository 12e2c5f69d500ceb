#include "settlement/delivery_billing.hpp"

#include "deliveries/delivery_outcomes.hpp"
#include "observability/log.hpp"
#include "offers/offer_review.hpp"
#include "policy/sms_segments.hpp"

namespace octopus::settlement {

void DeliveryBilling::on_finished(const deliveries::DeliveryRecord& d) {
  // The cheap questions first: most finished deliveries (every one at start) have no price
  // or a charge already, and need neither a release nor the catalogue.
  const auto offer = deps_.offers.get_offer(d.partner_id, d.offer_id);
  if (!offer) return;
  const auto contract = deps_.charges.pricing(d.partner_id, offer->product_code, offer->channel, d.finished_at);
  if (!contract || deps_.charges.charged(d.id)) return;
  const auto messages = billed_messages(d);
  if (!messages) return;
  const bool by_segment = offer->channel == "sms" && contract->message_prices.sms_per_segment;
  const DeliveryBill bill{
      d.partner_id, d.id, offer->id, offer->product_code, offer->channel, *messages, by_segment ? segments(*offer) : 1,
      d.finished_at};
  if (const auto entry = deps_.charges.charge(bill))
    observability::log_info("delivery_charged",
                            {{"delivery", d.id}, {"partner", d.partner_id}, {"amount_fen", entry->amount_fen}});
}

void DeliveryBilling::charge_unbilled(deliveries::DeliveryRepository& deliveries, std::int64_t now, int days) {
  for (const auto& d : deliveries.deliveries_in_status({"completed", "failed"})) {
    if (d.finished_at < now - std::int64_t{days} * 86'400) continue;
    try {
      on_finished(d);
    } catch (const std::exception& e) {  // e.g. the engine is away: the next start tries again
      observability::log_warn("delivery_not_charged", {{"delivery", d.id}, {"reason", e.what()}});
    }
  }
}

// The figure the partner is shown; nullopt when it is shown none.
std::optional<std::int64_t> DeliveryBilling::billed_messages(const deliveries::DeliveryRecord& d) {
  if (d.audience_id.empty()) return static_cast<std::int64_t>(d.target_count);
  const auto partner = deps_.partners.get_partner(d.partner_id);
  const auto policy = deps_.policies();
  if (!partner || !policy) return std::nullopt;
  const auto account = partner->organisation.empty() ? partner->id : partner->organisation;
  if (d.target_count < policy->privacy.minimum_audience_size) return std::nullopt;
  const auto shown = deliveries::released_outcomes(d, policy->privacy, account, deps_.release);
  if (shown.withheld) {
    observability::log_warn("delivery_not_charged", {{"delivery", d.id}, {"reason", shown.reason}});
    return std::nullopt;
  }
  return static_cast<std::int64_t>(shown.value("delivered"));
}

// The SMS segments the offer's text takes, with the product's name filled in as sent.
std::int64_t DeliveryBilling::segments(const offers::OfferRecord& offer) {
  std::string product_name = offer.product_code;
  for (const auto& p : engine::await(deps_.engine.products(), deps_.engine_timeout))
    if (p.code == offer.product_code) product_name = p.name;
  const auto length = policy::count_sms_segments(offers::render_offer_text(offer, product_name));
  return length ? static_cast<std::int64_t>(length->segments) : 1;
}

}  // namespace octopus::settlement
