// The breaker in front of Redis and a remote engine: it opens on a failure, fails fast for
// its back-off, lets a probe through when the back-off passes, doubles the back-off when the
// probe fails, and closes on the first success.
#include "resilience/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "observability/metrics.hpp"

namespace octopus::resilience {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::steady_clock::time_point{} + 1000h};
  CircuitBreaker::Clock fn() {
    return [this] { return now; };
  }
};

TEST(CircuitBreaker, StartsClosedAndLetsCallsThrough) {
  FakeClock clock;
  CircuitBreaker b("test_a", {100ms, 800ms}, clock.fn());
  EXPECT_TRUE(b.closed());
  EXPECT_TRUE(b.allow());
  EXPECT_EQ(b.retry_after(), 0ms);
}

TEST(CircuitBreaker, AFailureOpensItForTheBackOffThenAProbeMayPass) {
  FakeClock clock;
  CircuitBreaker b("test_b", {100ms, 800ms}, clock.fn());
  b.record_failure("connection refused");
  EXPECT_FALSE(b.closed());
  EXPECT_FALSE(b.allow());
  EXPECT_EQ(b.retry_after(), 100ms);
  clock.now += 60ms;
  EXPECT_FALSE(b.allow());
  EXPECT_EQ(b.retry_after(), 40ms);
  clock.now += 40ms;
  EXPECT_TRUE(b.allow());  // the probe
  EXPECT_FALSE(b.closed());
  b.record_success();
  EXPECT_TRUE(b.closed());
  EXPECT_TRUE(b.allow());
  EXPECT_EQ(b.failures(), 1u);
}

TEST(CircuitBreaker, FailedProbesDoubleTheBackOffUpToTheMaximum) {
  FakeClock clock;
  CircuitBreaker b("test_c", {100ms, 300ms}, clock.fn());
  const std::chrono::milliseconds expected[] = {100ms, 200ms, 300ms, 300ms};
  for (auto wait : expected) {
    b.record_failure("timeout");
    EXPECT_EQ(b.retry_after(), wait);
    clock.now += wait;
    EXPECT_TRUE(b.allow());
  }
  // A success resets the back-off: the next outage starts from the minimum again.
  b.record_success();
  b.record_failure("timeout");
  EXPECT_EQ(b.retry_after(), 100ms);
}

TEST(CircuitBreaker, ItsStateIsAMetric) {
  FakeClock clock;
  auto& m = observability::metrics();
  CircuitBreaker b("test_d", {100ms, 800ms}, clock.fn());
  EXPECT_EQ(m.value("octopus_test_d_up"), 1);
  b.record_failure("down");
  b.record_failure("down");
  EXPECT_EQ(m.value("octopus_test_d_up"), 0);
  EXPECT_EQ(m.value("octopus_test_d_failures_total"), 2);
  b.record_success();
  EXPECT_EQ(m.value("octopus_test_d_up"), 1);
}

TEST(CircuitBreaker, CallDurationsGoToItsHistogramInSeconds) {
  FakeClock clock;
  auto& m = observability::metrics();
  CircuitBreaker b("test_e", {100ms, 800ms}, clock.fn());
  b.record_duration(3ms);
  b.record_duration(2s);
  EXPECT_EQ(m.observations("octopus_test_e_call_duration_seconds"), 2u);
  const auto text = m.render();
  EXPECT_NE(text.find("# TYPE octopus_test_e_call_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("octopus_test_e_call_duration_seconds_bucket{le=\"0.005\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("octopus_test_e_call_duration_seconds_sum 2.003"), std::string::npos);
}

}  // namespace
}  // namespace octopus::resilience
