// A segment tree as bitmap algebra over the population's indexes: all = AND, any = OR,
// not = the universe minus, eq/in = the value bitmaps OR-ed, range = the bands inside
// [min, max] OR-ed, tag = the tag's bitmap. Status and consent are applied by the caller.
#pragma once
#include "engine/reference/population_index.hpp"
#include "engine/segment.hpp"

namespace octopus::engine::reference {

class SegmentEvaluator {
 public:
  SegmentEvaluator(const PopulationSchema& schema, const PopulationIndex& index) : schema_(schema), index_(index) {}

  // The rows the segment selects. An attribute, value or tag the schema does not know, or
  // a malformed node, throws std::invalid_argument: the gateway checks segments against
  // the published vocabulary first, so this only guards against a programming error.
  Bitmap rows(const SegmentNode& node) const;

 private:
  // A bitmap the index already holds (used in place) or one computed for this query.
  class Operand;
  Operand evaluate(const SegmentNode& node) const;
  Operand all_of(const SegmentNode& node) const;
  Operand any_of(const SegmentNode& node) const;
  Operand values_of(const SegmentNode& node) const;
  Operand bands_of(const SegmentNode& node) const;
  Attr attribute(const SegmentNode& node) const;

  const PopulationSchema& schema_;
  const PopulationIndex& index_;
};

}  // namespace octopus::engine::reference
