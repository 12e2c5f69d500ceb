// Waiting on a condition instead of sleeping a guessed time: the test goes on as soon as the
// condition holds and fails clearly when it never does.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace octopus::testing {

// True as soon as `condition` holds, false if it still does not after `timeout`. Checks
// every `poll` (the condition is usually a cheap call to a local server).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace octopus::testing
