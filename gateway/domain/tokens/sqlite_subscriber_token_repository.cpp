#include "tokens/sqlite_subscriber_token_repository.hpp"

namespace octopus::tokens {

using store::sqlite::Statement;

void SqliteSubscriberTokenRepository::remember_subscriber_token(const std::string& partner_id, const std::string& token,
                                                                std::uint64_t subscriber, std::int64_t now) {
  auto held = db_.lock();
  Statement st(db_.handle(),
               "INSERT OR IGNORE INTO subscriber_tokens(partner_id, token, subscriber, created_at) "
               "VALUES (:partner, :token, :subscriber, :now)");
  st.bind(":partner", partner_id).bind(":token", token).bind(":subscriber", static_cast<std::int64_t>(subscriber));
  st.bind(":now", now).step();
}

std::vector<std::optional<std::uint64_t>> SqliteSubscriberTokenRepository::resolve_subscriber_tokens(
    const std::string& partner_id, const std::vector<std::string>& tokens) {
  auto held = db_.lock();
  Statement st(db_.handle(), "SELECT subscriber FROM subscriber_tokens WHERE partner_id = :partner AND token = :token");
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
