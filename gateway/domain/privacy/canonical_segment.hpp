// One text for every way of writing the same segment: children of all/any sorted and
// de-duplicated, nested all-in-all and any-in-any flattened, single-child all/any
// unwrapped, double negation removed, `in` values sorted and de-duplicated (one value is
// an `eq`). Two segments with equal canonical text select the same subscribers whatever
// the data; the release model keys its noise and budget on it, so re-ordering a query
// neither draws fresh noise nor escapes the differencing guard.
#pragma once
#include <string>

#include "engine/segment.hpp"

namespace octopus::privacy {

engine::SegmentNode canonical_segment(const engine::SegmentNode& node);
// The canonical form written as text, e.g. all(in("city","jinan"),not(tag("travel"))).
std::string canonical_text(const engine::SegmentNode& node);

}  // namespace octopus::privacy
