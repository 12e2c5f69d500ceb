// A small engine for audience tests: it counts by evaluating a segment on every person of
// a list the test builds, so an expected count is whatever the test's own loop says.
#pragma once
#include <algorithm>
#include <cstdint>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace octopus::audiences {
namespace {

struct Person {
  std::string city;
  std::size_t age;  // index into the age bands
  bool travel = false;
  bool roaming = false;
};

// Counts by evaluating the segment on every person; records the last consent filter.
class BruteForceEngine final : public engine::Engine {
 public:
  std::vector<Person> people;
  engine::ConsentFilter last_consent;
  bool hang = false;
  std::promise<std::uint64_t> never;  // kept unset to simulate a hung engine
  std::mutex mutex;

  std::string_view kind() const override { return "test"; }
  std::future<engine::Vocabulary> vocabulary() override {
    engine::Vocabulary v;
    v.attributes.push_back({"city", "", {"jinan", "qingdao"}, false, {}, {}});
    v.attributes.push_back({"age_band",
                            "",
                            {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"},
                            true,
                            {18, 25, 35, 45, 55, 65},
                            {25, 35, 45, 55, 65, 1e9}});
    v.tags = {"travel", "roaming"};
    return ready(std::move(v));
  }
  std::future<std::uint64_t> count(const engine::CountQuery& q) override {
    if (hang) return never.get_future();
    std::lock_guard lock(mutex);  // estimates may run on several threads at once
    last_consent = q.consent;
    return ready<std::uint64_t>(
        std::count_if(people.begin(), people.end(), [&](const Person& p) { return match(q.segment, p); }));
  }
  std::future<engine::AudienceHandle> materialise(const engine::CountQuery&) override { return {}; }
  std::future<engine::MemberBatch> members(const std::string&, std::uint64_t, std::size_t) override { return {}; }
  std::future<void> drop(const std::string&) override { return {}; }
  std::future<engine::Eligibility> eligibility(const engine::EligibilityQuery&) override { return {}; }
  std::future<std::vector<engine::Product>> products() override { return {}; }
  std::future<std::vector<engine::SubscriberFacts>> facts(const engine::FactsQuery&) override { return {}; }
  std::future<engine::Memberships> memberships(engine::MembershipQuery) override { return {}; }
  std::future<std::vector<engine::ConsentRecord>> consents(std::uint64_t) override { return {}; }
  // Streams play no part in estimates.
  std::future<engine::EventBatch> events(std::uint64_t, std::size_t, std::chrono::milliseconds) override { return {}; }
  std::future<engine::ConversionBatch> conversions(std::uint64_t, std::size_t, std::chrono::milliseconds) override {
    return {};
  }
  std::future<std::uint64_t> inject_event(engine::SubscriberEvent) override { return {}; }
  std::future<std::uint64_t> report_conversion(engine::Conversion) override { return {}; }

 private:
  template <typename T>
  static std::future<T> ready(T value) {
    std::promise<T> p;
    p.set_value(std::move(value));
    return p.get_future();
  }
  static bool match(const engine::SegmentNode& n, const Person& p) {
    using K = engine::SegmentNode::Kind;
    static const std::vector<std::string> bands{"18-24", "25-34", "35-44", "45-54", "55-64", "65+"};
    switch (n.kind) {
      case K::all: return std::all_of(n.children.begin(), n.children.end(), [&](auto& c) { return match(c, p); });
      case K::any: return std::any_of(n.children.begin(), n.children.end(), [&](auto& c) { return match(c, p); });
      case K::negate: return !match(n.children[0], p);
      case K::eq:
      case K::in: {
        const std::string value = n.attribute == "city" ? p.city : bands[p.age];
        return std::find(n.values.begin(), n.values.end(), value) != n.values.end();
      }
      case K::range: return false;
      case K::tag: return n.tag == "roaming" ? p.roaming : p.travel;
    }
    return false;
  }
};

}  // namespace
}  // namespace octopus::audiences
