// What happens to an offer when a partner submits it: the request is checked (channel,
// template placeholders from the allowlist, a product from the catalogue, a validity window,
// an https landing URL), then the content policy reads the text as a subscriber would get
// it (placeholders filled in) and decides: approved, rejected with every reason, or pending
// a compliance officer's review when content.yaml asks for one for the partner's category.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "policy/policy_snapshot.hpp"
#include "offers/offer_repository.hpp"

namespace octopus::offers {

// The placeholders a template may use; nothing that names or describes a subscriber.
inline constexpr const char* kPlaceholders[] = {"product_name", "landing_url", "valid_until"};

struct OfferIssue {
  std::string pointer;  // JSON Pointer into the request body
  std::string detail;
};

struct OfferSubmission {
  std::vector<OfferIssue> issues;            // the request is malformed (422 validation-error)
  std::optional<offers::OfferRecord> offer;  // otherwise: the offer with its decision
};

// `products`: the engine's catalogue. `now`: Unix seconds. The record has no id yet.
OfferSubmission review_submission(const policy::PolicySnapshot& policy, const std::string& partner_id,
                                  const std::string& partner_category, const nlohmann::json& body,
                                  const std::vector<engine::Product>& products, std::int64_t now);

// The text a subscriber receives for this offer (placeholders filled in).
std::string render_offer_text(const offers::OfferRecord& offer, const std::string& product_name);

}  // namespace octopus::offers
