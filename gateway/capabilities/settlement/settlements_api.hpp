// GET /v1/settlements: a partner's ledger entries, in ledger order, a page at a time. The
// subscriber of each order is named by the partner's own token for it.
#pragma once
#include "http/pipeline.hpp"
#include "settlement/ledger_repository.hpp"
#include "tokens/partner_token.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::settlement {

struct SettlementsApiDeps {
  LedgerRepository& ledger;
  const tokens::PartnerTokenizer& tokenizer;
  const Clock& clock = system_clock();  // whether a month is over
};

void register_settlement_routes(http::Pipeline& partner_plane, SettlementsApiDeps deps);

}  // namespace octopus::settlement
