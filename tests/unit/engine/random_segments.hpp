// Random segments and consent filters over a published vocabulary, for tests that compare
// an engine's counts with a plain scan or with another engine.
#pragma once
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "engine/engine.hpp"
#include "engine/reference/population_schema.hpp"

namespace octopus::engine::reference::test {

// Random trees of depth <= 3 over the published vocabulary, with every kind of node.
class RandomSegments {
  using K = SegmentNode::Kind;
  static SegmentNode node(K kind) {
    SegmentNode n;
    n.kind = kind;
    return n;
  }

 public:
  RandomSegments(const Vocabulary& v, std::uint32_t seed) : v_(v), rng_(seed) {}

  SegmentNode segment(int depth = 1) {
    const auto pick = below(depth >= 3 ? 4 : 7);
    if (pick >= 4) {
      SegmentNode n = node(pick == 4 ? K::all : pick == 5 ? K::any : K::negate);
      const auto children = n.kind == K::negate ? 1 : 1 + below(3);
      for (std::size_t i = 0; i < children; ++i) n.children.push_back(segment(depth + 1));
      return n;
    }
    if (pick == 3) {
      SegmentNode n = node(K::tag);
      // Mostly the popular tags, so that counts are seldom zero; sometimes any tag.
      n.tag = v_.tags[below(below(4) == 0 ? v_.tags.size() : 12)];
      return n;
    }
    const auto& a = v_.attributes[below(v_.attributes.size())];
    SegmentNode n;
    n.attribute = a.name;
    if (pick == 2 && a.ordered) {
      n.kind = K::range;
      const auto lo = below(a.values.size());
      const auto hi = lo + below(a.values.size() - lo);
      // Bounds a little off the band edges, so partial bands are excluded; sometimes open.
      n.min = a.lower_bounds[lo] - static_cast<double>(below(3));
      n.max = below(5) == 0 ? std::numeric_limits<double>::infinity()
                            : a.upper_bounds[hi] - 1 + static_cast<double>(below(3)) - 1;
      return n;
    }
    n.kind = pick == 0 ? K::eq : K::in;
    std::set<std::string> values;
    const auto count = n.kind == K::eq ? 1 : 1 + below(3);
    while (values.size() < count && values.size() < a.values.size()) values.insert(a.values[below(a.values.size())]);
    n.values.assign(values.begin(), values.end());
    return n;
  }

  ConsentFilter consent(const PopulationSchema& s) {
    ConsentFilter f;
    f.purpose = s.purposes()[below(s.purposes().size())];
    f.partner_category = s.partner_categories()[below(s.partner_categories().size())];
    for (const auto& c : s.channels())
      if (below(2)) f.channels.push_back(c);
    if (f.channels.empty()) f.channels.push_back(s.channels()[below(s.channels().size())]);
    return f;
  }

 private:
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  const Vocabulary& v_;
  std::mt19937 rng_;
};

}  // namespace octopus::engine::reference::test
