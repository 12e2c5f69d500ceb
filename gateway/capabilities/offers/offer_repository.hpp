// Offers partners asked the operator to deliver: their text, channel and product, and the
// content policy's decision (approved, rejected with reasons, or pending a human review).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "store/repository.hpp"

namespace octopus::offers {

struct OfferRecord {
  std::string id;          // "ofr_..."; ids sort by creation
  std::string partner_id;  // the owner: every partner read is scoped to it
  std::string name;
  std::string status;   // approved | rejected | pending_review
  std::string channel;  // sms | push | outbound_call
  std::string template_text;
  std::string product_code;
  std::string landing_url;
  std::int64_t valid_from = 0, valid_until = 0;  // Unix seconds
  std::string reasons_json = "[]";               // [{rule, detail}] when rejected
  std::string policy_version;                    // the version that decided at creation
  std::string review_note, reviewer, review_policy_version;
  std::int64_t reviewed_at = 0;
  std::int64_t created_at = 0, updated_at = 0;
};

using OfferPage = store::Page<OfferRecord>;

class OfferRepository {
 public:
  virtual ~OfferRepository() = default;
  virtual store::WriteResult create_offer(const OfferRecord& offer) = 0;
  // `partner_id` empty: any partner's (the admin plane).
  virtual std::optional<OfferRecord> get_offer(const std::string& partner_id, const std::string& id) = 0;
  // `partner_id` empty: every partner's; `status` empty: any status.
  virtual OfferPage list_offers(const std::string& partner_id, const std::string& status,
                                const std::optional<std::string>& after, std::size_t limit) = 0;
  // Records a review of a pending offer; not_found when it is not (or no longer) pending.
  virtual store::WriteResult review_offer(const OfferRecord& reviewed) = 0;
};

}  // namespace octopus::offers
