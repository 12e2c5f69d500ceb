#include "settlement/touch_feed.hpp"

namespace octopus::settlement {

std::string TouchFeed::product_of(const std::string& offer_id) {
  std::lock_guard lock(mutex_);
  if (const auto known = products_.find(offer_id); known != products_.end()) return known->second;
  const auto offer = offers_.get_offer("", offer_id);
  const std::string product = offer ? offer->product_code : std::string();
  products_.emplace(offer_id, product);
  return product;
}

void TouchFeed::replayed(const deliveries::SinkRecord& r) {
  const auto product = product_of(r.offer_id);
  if (product.empty()) return;  // a line of an offer the store no longer has: it cannot be priced
  touches_.record(r.subscriber, product, {r.at_ms, r.partner_id, r.offer_id, r.source_id});
}

void TouchFeed::appended(std::span<const deliveries::MessageBatch> batches, std::int64_t at_ms) {
  for (const auto& batch : batches) {
    const auto product = product_of(batch.offer_id);
    if (product.empty()) continue;
    const Touch touch{batch.at_ms ? batch.at_ms : at_ms, batch.partner_id, batch.offer_id, batch.source_id};
    touches_.record(batch.subscribers, product, touch);
  }
}

}  // namespace octopus::settlement
