// The partner registry on the admin plane: create, list, read and change partners, add
// and revoke their signing keys. Every write goes to the Store first and then to the
// authentication directory, so what the Store says is what authentication enforces, and is
// recorded in the audit log (partner.create, partner.update, partner_key.add,
// partner_key.revoke; never key material).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "auth/partner_directory.hpp"
#include "http/pipeline.hpp"
#include "policy/policy_snapshot.hpp"
#include "audit/audit_repository.hpp"
#include "partners/partner_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::admin {

struct PartnersApiDeps {
  partners::PartnerRepository& partners;
  audit::AuditRepository& audit;
  auth::PartnerDirectory& directory;
  const Clock& clock;
  // The policies in force: the tiers and categories a partner may have, and the version the
  // audit log records.
  policy::SnapshotSource policy;
};

void register_partner_routes(http::Pipeline& admin_plane, PartnersApiDeps deps);

}  // namespace octopus::admin
