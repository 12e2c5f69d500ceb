#include "tokens/sql_subscriber_token_repository.hpp"

namespace octopus::tokens {

using store::sql::Statement;

void SqlSubscriberTokenRepository::remember_subscriber_token(const std::string& partner_id, const std::string& token,
                                                             std::uint64_t subscriber, std::int64_t now) {
  auto session = db_.session();
  Statement st(session,
               "INSERT INTO subscriber_tokens(partner_id, token, subscriber, created_at) "
               "VALUES (:partner, :token, :subscriber, :now) ON CONFLICT(partner_id, token) DO NOTHING");
  st.bind(":partner", partner_id).bind(":token", token).bind(":subscriber", static_cast<std::int64_t>(subscriber));
  st.bind(":now", now).step();
}

std::vector<std::optional<std::uint64_t>> SqlSubscriberTokenRepository::resolve_subscriber_tokens(
    const std::string& partner_id, const std::vector<std::string>& tokens) {
  auto session = db_.session();
  Statement st(session, "SELECT subscriber FROM subscriber_tokens WHERE partner_id = :partner AND token = :token");
  std::vector<std::optional<std::uint64_t>> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) {
    st.reset();
    st.bind(":partner", partner_id).bind(":token", t);
    out.push_back(st.step() ? std::optional(static_cast<std::uint64_t>(st.int64(0))) : std::nullopt);
  }
  return out;
}

}  // namespace octopus::tokens
