// A partner's monthly statement: the ledger entries recorded in one calendar month (the
// policy time zone's), their totals by type and by product, and a digest a partner can
// recompute from the entries (or the callbacks) it holds to prove it has all of them:
//
//   SHA-256 over, for each entry in ledger order, "<id>:<amount_fen>\n", in lower-case hex.
//
// Nothing here is new to the partner: every figure is a sum of entries it already reads one
// by one (docs/privacy.md, "Settlement").
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "settlement/ledger_repository.hpp"

namespace octopus::settlement {

struct ProductTotals {
  std::int64_t earned_fen = 0, reversed_fen = 0, charged_fen = 0;
  std::size_t entries = 0;
};

struct Statement {
  std::string month;                 // "YYYY-MM"
  std::int64_t from = 0, until = 0;  // Unix seconds, [from, until)
  std::size_t entries = 0;
  // Credits (earned, reversed), debits (charged, negative) and adjustments (either sign);
  // net is their sum: what the operator owes the partner for the month.
  std::int64_t earned_fen = 0, reversed_fen = 0, charged_fen = 0, adjusted_fen = 0, net_fen = 0;
  std::size_t capped_entries = 0;
  std::map<std::string, ProductTotals> by_product;
  std::string digest;  // see above
};

// `entries` in ledger order, all recorded in [from, until).
Statement build_statement(std::string month, std::int64_t from, std::int64_t until,
                          const std::vector<LedgerEntry>& entries);

std::string statement_digest(const std::vector<LedgerEntry>& entries);

}  // namespace octopus::settlement
