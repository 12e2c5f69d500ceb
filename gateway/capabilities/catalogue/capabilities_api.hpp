// GET /v1/capabilities: tells an authenticated partner who the gateway thinks it is and
// what its scopes let it do. The first partner-plane resource and the SDK's "ping".
#pragma once
#include "http/pipeline.hpp"

namespace octopus::capabilities {

void register_routes(http::Pipeline& partner_plane);

}  // namespace octopus::capabilities
