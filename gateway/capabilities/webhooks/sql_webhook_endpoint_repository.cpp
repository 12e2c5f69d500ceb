#include "webhooks/sql_webhook_endpoint_repository.hpp"

#include "store/sql/row_mapper.hpp"

namespace octopus::webhooks {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;

namespace {
const RowMapper<WebhookEndpoint> kEndpoints("webhook_endpoints",
                                            {
                                                column("id", &WebhookEndpoint::id),
                                                column("partner_id", &WebhookEndpoint::partner_id),
                                                column("url", &WebhookEndpoint::url),
                                                column("event_types", &WebhookEndpoint::event_types),
                                                column("payload_version", &WebhookEndpoint::payload_version),
                                                column("secret", &WebhookEndpoint::secret),
                                                column("previous_secret", &WebhookEndpoint::previous_secret),
                                                column("previous_secret_until",
                                                       &WebhookEndpoint::previous_secret_until),
                                                column("signature_versions", &WebhookEndpoint::signature_versions),
                                                column("status", &WebhookEndpoint::status),
                                                column("created_at", &WebhookEndpoint::created_at),
                                                column("updated_at", &WebhookEndpoint::updated_at),
                                            });
}  // namespace

WriteResult SqlWebhookEndpointRepository::create_endpoint(const WebhookEndpoint& e) {
  auto session = db_.session();
  Statement st(session, kEndpoints.insert());
  kEndpoints.bind(st, e);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<WebhookEndpoint> SqlWebhookEndpointRepository::get_endpoint(const std::string& partner_id,
                                                                          const std::string& id) {
  auto session = db_.session();
  Statement st(session, kEndpoints.select("WHERE id = :id AND partner_id = :partner AND status = 'active'"));
  st.bind(":id", id).bind(":partner", partner_id);
  if (!st.step()) return std::nullopt;
  return kEndpoints.read(st);
}

std::vector<WebhookEndpoint> SqlWebhookEndpointRepository::active_endpoints() {
  auto session = db_.session();
  Statement st(session, kEndpoints.select("WHERE status = 'active' ORDER BY id"));
  return kEndpoints.read_all(st);
}

WebhookEndpointPage SqlWebhookEndpointRepository::list_endpoints(const std::string& partner_id,
                                                                 const std::optional<std::string>& after,
                                                                 std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kEndpoints.select("WHERE partner_id = :partner AND status = 'active' AND id > :after "
                                          "ORDER BY id LIMIT :limit"));
  st.bind(":partner", partner_id).bind(":after", after.value_or(std::string()));
  st.bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kEndpoints.read_page(st, limit);
}

WriteResult SqlWebhookEndpointRepository::delete_endpoint(const std::string& partner_id, const std::string& id,
                                                          std::int64_t now) {
  auto session = db_.session();
  Statement st(session,
               "UPDATE webhook_endpoints SET status = 'deleted', updated_at = :now "
               "WHERE id = :id AND partner_id = :partner AND status = 'active'");
  st.bind(":now", now).bind(":id", id).bind(":partner", partner_id);
  st.step();
  return st.changes() == 1 ? WriteResult::ok : WriteResult::not_found;
}

WriteResult SqlWebhookEndpointRepository::rotate_secret(const std::string& partner_id, const std::string& id,
                                                        const std::string& secret, std::int64_t previous_until,
                                                        std::int64_t now) {
  auto session = db_.session();
  Statement st(session,
               "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = :until, "
               "secret = :secret, updated_at = :now WHERE id = :id AND partner_id = :partner AND status = 'active'");
  st.bind(":until", previous_until).bind(":secret", secret).bind(":now", now);
  st.bind(":id", id).bind(":partner", partner_id);
  st.step();
  return st.changes() == 1 ? WriteResult::ok : WriteResult::not_found;
}

}  // namespace octopus::webhooks
