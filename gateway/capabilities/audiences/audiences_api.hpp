// The partner plane's audience routes (HTTP ↔ AudienceService, AudienceBuilder):
//   GET    /v1/targeting-attributes  what this partner may target
//   POST   /v1/audience-estimates    a privacy-filtered count
//   POST   /v1/audiences             materialise an audience (202, built in the background)
//   GET    /v1/audiences[/{id}]      the partner's own audiences only (another's id is 404)
//   DELETE /v1/audiences/{id}
#pragma once
#include "audiences/audience_builder.hpp"
#include "audiences/audience_service.hpp"
#include "http/pipeline.hpp"
#include "audiences/audience_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::audiences {

struct AudiencesApiDeps {
  AudienceService& service;
  AudienceBuilder& builder;
  AudienceRepository& audiences;
  const Clock& clock = system_clock();  // what records are stamped with
};

void register_routes(http::Pipeline& partner_plane, AudiencesApiDeps deps);

}  // namespace octopus::audiences
