#include "offers/sql_offer_repository.hpp"

#include "store/sql/row_mapper.hpp"

namespace octopus::offers {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;

namespace {
const RowMapper<OfferRecord> kOffers("offers", {
                                                   column("id", &OfferRecord::id),
                                                   column("partner_id", &OfferRecord::partner_id),
                                                   column("name", &OfferRecord::name),
                                                   column("status", &OfferRecord::status),
                                                   column("channel", &OfferRecord::channel),
                                                   column("template", &OfferRecord::template_text),
                                                   column("product_code", &OfferRecord::product_code),
                                                   column("landing_url", &OfferRecord::landing_url),
                                                   column("valid_from", &OfferRecord::valid_from),
                                                   column("valid_until", &OfferRecord::valid_until),
                                                   column("reasons", &OfferRecord::reasons_json),
                                                   column("policy_version", &OfferRecord::policy_version),
                                                   column("review_note", &OfferRecord::review_note),
                                                   column("reviewer", &OfferRecord::reviewer),
                                                   column("review_policy_version", &OfferRecord::review_policy_version),
                                                   column("reviewed_at", &OfferRecord::reviewed_at),
                                                   column("created_at", &OfferRecord::created_at),
                                                   column("updated_at", &OfferRecord::updated_at),
                                               });
}  // namespace

WriteResult SqlOfferRepository::create_offer(const OfferRecord& o) {
  auto session = db_.session();
  Statement st(session, kOffers.insert());
  kOffers.bind(st, o);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<OfferRecord> SqlOfferRepository::get_offer(const std::string& partner_id, const std::string& id) {
  auto session = db_.session();
  Statement st(session, kOffers.select("WHERE id = :id AND (:partner = '' OR partner_id = :partner)"));
  st.bind(":id", id).bind(":partner", partner_id);
  if (!st.step()) return std::nullopt;
  return kOffers.read(st);
}

OfferPage SqlOfferRepository::list_offers(const std::string& partner_id, const std::string& status,
                                          const std::optional<std::string>& after, std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kOffers.select("WHERE (:partner = '' OR partner_id = :partner) "
                                       "AND (:status = '' OR status = :status) AND id > :after "
                                       "ORDER BY id LIMIT :limit"));
  st.bind(":partner", partner_id).bind(":status", status).bind(":after", after.value_or(std::string()));
  st.bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kOffers.read_page(st, limit);
}

WriteResult SqlOfferRepository::review_offer(const OfferRecord& o) {
  auto session = db_.session();
  Statement st(session,
               "UPDATE offers SET status = :status, review_note = :review_note, reviewer = :reviewer, "
               "review_policy_version = :review_policy_version, reviewed_at = :reviewed_at, updated_at = :updated_at "
               "WHERE id = :id AND status = 'pending_review'");
  kOffers.bind(st, o);
  st.step();
  return st.changes() == 1 ? WriteResult::ok : WriteResult::not_found;
}

}  // namespace octopus::offers
