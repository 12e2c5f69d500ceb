#include "settlement/statement.hpp"

#include <sodium.h>

namespace octopus::settlement {

std::string statement_digest(const std::vector<LedgerEntry>& entries) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (const auto& e : entries) {
    const std::string line = e.id + ":" + std::to_string(e.amount_fen) + "\n";
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(line.data()), line.size());
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  return sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
}

Statement build_statement(std::string month, std::int64_t from, std::int64_t until,
                          const std::vector<LedgerEntry>& entries) {
  Statement s;
  s.month = std::move(month);
  s.from = from;
  s.until = until;
  s.entries = entries.size();
  for (const auto& e : entries) {
    auto& product = s.by_product[e.product_code];
    ++product.entries;
    switch (e.type) {
      case EntryType::earned:
        s.earned_fen += e.amount_fen;
        product.earned_fen += e.amount_fen;
        break;
      case EntryType::reversed:
        s.reversed_fen += e.amount_fen;
        product.reversed_fen += e.amount_fen;
        break;
      case EntryType::charged:
        s.charged_fen += e.amount_fen;
        product.charged_fen += e.amount_fen;
        break;
      case EntryType::adjusted: s.adjusted_fen += e.amount_fen; break;
      case EntryType::capped: ++s.capped_entries; break;
    }
  }
  s.net_fen = s.earned_fen + s.reversed_fen + s.charged_fen + s.adjusted_fen;
  s.digest = statement_digest(entries);
  return s;
}

}  // namespace octopus::settlement
