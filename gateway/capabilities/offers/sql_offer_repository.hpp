// Offers in the embedded database.
#pragma once
#include "offers/offer_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::offers {

class SqlOfferRepository final : public OfferRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  store::WriteResult create_offer(const OfferRecord& offer) override;
  std::optional<OfferRecord> get_offer(const std::string& partner_id, const std::string& id) override;
  OfferPage list_offers(const std::string& partner_id, const std::string& status,
                        const std::optional<std::string>& after, std::size_t limit) override;
  store::WriteResult review_offer(const OfferRecord& reviewed) override;
};

}  // namespace octopus::offers
