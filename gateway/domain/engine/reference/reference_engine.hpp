// The embedded engine: a population held in memory as packed columns with compressed
// bitmap indexes, answering counts by bitmap algebra, keeping materialised audiences, and
// checking product eligibility from the columns. The default engine when no remote engine
// is configured; the synthetic population makes it usable with no data at all.
#pragma once
#include <memory>
#include <optional>

#include "engine/engine.hpp"
#include "engine/reference/audience_store.hpp"
#include "engine/reference/event_log.hpp"
#include "engine/reference/population_index.hpp"
#include "engine/reference/product_catalogue.hpp"
#include "engine/reference/reachable_subscribers.hpp"
#include "engine/reference/segment_evaluator.hpp"
#include "engine/reference/membership_index.hpp"
#include "engine/reference/row_directory.hpp"
#include "engine/reference/synthetic_activity.hpp"
#include "engine/reference/synthetic_population.hpp"
#include "engine/worker_pool.hpp"

namespace octopus::engine::reference {

struct ReferenceEngineOptions {
  // Threads answering calls; 0 answers on the caller's thread (the future is ready on return).
  unsigned workers = 2;
  // Calls waiting beyond this are refused with EngineUnavailable.
  std::size_t max_queued = 1024;
  // Threads building the indexes at start-up.
  unsigned index_threads = 2;
  // Synthetic subscriber events and conversions (both off by default).
  ActivityOptions activity;
  // Records each stream keeps for readers who fall behind (about 200 bytes each).
  std::size_t stream_capacity = 100'000;
  // Memory for the membership indexes of audience lists asked repeatedly (triggers' segments).
  std::size_t membership_index_bytes = std::size_t{256} << 20;
};

class ReferenceEngine final : public Engine {
 public:
  // Builds the indexes (about a second per 10 M subscribers on two threads). The
  // population's ids must be ascending (the generator and the importer guarantee it).
  explicit ReferenceEngine(std::shared_ptr<const Population> population, ReferenceEngineOptions options = {});
  ~ReferenceEngine() override;

  std::string_view kind() const override { return "reference"; }
  std::future<Vocabulary> vocabulary() override;
  std::future<std::uint64_t> count(const CountQuery& query) override;
  std::future<AudienceHandle> materialise(const CountQuery& query) override;
  // `cursor` 0 starts at the beginning; an unknown id fails with AudienceNotFound.
  std::future<MemberBatch> members(const std::string& audience_id, std::uint64_t cursor, std::size_t limit) override;
  // Dropping an unknown (or already dropped) audience succeeds: the outcome is the same.
  std::future<void> drop(const std::string& audience_id) override;
  // An unknown product fails with std::invalid_argument; an unknown subscriber is not eligible.
  std::future<Eligibility> eligibility(const EligibilityQuery& query) override;
  std::future<std::vector<Product>> products() override;
  std::future<std::vector<SubscriberFacts>> facts(const FactsQuery& query) override;
  std::future<Memberships> memberships(MembershipQuery query) override;
  std::future<std::vector<ConsentRecord>> consents(std::uint64_t subscriber) override;
  std::future<EventBatch> events(std::uint64_t after, std::size_t limit, std::chrono::milliseconds wait) override;
  std::future<ConversionBatch> conversions(std::uint64_t after, std::size_t limit,
                                           std::chrono::milliseconds wait) override;
  // Unknown type or subscriber: std::invalid_argument. at_ms 0 means now.
  std::future<std::uint64_t> inject_event(SubscriberEvent event) override;
  // Unknown product or subscriber, empty order id, negative amount: std::invalid_argument.
  std::future<std::uint64_t> report_conversion(Conversion conversion) override;

  const Population& population() const { return *population_; }
  const PopulationIndex& index() const { return index_; }
  std::size_t audiences_held() const { return audiences_.size(); }

 private:
  template <typename T, typename Work>
  std::future<T> answer(Work work);
  Bitmap audience_rows(const CountQuery& query) const;

  std::shared_ptr<const Population> population_;
  RowDirectory rows_;
  PopulationIndex index_;
  SegmentEvaluator evaluator_;
  ReachableSubscribers reachable_;
  AudienceStore audiences_;
  MembershipIndexCache membership_indexes_;
  const ProductCatalogue& catalogue_;
  EventLog<SubscriberEvent> events_;
  EventLog<Conversion> conversions_;
  SyntheticActivity activity_;      // after the logs it writes to: stops first
  std::optional<WorkerPool> pool_;  // last: its threads stop before the state they read goes
};

// A reference engine over a synthetic population: what the gateway runs with no engine
// and no population configured.
std::unique_ptr<ReferenceEngine> make_synthetic_reference_engine(const SyntheticPopulationOptions& population = {},
                                                                 const ReferenceEngineOptions& options = {});

}  // namespace octopus::engine::reference
