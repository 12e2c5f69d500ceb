// The embedded engine: a synthetic population (or, later, an imported one) indexed by
// compressed bitmaps (CRoaring), one per attribute value, tag, consent scope and product,
// so that counting a segment is bitmap algebra rather than a scan. Answers inline: a count
// over a million subscribers takes about a millisecond, so the futures it returns are
// already ready. Materialised audiences are bitmaps kept in memory under an opaque id.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <roaring/roaring.hh>

#include "engine/engine.hpp"
#include "engine/reference/synthetic_population.hpp"

namespace octopus::engine::reference {

class ReferenceEngine final : public Engine {
 public:
  explicit ReferenceEngine(Population population);
  std::string_view kind() const override { return "reference"; }

  std::future<Vocabulary> vocabulary() override;
  std::future<std::uint64_t> count(const CountQuery& query) override;
  std::future<AudienceHandle> materialise(const CountQuery& query) override;
  std::future<MemberBatch> members(const std::string& audience_id, std::uint64_t cursor, std::size_t limit) override;
  std::future<void> drop(const std::string& audience_id) override;
  std::future<Eligibility> eligibility(const EligibilityQuery& query) override;
  std::future<std::vector<Product>> products() override;

  const Population& population() const { return population_; }
  std::size_t index_bytes() const;  // all bitmaps, serialized size

  // The subscribers a query selects (exposed for tests and benchmarks).
  Roaring evaluate(const CountQuery& query) const;

 private:
  Roaring segment(const SegmentNode& node) const;
  Roaring consenting(const ConsentFilter& filter) const;

  Population population_;
  Roaring universe_, active_;
  std::vector<std::vector<Roaring>> values_;  // [attribute][value]
  std::vector<Roaring> tags_;
  std::vector<Roaring> granted_, withdrawn_;  // by consent_bit
  std::mutex audiences_mutex_;
  std::map<std::string, std::shared_ptr<const Roaring>> audiences_;
  std::uint64_t next_audience_ = 1;
};

}  // namespace octopus::engine::reference
