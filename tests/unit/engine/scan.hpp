// The plain scan the engine's bitmap algebra is checked against: evaluate a segment and a
// consent filter subscriber by subscriber, straight from the columns.
#pragma once
#include <algorithm>
#include <cstdint>

#include "engine/engine.hpp"
#include "engine/reference/population.hpp"

namespace octopus::engine::reference::test {

inline bool scan_match(const SegmentNode& n, const Population& p, std::size_t row) {
  const auto& schema = p.schema();
  using K = SegmentNode::Kind;
  switch (n.kind) {
    case K::all:
      return std::all_of(n.children.begin(), n.children.end(), [&](const auto& c) { return scan_match(c, p, row); });
    case K::any:
      return std::any_of(n.children.begin(), n.children.end(), [&](const auto& c) { return scan_match(c, p, row); });
    case K::negate: return !scan_match(n.children.at(0), p, row);
    case K::eq:
    case K::in: {
      const auto a = *schema.find_attribute(n.attribute);
      const auto& value = schema.attribute(a).values[p.attribute(row, a)];
      return std::find(n.values.begin(), n.values.end(), value) != n.values.end();
    }
    case K::range: {
      const auto a = *schema.find_attribute(n.attribute);
      return band_within(schema.info(a), p.attribute(row, a), n.min, n.max);
    }
    case K::tag: return (p.tags(row) >> *schema.tag_index(n.tag)) & 1u;
  }
  return false;
}

inline bool scan_consents(const ConsentFilter& f, const Population& p, std::size_t row) {
  const auto& schema = p.schema();
  const auto purpose = schema.purpose_index(f.purpose);
  const auto category = schema.category_index(f.partner_category);
  if (!purpose || !category) return false;
  for (const auto& name : f.channels) {
    const auto channel = schema.channel_index(name);
    if (!channel) continue;
    const auto bit = std::uint64_t{1} << schema.scope_index({*purpose, *channel, *category});
    if ((p.consent_granted(row) & bit) && !(p.consent_withdrawn(row) & bit)) return true;
  }
  return false;
}

inline bool scan_selects(const CountQuery& q, const Population& p, std::size_t row) {
  return p.attribute(row, Attr::status) == p.schema().code(Attr::status, "active") &&
         scan_consents(q.consent, p, row) && scan_match(q.segment, p, row);
}

inline std::uint64_t scan_count(const CountQuery& q, const Population& p) {
  std::uint64_t n = 0;
  for (std::size_t row = 0; row < p.size(); ++row) n += scan_selects(q, p, row);
  return n;
}

}  // namespace octopus::engine::reference::test
