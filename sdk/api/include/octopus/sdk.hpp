/// @file
/// The Octopus Open Gateway partner SDK: include this one header.
///
///     auto client = octopus::Client("https://gateway.example:443",
///                                   octopus::Credential::from_pem_file("key-1", "partner.pem"));
///     auto estimate = client.estimate_audience({octopus::segment::tag("streaming")});
#pragma once
#include "octopus/sdk/call_options.hpp"
#include "octopus/sdk/client.hpp"
#include "octopus/sdk/errors.hpp"
#include "octopus/sdk/json_value.hpp"
#include "octopus/sdk/models.hpp"
#include "octopus/sdk/operations.hpp"
#include "octopus/sdk/pager.hpp"
#include "octopus/sdk/segment.hpp"
#include "octopus/sdk/version.hpp"
#include "octopus/sdk/webhook_verifier.hpp"
