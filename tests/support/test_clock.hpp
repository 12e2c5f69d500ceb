// Clocks for tests: time is what the test says it is. A VariableClock reads a variable the
// test owns (Unix seconds, milliseconds or nanoseconds), so moving time is assigning it;
// use an atomic variable when another thread reads the clock.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

#include "vocabulary/clock.hpp"

namespace octopus::testing {

template <typename Unit, typename Variable = std::int64_t>
class VariableClock final : public octopus::Clock {
 public:
  explicit VariableClock(const Variable& value) : value_(value) {}
  time_point now() const override {
    return time_point(std::chrono::duration_cast<time_point::duration>(Unit(static_cast<std::int64_t>(value_))));
  }

 private:
  const Variable& value_;
};

using SecondsClock = VariableClock<std::chrono::seconds>;
using NanosClock = VariableClock<std::chrono::nanoseconds>;
using AtomicMillisClock = VariableClock<std::chrono::milliseconds, std::atomic<std::int64_t>>;

}  // namespace octopus::testing
