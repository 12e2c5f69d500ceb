#include "engine/reference/reference_engine.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <limits>
#include <stdexcept>

namespace octopus::engine::reference {
namespace {

// Rows are found by id with a binary search, so ascending ids are a precondition.
std::shared_ptr<const Population> ascending(std::shared_ptr<const Population> population) {
  if (!population) throw std::invalid_argument("the reference engine needs a population");
  if (!population->ids_ascending())
    throw std::invalid_argument("the population's subscriber ids must be unique and ascending");
  return population;
}

}  // namespace

ReferenceEngine::ReferenceEngine(std::shared_ptr<const Population> population, ReferenceEngineOptions options)
    : population_(ascending(std::move(population))),
      rows_(*population_),
      index_(PopulationIndex::build(*population_, options.index_threads)),
      evaluator_(population_->schema(), index_),
      reachable_(population_->schema(), index_),
      membership_indexes_(population_->size(), options.membership_index_bytes),
      catalogue_(ProductCatalogue::reference()),
      events_(options.stream_capacity),
      conversions_(options.stream_capacity),
      activity_(*population_, catalogue_, options.activity) {
  if (options.workers > 0) pool_.emplace(options.workers, options.max_queued);
  activity_.start([this](SubscriberEvent e) { events_.append(std::move(e)); },
                  [this](Conversion c) { conversions_.append(std::move(c)); });
}

ReferenceEngine::~ReferenceEngine() = default;

template <typename T, typename Work>
std::future<T> ReferenceEngine::answer(Work work) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  auto task = [promise, work = std::move(work)]() mutable {
    try {
      if constexpr (std::is_void_v<T>) {
        work();
        promise->set_value();
      } else {
        promise->set_value(work());
      }
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  };
  if (!pool_) {
    task();
  } else if (!pool_->submit(std::move(task))) {
    promise->set_exception(std::make_exception_ptr(EngineUnavailable("the reference engine is overloaded")));
  }
  return future;
}

Bitmap ReferenceEngine::audience_rows(const CountQuery& query) const {
  Bitmap rows = evaluator_.rows(query.segment);
  rows &= *reachable_.get(query.consent);
  return rows;
}

std::future<Vocabulary> ReferenceEngine::vocabulary() {
  return answer<Vocabulary>([this] { return population_->schema().vocabulary(); });
}

std::future<std::uint64_t> ReferenceEngine::count(const CountQuery& query) {
  return answer<std::uint64_t>([this, query] {
    // AND-and-count in one pass: the intersection itself is never built.
    return evaluator_.rows(query.segment).and_cardinality(*reachable_.get(query.consent));
  });
}

std::future<AudienceHandle> ReferenceEngine::materialise(const CountQuery& query) {
  return answer<AudienceHandle>([this, query] {
    Bitmap rows = audience_rows(query);
    rows.optimise();
    const auto size = rows.cardinality();
    return AudienceHandle{audiences_.put(std::move(rows)), size};
  });
}

std::future<MemberBatch> ReferenceEngine::members(const std::string& audience_id, std::uint64_t cursor,
                                                  std::size_t limit) {
  return answer<MemberBatch>([this, audience_id, cursor, limit] {
    if (limit == 0) throw std::invalid_argument("a member batch needs a limit of at least 1");
    const auto rows = audiences_.find(audience_id);
    if (!rows) throw AudienceNotFound("no audience " + audience_id);
    MemberBatch batch;
    // The cursor is the row to resume from; rows fit in 32 bits, so a larger cursor is past the end.
    if (cursor > std::numeric_limits<std::uint32_t>::max()) return batch;
    auto [found, more] = rows->rows_from(static_cast<std::uint32_t>(cursor), limit);
    batch.subscribers.reserve(found.size());
    for (auto row : found) batch.subscribers.push_back(population_->id(row));
    if (more) batch.next = std::uint64_t{found.back()} + 1;
    return batch;
  });
}

std::future<void> ReferenceEngine::drop(const std::string& audience_id) {
  return answer<void>([this, audience_id] {
    audiences_.erase(audience_id);
    membership_indexes_.forget(audience_id);
  });
}

std::future<Eligibility> ReferenceEngine::eligibility(const EligibilityQuery& query) {
  return answer<Eligibility>([this, query] {
    const auto row = rows_.row_of(query.subscriber);
    if (!row) {
      // The product is checked first so a bad code is reported whoever the subscriber is.
      if (!population_->schema().product_index(query.product_code))
        throw std::invalid_argument("no product '" + query.product_code + "' in the catalogue");
      return Eligibility{false, "no such subscriber"};
    }
    return catalogue_.check(*population_, *row, query.product_code);
  });
}

std::future<std::vector<Product>> ReferenceEngine::products() {
  return answer<std::vector<Product>>([this] { return catalogue_.published(); });
}

std::future<std::vector<SubscriberFacts>> ReferenceEngine::facts(const FactsQuery& query) {
  return answer<std::vector<SubscriberFacts>>([this, query] {
    const auto& schema = population_->schema();
    std::optional<std::size_t> product;
    if (!query.product_code.empty()) {
      product = schema.product_index(query.product_code);
      if (!product) throw std::invalid_argument("no product '" + query.product_code + "' in the catalogue");
    }
    // A scope the population has no records for (an unknown purpose, say) is "none" for all.
    std::optional<std::size_t> scope;
    const auto purpose = schema.purpose_index(query.purpose);
    const auto channel = schema.channel_index(query.channel);
    const auto category = schema.category_index(query.partner_category);
    if (purpose && channel && category) scope = schema.scope_index({*purpose, *channel, *category});
    const auto active = schema.code(Attr::status, "active");

    std::vector<SubscriberFacts> out(query.subscribers.size());
    for (std::size_t i = 0; i < query.subscribers.size(); ++i) {
      const auto row = rows_.row_of(query.subscribers[i]);
      if (!row) continue;
      auto& f = out[i];
      f.known = true;
      f.active = population_->attribute(*row, Attr::status) == active;
      if (scope) {
        if ((population_->consent_withdrawn(*row) >> *scope) & 1u)
          f.consent = ConsentState::withdrawn;
        else if ((population_->consent_granted(*row) >> *scope) & 1u)
          f.consent = ConsentState::granted;
      }
      f.eligible = product ? catalogue_.eligible(*population_, *row, *product) : f.active;
    }
    return out;
  });
}

std::future<Memberships> ReferenceEngine::memberships(MembershipQuery query) {
  return answer<Memberships>([this, query = std::move(query)] {
    if (query.audiences.size() > kMaxMembershipAudiences)
      throw std::invalid_argument("at most " + std::to_string(kMaxMembershipAudiences) +
                                  " audiences per membership query");
    const auto audiences = audiences_.find_all(query.audiences);
    Memberships out(query.subscribers.size(), audiences.size());
    const auto index = membership_indexes_.find_or_build(query.audiences, audiences);
    for (std::size_t s = 0; s < query.subscribers.size(); ++s) {
      const auto row = rows_.row_of(query.subscribers[s]);
      if (!row) continue;
      if (index) {
        index->for_each(*row, [&](std::size_t a) { out.add(s, a); });
        continue;
      }
      for (std::size_t a = 0; a < audiences.size(); ++a)
        if (audiences[a]->contains(static_cast<std::uint32_t>(*row))) out.add(s, a);
    }
    return out;
  });
}

std::future<std::vector<ConsentRecord>> ReferenceEngine::consents(std::uint64_t subscriber) {
  return answer<std::vector<ConsentRecord>>([this, subscriber] {
    const auto row = rows_.row_of(subscriber);
    if (!row) throw SubscriberNotFound("the engine holds no such subscriber");
    const auto& schema = population_->schema();
    const auto granted = population_->consent_granted(*row), withdrawn = population_->consent_withdrawn(*row);
    std::vector<ConsentRecord> out;
    for (std::size_t i = 0; i < schema.scope_count(); ++i) {
      const bool w = (withdrawn >> i) & 1u, g = (granted >> i) & 1u;
      if (!w && !g) continue;
      const auto scope = schema.scope(i);
      out.push_back({schema.purposes()[scope.purpose], schema.channels()[scope.channel],
                     schema.partner_categories()[scope.category], w ? ConsentState::withdrawn : ConsentState::granted});
    }
    return out;
  });
}

std::future<EventBatch> ReferenceEngine::events(std::uint64_t after, std::size_t limit,
                                                std::chrono::milliseconds wait) {
  return events_.read(after, limit, wait);
}

std::future<ConversionBatch> ReferenceEngine::conversions(std::uint64_t after, std::size_t limit,
                                                          std::chrono::milliseconds wait) {
  return conversions_.read(after, limit, wait);
}

namespace {
std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

std::future<std::uint64_t> ReferenceEngine::inject_event(SubscriberEvent event) {
  return answer<std::uint64_t>([this, event = std::move(event)]() mutable {
    if (std::find(std::begin(kEventTypes), std::end(kEventTypes), event.type) == std::end(kEventTypes))
      throw std::invalid_argument("unknown event type '" + event.type + "'");
    if (!rows_.row_of(event.subscriber))
      throw std::invalid_argument("no subscriber " + std::to_string(event.subscriber));
    if (event.at_ms == 0) event.at_ms = unix_ms_now();
    return events_.append(std::move(event));
  });
}

std::future<std::uint64_t> ReferenceEngine::report_conversion(Conversion conversion) {
  return answer<std::uint64_t>([this, conversion = std::move(conversion)]() mutable {
    if (!population_->schema().product_index(conversion.product_code))
      throw std::invalid_argument("no product '" + conversion.product_code + "' in the catalogue");
    if (!rows_.row_of(conversion.subscriber))
      throw std::invalid_argument("no subscriber " + std::to_string(conversion.subscriber));
    if (conversion.order_id.empty()) throw std::invalid_argument("a conversion needs an order id");
    if (conversion.amount_fen < 0) throw std::invalid_argument("a conversion's amount cannot be negative");
    if (conversion.at_ms == 0) conversion.at_ms = unix_ms_now();
    return conversions_.append(std::move(conversion));
  });
}

std::unique_ptr<ReferenceEngine> make_synthetic_reference_engine(const SyntheticPopulationOptions& population,
                                                                 const ReferenceEngineOptions& options) {
  return std::make_unique<ReferenceEngine>(generate_synthetic_population(population), options);
}

}  // namespace octopus::engine::reference
