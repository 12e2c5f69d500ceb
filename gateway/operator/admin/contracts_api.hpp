// The operator's contracts with partners, on the admin plane: make one (audited), list a
// partner's, read one. What a contract pays is in settlement/contract.hpp.
#pragma once
#include <chrono>
#include <functional>
#include <memory>

#include "audit/audit_repository.hpp"
#include "engine/engine.hpp"
#include "http/pipeline.hpp"
#include "partners/partner_repository.hpp"
#include "policy/policy_snapshot.hpp"
#include "settlement/contract_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::admin {

struct ContractsApiDeps {
  partners::PartnerRepository& partners;
  settlement::ContractRepository& contracts;
  audit::AuditRepository& audit;
  engine::Engine& engine;  // the product catalogue
  std::chrono::milliseconds engine_timeout;
  policy::SnapshotSource policy;
  const Clock& clock = system_clock();
};

void register_contract_routes(http::Pipeline& admin_plane, ContractsApiDeps deps);

}  // namespace octopus::admin
