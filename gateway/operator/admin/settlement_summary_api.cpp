#include "admin/settlement_summary_api.hpp"

#include "http/problem.hpp"

namespace octopus::admin {

using nlohmann::json;

void register_settlement_summary_route(http::Pipeline& admin_plane, settlement::LedgerRepository& ledger) {
  admin_plane.add_route(
      {.method = "GET",
       .pattern = "/admin/v1/settlement/summary",
       .handler =
           [&ledger](http::RequestContext&) {
             json partners = json::array();
             for (const auto& t : ledger.partner_totals())
               partners.push_back({{"partner_id", t.partner_id},
                                   {"earned_fen", t.earned_fen},
                                   {"reversed_fen", t.reversed_fen},
                                   {"charged_fen", t.charged_fen},
                                   {"adjusted_fen", t.adjusted_fen},
                                   {"net_fen", t.earned_fen + t.reversed_fen + t.charged_fen + t.adjusted_fen},
                                   {"entries", t.entries},
                                   {"capped_entries", t.capped_entries}});
             json outcomes = json::object();
             for (const auto& [outcome, n] : ledger.outcome_counts()) outcomes[outcome] = n;
             return http::make_json(
                 200,
                 {{"currency", "CNY"}, {"partners", std::move(partners)}, {"order_outcomes", std::move(outcomes)}});
           },
       .blocking = true,
       .roles = {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::viewer}});
}

}  // namespace octopus::admin
