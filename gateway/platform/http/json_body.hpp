// Reads a request body that must be one JSON object, with the problems every API gives for
// anything else, so both planes refuse bad bodies the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "http/message.hpp"
#include "http/request_context.hpp"
#include "http/step.hpp"

namespace octopus::http {

// The body as a JSON object, or the problem to answer: 415 for another media type, 400 for
// anything but a JSON object.
Step<nlohmann::json> json_body(RequestContext& ctx, bool allow_merge_patch = false);

}  // namespace octopus::http
