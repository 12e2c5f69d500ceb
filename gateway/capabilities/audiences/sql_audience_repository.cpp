#include "audiences/sql_audience_repository.hpp"

#include "store/sql/row_mapper.hpp"

namespace octopus::audiences {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;

namespace {
const RowMapper<AudienceRecord> kAudiences("audiences", {
                                                            column("id", &AudienceRecord::id),
                                                            column("partner_id", &AudienceRecord::partner_id),
                                                            column("status", &AudienceRecord::status),
                                                            column("segment", &AudienceRecord::segment_json),
                                                            column("purpose", &AudienceRecord::purpose),
                                                            column("engine_id", &AudienceRecord::engine_id),
                                                            column("count", &AudienceRecord::count),
                                                            column("suppressed", &AudienceRecord::suppressed),
                                                            column("reason", &AudienceRecord::reason),
                                                            column("policy_version", &AudienceRecord::policy_version),
                                                            column("error", &AudienceRecord::error),
                                                            column("created_at", &AudienceRecord::created_at),
                                                            column("updated_at", &AudienceRecord::updated_at),
                                                            column("size", &AudienceRecord::size),
                                                        });
}  // namespace

WriteResult SqlAudienceRepository::create_audience(const AudienceRecord& a) {
  auto session = db_.session();
  Statement st(session, kAudiences.insert());
  kAudiences.bind(st, a);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<AudienceRecord> SqlAudienceRepository::get_audience(const std::string& partner_id,
                                                                  const std::string& id) {
  auto session = db_.session();
  Statement st(session, kAudiences.select("WHERE partner_id = :partner AND id = :id AND status != 'deleted'"));
  st.bind(":partner", partner_id).bind(":id", id);
  if (!st.step()) return std::nullopt;
  return kAudiences.read(st);
}

AudiencePage SqlAudienceRepository::list_audiences(const std::string& partner_id,
                                                   const std::optional<std::string>& after, std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kAudiences.select("WHERE partner_id = :partner AND id > :after AND status != 'deleted' "
                                          "ORDER BY id LIMIT :limit"));
  st.bind(":partner", partner_id).bind(":after", after.value_or(std::string()));
  st.bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kAudiences.read_page(st, limit);
}

WriteResult SqlAudienceRepository::update_audience(const AudienceRecord& a) {
  auto session = db_.session();
  Statement st(
      session,
      "UPDATE audiences SET status = :status, engine_id = :engine_id, count = :count, suppressed = :suppressed, "
      "reason = :reason, error = :error, updated_at = :updated_at, size = :size "
      "WHERE partner_id = :partner_id AND id = :id");
  kAudiences.bind(st, a);
  st.step();
  return st.changes() > 0 ? WriteResult::ok : WriteResult::not_found;
}

std::vector<AudienceRecord> SqlAudienceRepository::audiences_in_status(const std::string& status) {
  auto session = db_.session();
  Statement st(session, kAudiences.select("WHERE status = :status ORDER BY id"));
  st.bind(":status", status);
  return kAudiences.read_all(st);
}

}  // namespace octopus::audiences
