// Ids of partner resources: a prefix ("aud_", "ofr_"), the creation time (ms, 12 hex digits)
// and 64 random bits (16 hex digits). They sort by creation, so cursors are ids, and they
// cannot be guessed, so one partner cannot walk another's.
#pragma once
#include <string>
#include <string_view>

namespace octopus::store {

std::string new_resource_id(std::string_view prefix);

}  // namespace octopus::store
