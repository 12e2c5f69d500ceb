// The partner plane's audience routes (HTTP ↔ AudienceService):
//   GET  /v1/targeting-attributes  what this partner may target
//   POST /v1/audience-estimates    a privacy-filtered count
#pragma once
#include "audiences/audience_service.hpp"
#include "http/pipeline.hpp"

namespace octopus::audiences {

void register_routes(http::Pipeline& partner_plane, AudienceService& service);

}  // namespace octopus::audiences
