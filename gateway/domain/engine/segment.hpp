// A segment: which subscribers a partner means, as a tree parsed from the partner's JSON
// ({"all":[...]}, {"any":[...]}, {"not":...}, {"attribute":A,"eq"|"in"|"range":...},
// {"tag":T}). The gateway parses and checks it against the privacy policy; the engine only
// ever sees a valid tree whose attribute names and values it published in its vocabulary.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace octopus::engine {

struct SegmentNode {
  enum class Kind : std::uint8_t { all, any, negate, eq, in, range, tag };
  Kind kind = Kind::all;
  std::string attribute;            // eq, in, range
  std::vector<std::string> values;  // eq (one), in (one or more)
  // range: over an ordered band attribute, the bands lying wholly inside [min, max]
  // (e.g. age_band 25..44 → 25-34, 35-44).
  double min = 0, max = 0;
  std::string tag;                    // tag
  std::vector<SegmentNode> children;  // all, any (one or more), negate (exactly one)
};

// One targetable attribute as the engine knows it: its values in order; for band
// attributes each value's numeric bounds (inclusive lower, exclusive upper; upper = lower
// of the next band, or infinity for the last).
struct AttributeInfo {
  std::string name;
  std::string description;
  std::vector<std::string> values;
  bool ordered = false;              // a band attribute: range applies
  std::vector<double> lower_bounds;  // per value, when ordered
  std::vector<double> upper_bounds;
};

struct Vocabulary {
  std::vector<AttributeInfo> attributes;
  std::vector<std::string> tags;  // interest tags, e.g. "travel", "gaming"
};

// Whether band `i` of an ordered attribute lies wholly inside [min, max]. Bands hold whole
// numbers (years, yuan, GB): band [lower, upper) is inside when lower >= min and its last
// whole value, upper - 1, is <= max. The gateway (to refuse an empty range) and every engine
// (to evaluate one) use this one definition.
inline bool band_within(const AttributeInfo& a, std::size_t i, double min, double max) {
  return i < a.lower_bounds.size() && i < a.upper_bounds.size() && a.lower_bounds[i] >= min &&
         a.upper_bounds[i] - 1 <= max;
}

}  // namespace octopus::engine
