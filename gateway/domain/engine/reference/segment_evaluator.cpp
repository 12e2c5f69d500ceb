#include "engine/reference/segment_evaluator.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

namespace octopus::engine::reference {

class SegmentEvaluator::Operand {
 public:
  static Operand borrow(const Bitmap& b) {
    Operand o;
    o.borrowed_ = &b;
    return o;
  }
  static Operand own(Bitmap b) {
    Operand o;
    o.owned_.emplace(std::move(b));
    return o;
  }
  const Bitmap& get() const { return owned_ ? *owned_ : *borrowed_; }
  // A bitmap this query may modify: its own, or a copy of the borrowed one.
  Bitmap take() && { return owned_ ? std::move(*owned_) : Bitmap(*borrowed_); }

 private:
  const Bitmap* borrowed_ = nullptr;
  std::optional<Bitmap> owned_;
};

Bitmap SegmentEvaluator::rows(const SegmentNode& node) const { return evaluate(node).take(); }

Attr SegmentEvaluator::attribute(const SegmentNode& node) const {
  const auto a = schema_.find_attribute(node.attribute);
  if (!a) throw std::invalid_argument("the engine has no attribute '" + node.attribute + "'");
  return *a;
}

SegmentEvaluator::Operand SegmentEvaluator::evaluate(const SegmentNode& node) const {
  using K = SegmentNode::Kind;
  switch (node.kind) {
    case K::all: return all_of(node);
    case K::any: return any_of(node);
    case K::negate:
      if (node.children.size() != 1) throw std::invalid_argument("'not' takes exactly one condition");
      return Operand::own(index_.universe() - evaluate(node.children.front()).get());
    case K::eq:
      if (node.values.size() != 1) throw std::invalid_argument("'eq' takes exactly one value");
      return values_of(node);
    case K::in:
      if (node.values.empty()) throw std::invalid_argument("'in' takes at least one value");
      return values_of(node);
    case K::range: return bands_of(node);
    case K::tag: {
      const auto t = schema_.tag_index(node.tag);
      if (!t) throw std::invalid_argument("the engine has no tag '" + node.tag + "'");
      return Operand::borrow(index_.tag(*t));
    }
  }
  throw std::invalid_argument("unknown segment node kind");
}

SegmentEvaluator::Operand SegmentEvaluator::all_of(const SegmentNode& node) const {
  if (node.children.empty()) throw std::invalid_argument("'all' takes at least one condition");
  // A negated condition inside 'all' is subtracted rather than complemented first: the
  // complement of a small set is the whole population, the most expensive bitmap to build.
  std::vector<Operand> keep, drop;
  for (const auto& child : node.children) {
    if (child.kind == SegmentNode::Kind::negate && child.children.size() == 1)
      drop.push_back(evaluate(child.children.front()));
    else
      keep.push_back(evaluate(child));
  }
  // Smallest first, so every later AND works on as little as possible.
  std::sort(keep.begin(), keep.end(),
            [](const Operand& a, const Operand& b) { return a.get().cardinality() < b.get().cardinality(); });
  Bitmap result = keep.empty()       ? index_.universe()
                  : keep.size() == 1 ? std::move(keep[0]).take()
                                     : keep[0].get() & keep[1].get();
  for (std::size_t i = 2; i < keep.size(); ++i) result &= keep[i].get();
  for (const auto& d : drop) result -= d.get();
  return Operand::own(std::move(result));
}

SegmentEvaluator::Operand SegmentEvaluator::any_of(const SegmentNode& node) const {
  if (node.children.empty()) throw std::invalid_argument("'any' takes at least one condition");
  if (node.children.size() == 1) return evaluate(node.children.front());
  std::vector<Operand> parts;
  std::vector<const roaring_bitmap_t*> raw;
  for (const auto& child : node.children) parts.push_back(evaluate(child));
  for (const auto& p : parts) raw.push_back(p.get().raw());
  return Operand::own(Bitmap::or_many(raw));
}

SegmentEvaluator::Operand SegmentEvaluator::values_of(const SegmentNode& node) const {
  const Attr a = attribute(node);
  std::vector<const roaring_bitmap_t*> raw;
  for (const auto& v : node.values) {
    const auto code = schema_.value_code(a, v);
    if (!code) throw std::invalid_argument("'" + v + "' is not a value of " + node.attribute);
    raw.push_back(index_.value(a, *code).raw());
  }
  if (raw.size() == 1) return Operand::borrow(index_.value(a, *schema_.value_code(a, node.values.front())));
  return Operand::own(Bitmap::or_many(raw));
}

SegmentEvaluator::Operand SegmentEvaluator::bands_of(const SegmentNode& node) const {
  const Attr a = attribute(node);
  const auto& def = schema_.attribute(a);
  if (!def.ordered) throw std::invalid_argument("'" + node.attribute + "' has no order; a range does not apply");
  const AttributeInfo& info = schema_.info(a);
  std::vector<const roaring_bitmap_t*> raw;
  std::uint8_t only = 0;
  for (std::size_t i = 0; i < def.values.size(); ++i)
    if (band_within(info, i, node.min, node.max)) {
      raw.push_back(index_.value(a, static_cast<std::uint8_t>(i)).raw());
      only = static_cast<std::uint8_t>(i);
    }
  if (raw.size() == 1) return Operand::borrow(index_.value(a, only));
  return Operand::own(Bitmap::or_many(raw));
}

}  // namespace octopus::engine::reference
