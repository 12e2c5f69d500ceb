// The engine API's JSON (api-spec/engine.yaml), written and read by both of its ends: the
// remote adapter in the gateway and the engine server. Readers are strict: anything that
// does not match the schema throws WireError naming the field, so a version skew between
// gateway and engine fails loudly instead of counting the wrong thing.
#pragma once
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace octopus::engine::wire {

class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json to_json(const SegmentNode& node);
SegmentNode segment_from_json(const nlohmann::json& j);

nlohmann::json to_json(const CountQuery& query);
CountQuery count_query_from_json(const nlohmann::json& j);

nlohmann::json to_json(const Vocabulary& vocabulary);
Vocabulary vocabulary_from_json(const nlohmann::json& j);

nlohmann::json to_json(const AudienceHandle& handle);
AudienceHandle audience_handle_from_json(const nlohmann::json& j);

nlohmann::json to_json(const MemberBatch& batch);
MemberBatch member_batch_from_json(const nlohmann::json& j);

nlohmann::json to_json(const EligibilityQuery& query);
EligibilityQuery eligibility_query_from_json(const nlohmann::json& j);

nlohmann::json to_json(const Eligibility& eligibility);
Eligibility eligibility_from_json(const nlohmann::json& j);

nlohmann::json to_json(const FactsQuery& query);
FactsQuery facts_query_from_json(const nlohmann::json& j);
nlohmann::json to_json(const std::vector<SubscriberFacts>& facts);
std::vector<SubscriberFacts> facts_from_json(const nlohmann::json& j);
nlohmann::json to_json(const MembershipQuery& query);
MembershipQuery membership_query_from_json(const nlohmann::json& j);
// Each subscriber's list of the indexes of the audiences asked that it belongs to.
nlohmann::json to_json(const Memberships& memberships);
Memberships memberships_from_json(const nlohmann::json& j, std::size_t subscribers, std::size_t audiences);
nlohmann::json to_json(const std::vector<ConsentRecord>& consents);
std::vector<ConsentRecord> consents_from_json(const nlohmann::json& j);

nlohmann::json to_json(const std::vector<Product>& products);
std::vector<Product> products_from_json(const nlohmann::json& j);

nlohmann::json to_json(const SubscriberEvent& event);
SubscriberEvent event_from_json(const nlohmann::json& j);  // sequence and at_ms may be absent (an injection)
nlohmann::json to_json(const Conversion& conversion);
Conversion conversion_from_json(const nlohmann::json& j);
nlohmann::json to_json(const EventBatch& batch);
EventBatch event_batch_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ConversionBatch& batch);
ConversionBatch conversion_batch_from_json(const nlohmann::json& j);

}  // namespace octopus::engine::wire
