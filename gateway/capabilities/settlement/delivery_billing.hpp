// Turns a finished delivery into its bill for ChargeService: the billed figure (an audience
// delivery's released `delivered` count, the one the partner is shown; a token delivery's
// accepted tokens, all it is shown), the offer's channel and product, and the SMS segments
// its text takes. A delivery whose figures are withheld (fewer than k reached, or the
// partner's privacy budget spent when it finished) is not charged: any charge would tell
// the exact count. Finished deliveries not yet charged (a crash between the two) are
// charged at the next start.
#pragma once
#include <chrono>

#include "deliveries/delivery_repository.hpp"
#include "engine/engine.hpp"
#include "offers/offer_repository.hpp"
#include "partners/partner_repository.hpp"
#include "privacy/release_model.hpp"
#include "settlement/charge_service.hpp"

namespace octopus::settlement {

struct DeliveryBillingDeps {
  ChargeService& charges;
  offers::OfferRepository& offers;
  partners::PartnerRepository& partners;
  privacy::ReleaseModel& release;
  policy::SnapshotSource policies;
  engine::Engine& engine;  // the product's name, for the text's length
  std::chrono::milliseconds engine_timeout;
};

class DeliveryBilling {
 public:
  explicit DeliveryBilling(DeliveryBillingDeps deps) : deps_(std::move(deps)) {}

  void on_finished(const deliveries::DeliveryRecord& d);
  // Charges every finished delivery of the last `days` that has no charge yet.
  void charge_unbilled(deliveries::DeliveryRepository& deliveries, std::int64_t now, int days = 35);

 private:
  std::optional<std::int64_t> billed_messages(const deliveries::DeliveryRecord& d);
  std::int64_t segments(const offers::OfferRecord& offer);

  DeliveryBillingDeps deps_;
};

}  // namespace octopus::settlement
