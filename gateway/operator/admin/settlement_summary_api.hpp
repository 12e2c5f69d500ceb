// GET /admin/v1/settlement/summary: what the operator owes each partner, and how every order
// the engine reported was settled (earned, capped, reversed, or why it earned nothing).
#pragma once
#include "http/pipeline.hpp"
#include "settlement/ledger_repository.hpp"

namespace octopus::admin {

void register_settlement_summary_route(http::Pipeline& admin_plane, settlement::LedgerRepository& ledger);

}  // namespace octopus::admin
