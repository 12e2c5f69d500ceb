// Deliveries and consent changes in the embedded database.
#pragma once
#include "deliveries/consent_change_repository.hpp"
#include "deliveries/delivery_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::deliveries {

class SqlDeliveryRepository final : public DeliveryRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  store::WriteResult create_delivery(const DeliveryRecord& delivery) override;
  std::optional<DeliveryRecord> get_delivery(const std::string& partner_id, const std::string& id) override;
  DeliveryPage list_deliveries(const std::string& partner_id, const std::optional<std::string>& after,
                               std::size_t limit) override;
  std::vector<DeliveryRecord> deliveries_in_status(const std::vector<std::string>& statuses) override;
  store::WriteResult record_delivery_progress(const DeliveryRecord& delivery, const store::Fence& fence) override;
  store::WriteResult cancel_delivery(const std::string& partner_id, const std::string& id, std::int64_t now) override;
};

class SqlConsentChangeRepository final : public ConsentChangeRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  std::int64_t append_consent_change(const ConsentChange& change) override;
  std::vector<ConsentChange> consent_changes(std::int64_t after_id, std::uint64_t subscriber,
                                             std::size_t limit) override;
};

}  // namespace octopus::deliveries
