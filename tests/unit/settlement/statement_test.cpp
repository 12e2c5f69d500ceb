// Monthly statements: totals that are the sums of the entries, and a digest a partner can
// recompute independently (here with OpenSSL, not the gateway's libsodium).
#include "settlement/statement.hpp"

#include <gtest/gtest.h>

#include "sha256_hex.hpp"

namespace octopus::settlement {
namespace {

LedgerEntry entry(const std::string& id, EntryType type, std::int64_t fen, const std::string& product) {
  LedgerEntry e;
  e.id = id;
  e.type = type;
  e.amount_fen = fen;
  e.product_code = product;
  return e;
}

TEST(Statement, TotalsAreTheSumsOfTheEntriesByTypeAndProduct) {
  const std::vector<LedgerEntry> entries{
      entry("stl_1", EntryType::earned, 320, "5G-PLUS"), entry("stl_2", EntryType::earned, 1'500, "VOICE-300"),
      entry("stl_3", EntryType::capped, 0, "5G-PLUS"), entry("stl_4", EntryType::reversed, -320, "5G-PLUS")};
  const auto s = build_statement("2026-12", 100, 200, entries);
  EXPECT_EQ(s.entries, 4u);
  EXPECT_EQ(s.earned_fen, 1'820);
  EXPECT_EQ(s.reversed_fen, -320);
  EXPECT_EQ(s.net_fen, 1'500);
  EXPECT_EQ(s.capped_entries, 1u);
  ASSERT_EQ(s.by_product.size(), 2u);
  EXPECT_EQ(s.by_product.at("5G-PLUS").entries, 3u);
  EXPECT_EQ(s.by_product.at("5G-PLUS").earned_fen, 320);
  EXPECT_EQ(s.by_product.at("5G-PLUS").reversed_fen, -320);
  EXPECT_EQ(s.by_product.at("VOICE-300").earned_fen, 1'500);
}

TEST(Statement, TheDigestIsSha256OverIdAndAmountLinesInLedgerOrder) {
  const std::vector<LedgerEntry> entries{entry("stl_a", EntryType::earned, 320, "P"),
                                         entry("stl_b", EntryType::reversed, -320, "P")};
  EXPECT_EQ(statement_digest(entries), octopus::testing::sha256_hex("stl_a:320\nstl_b:-320\n"));
  EXPECT_EQ(statement_digest({}), octopus::testing::sha256_hex(""));
  // Order matters: a partner missing or reordering an entry gets another digest.
  EXPECT_NE(statement_digest({entries[1], entries[0]}), statement_digest(entries));
  EXPECT_NE(statement_digest({entries[0]}), statement_digest(entries));
}

}  // namespace
}  // namespace octopus::settlement
