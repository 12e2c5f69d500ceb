// The admin plane's formats: the shared ones (timestamps, JSON bodies), under
// the names the admin handlers use.
#pragma once
#include "http/formats.hpp"
#include "http/json_body.hpp"

namespace octopus::admin {

using http::json_body;
using http::rfc3339;

}  // namespace octopus::admin
