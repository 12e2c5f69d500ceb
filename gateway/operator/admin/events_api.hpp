// POST /admin/v1/events: an operator injects a subscriber event into the engine's stream
// (a test, a pilot, a support case), exactly as the engine would have seen it happen; the
// injection is audited. Partners never see per-subscriber events.
#pragma once
#include <chrono>

#include "engine/engine.hpp"
#include "http/pipeline.hpp"
#include "policy/policy_registry.hpp"
#include "audit/audit_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::admin {

struct EventsApiDeps {
  engine::Engine& engine;
  audit::AuditRepository& audit;
  policy::PolicyRegistry& policies;
  std::chrono::milliseconds engine_timeout;
  const Clock& clock = system_clock();  // what audit entries are stamped with
};

void register_event_routes(http::Pipeline& admin_plane, EventsApiDeps deps);

}  // namespace octopus::admin
