// POST /admin/v1/partners/{id}/adjustments: the operator's manual correction of what it owes
// a partner (a credit or a debit, never 0), with the reason it is made for, written to the
// ledger as an `adjustment` entry (told to the partner's endpoints like any other) and
// audited as `settlement.adjustment` with the account that made it.
#pragma once
#include "audit/audit_repository.hpp"
#include "http/pipeline.hpp"
#include "partners/partner_repository.hpp"
#include "policy/policy_snapshot.hpp"
#include "settlement/ledger_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::admin {

struct AdjustmentsApiDeps {
  partners::PartnerRepository& partners;
  settlement::LedgerRepository& ledger;
  audit::AuditRepository& audit;
  policy::SnapshotSource policy;
  const Clock& clock = system_clock();
};

void register_adjustment_routes(http::Pipeline& admin_plane, AdjustmentsApiDeps deps);

}  // namespace octopus::admin
