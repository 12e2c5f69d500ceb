#include "engine/reference/reference_engine.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace octopus::engine::reference {

namespace {

template <typename T>
std::future<T> ready(T value) {
  std::promise<T> p;
  p.set_value(std::move(value));
  return p.get_future();
}

template <typename T, typename F>
std::future<T> answer(F&& compute) {
  std::promise<T> p;
  try {
    p.set_value(compute());
  } catch (...) {
    p.set_exception(std::current_exception());
  }
  return p.get_future();
}

template <typename Array>
std::size_t index_of(const Array& names, std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return i;
  return names.size();
}

}  // namespace

ReferenceEngine::ReferenceEngine(Population population) : population_(std::move(population)) {
  const auto& schema = population_schema();
  const auto n = static_cast<std::uint32_t>(population_.size);
  universe_.addRange(0, n);
  values_.resize(schema.attributes.size());
  for (std::size_t a = 0; a < schema.attributes.size(); ++a) values_[a].resize(schema.attributes[a].values.size());
  tags_.resize(schema.tags.size());
  constexpr std::size_t scopes = kPurposes.size() * kChannels.size() * kCategories.size();
  granted_.resize(scopes);
  withdrawn_.resize(scopes);

  // Built in ascending id order, so every add appends to the bitmap's last container.
  for (std::uint32_t i = 0; i < n; ++i) {
    if (population_.active[i]) active_.add(i);
    for (std::size_t a = 0; a < values_.size(); ++a) values_[a][population_.columns[a][i]].add(i);
    for (std::uint64_t t = population_.tags[i]; t; t &= t - 1) tags_[static_cast<std::size_t>(__builtin_ctzll(t))].add(i);
    for (std::uint64_t g = population_.granted[i]; g; g &= g - 1) granted_[static_cast<std::size_t>(__builtin_ctzll(g))].add(i);
    for (std::uint64_t w = population_.withdrawn[i]; w; w &= w - 1)
      withdrawn_[static_cast<std::size_t>(__builtin_ctzll(w))].add(i);
  }
  auto optimise = [](Roaring& r) { r.runOptimize(); };
  optimise(universe_);
  optimise(active_);
  for (auto& column : values_) std::for_each(column.begin(), column.end(), optimise);
  std::for_each(tags_.begin(), tags_.end(), optimise);
  std::for_each(granted_.begin(), granted_.end(), optimise);
  std::for_each(withdrawn_.begin(), withdrawn_.end(), optimise);
}

std::size_t ReferenceEngine::index_bytes() const {
  std::size_t bytes = universe_.getSizeInBytes() + active_.getSizeInBytes();
  for (const auto& column : values_)
    for (const auto& r : column) bytes += r.getSizeInBytes();
  for (const auto* set : {&tags_, &granted_, &withdrawn_})
    for (const auto& r : *set) bytes += r.getSizeInBytes();
  return bytes;
}

std::future<Vocabulary> ReferenceEngine::vocabulary() {
  const auto& schema = population_schema();
  return ready(Vocabulary{schema.attributes, schema.tags});
}

Roaring ReferenceEngine::segment(const SegmentNode& n) const {
  const auto& schema = population_schema();
  switch (n.kind) {
    case SegmentNode::Kind::all: {
      if (n.children.empty()) throw std::invalid_argument("all with no children");
      Roaring r = segment(n.children[0]);
      for (std::size_t i = 1; i < n.children.size(); ++i) r &= segment(n.children[i]);
      return r;
    }
    case SegmentNode::Kind::any: {
      Roaring r;
      for (const auto& c : n.children) r |= segment(c);
      return r;
    }
    case SegmentNode::Kind::negate: {
      if (n.children.size() != 1) throw std::invalid_argument("not needs one child");
      return universe_ - segment(n.children[0]);
    }
    case SegmentNode::Kind::eq:
    case SegmentNode::Kind::in:
    case SegmentNode::Kind::range: {
      const std::size_t a = schema.column(n.attribute);
      if (a == schema.attributes.size()) throw std::invalid_argument("unknown attribute " + n.attribute);
      const auto& info = schema.attributes[a];
      Roaring r;
      if (n.kind == SegmentNode::Kind::range) {
        for (std::size_t v = 0; v < info.values.size(); ++v)
          if (band_within(info, v, n.min, n.max)) r |= values_[a][v];
        return r;
      }
      for (const auto& value : n.values) {
        const std::size_t v = index_of(info.values, value);
        if (v == info.values.size()) throw std::invalid_argument("unknown value " + value + " of " + n.attribute);
        r |= values_[a][v];
      }
      return r;
    }
    case SegmentNode::Kind::tag: {
      const std::size_t t = index_of(schema.tags, n.tag);
      if (t == schema.tags.size()) throw std::invalid_argument("unknown tag " + n.tag);
      return tags_[t];
    }
  }
  throw std::invalid_argument("unknown segment node");
}

Roaring ReferenceEngine::consenting(const ConsentFilter& f) const {
  Roaring r;
  const std::size_t purpose = index_of(kPurposes, f.purpose), category = index_of(kCategories, f.partner_category);
  // No consent is recorded for a purpose or category this engine does not know: nobody.
  if (purpose == kPurposes.size() || category == kCategories.size()) return r;
  for (const auto& channel : f.channels) {
    const std::size_t ch = index_of(kChannels, channel);
    if (ch == kChannels.size()) continue;
    const auto bit = consent_bit(static_cast<unsigned>(purpose), static_cast<unsigned>(ch), static_cast<unsigned>(category));
    r |= granted_[bit] - withdrawn_[bit];  // a withdrawal beats the grant
  }
  return r;
}

Roaring ReferenceEngine::evaluate(const CountQuery& q) const {
  Roaring r = segment(q.segment);
  r &= active_;
  r &= consenting(q.consent);
  return r;
}

std::future<std::uint64_t> ReferenceEngine::count(const CountQuery& q) {
  return answer<std::uint64_t>([&] { return evaluate(q).cardinality(); });
}

std::future<AudienceHandle> ReferenceEngine::materialise(const CountQuery& q) {
  return answer<AudienceHandle>([&] {
    auto members = std::make_shared<const Roaring>(evaluate(q));
    std::lock_guard lock(audiences_mutex_);
    char id[32];
    std::snprintf(id, sizeof id, "ref_%llx", static_cast<unsigned long long>(next_audience_++));
    audiences_[id] = members;
    return AudienceHandle{id, members->cardinality()};
  });
}

std::future<MemberBatch> ReferenceEngine::members(const std::string& audience_id, std::uint64_t cursor,
                                                  std::size_t limit) {
  return answer<MemberBatch>([&] {
    std::shared_ptr<const Roaring> members;
    {
      std::lock_guard lock(audiences_mutex_);
      auto it = audiences_.find(audience_id);
      if (it == audiences_.end()) throw std::invalid_argument("unknown audience " + audience_id);
      members = it->second;
    }
    MemberBatch batch;
    if (cursor > UINT32_MAX) return batch;
    roaring_uint32_iterator_t* it = roaring_create_iterator(&members->roaring);
    if (roaring_move_uint32_iterator_equalorlarger(it, static_cast<std::uint32_t>(cursor))) {
      std::vector<std::uint32_t> buffer(limit + 1);
      const auto got = roaring_read_uint32_iterator(it, buffer.data(), static_cast<std::uint32_t>(limit + 1));
      for (std::uint32_t i = 0; i < got && i < limit; ++i) batch.subscribers.push_back(buffer[i]);
      if (got > limit) batch.next = buffer[limit];
    }
    roaring_free_uint32_iterator(it);
    return batch;
  });
}

std::future<void> ReferenceEngine::drop(const std::string& audience_id) {
  std::promise<void> p;
  {
    std::lock_guard lock(audiences_mutex_);
    audiences_.erase(audience_id);
  }
  p.set_value();
  return p.get_future();
}

std::future<Eligibility> ReferenceEngine::eligibility(const EligibilityQuery& q) {
  return answer<Eligibility>([&] {
    const auto& schema = population_schema();
    if (q.subscriber >= population_.size) throw std::invalid_argument("unknown subscriber");
    const std::size_t product = index_of(
        [&] {
          std::vector<std::string> codes;
          for (const auto& p : schema.products) codes.push_back(p.code);
          return codes;
        }(),
        q.product_code);
    if (product == schema.products.size()) return Eligibility{false, "no such product"};
    const auto i = static_cast<std::size_t>(q.subscriber);
    if (!population_.active[i]) return Eligibility{false, "the subscription is suspended"};
    if (population_.products[i] & (1u << product)) return Eligibility{false, "already holds " + q.product_code};
    auto column = [&](const char* name) { return population_.columns[schema.column(name)][i]; };
    const std::string& code = schema.products[product].code;
    if (code == "5G-PLUS" && column("network") != 0) return Eligibility{false, "already on a 5G plan"};
    if (code == "VIDEO-VIP" && column("device_type") == 1) return Eligibility{false, "a feature phone cannot play video"};
    if ((code == "INTL-ROAM" || code == "FAMILY-SHARE") && column("plan_type") != 0)
      return Eligibility{false, "postpaid plans only"};
    return Eligibility{true, ""};
  });
}

std::future<std::vector<Product>> ReferenceEngine::products() {
  std::vector<Product> out;
  for (const auto& p : population_schema().products) out.push_back({p.code, p.name, p.eligibility_summary});
  return ready(std::move(out));
}

}  // namespace octopus::engine::reference
