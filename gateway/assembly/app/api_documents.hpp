// The API documents in api-spec/, compiled into the binary: the gateway checks request
// bodies against the very schemas it publishes, with no file to find at run time.
#pragma once

#include <string_view>

namespace octopus::app {

std::string_view partner_api_document();  // api-spec/partner.yaml
std::string_view admin_api_document();    // api-spec/admin.yaml

}  // namespace octopus::app
