// The per-subscriber decisions (consent, quiet hours, caps, count publication) must not
// allocate: this binary counts every operator new and checks the count does not move.
#include <array>
#include <atomic>
#include <memory>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "policy/consent_evaluator.hpp"
#include "policy/frequency_caps.hpp"
#include "policy/privacy_evaluator.hpp"
#include "policy/quiet_hours.hpp"
#include "policy_fixture.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
}

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Every other form too, so each allocation and its release go through the same allocator
// (AddressSanitizer checks that they match).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size ? size : 1);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void* operator new(std::size_t size, std::align_val_t align) {
  ++g_allocations;
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace octopus::policy {
namespace {

TEST(NoAllocation, PerSubscriberDecisions) {
  const auto s = testing::shipped_snapshot();
  const ConsentRequest request{Capability::deliveries, Channel::sms, *s->purpose_id("dpv:DirectMarketing"),
                               *s->category_id("content")};
  SubscriberConsent subscriber;
  subscriber.granted.set(consent_scope(request.purpose, request.channel, request.category));
  const auto now = testing::utc(2026, 6, 6, 13, 0);  // quiet hours running into a blackout

  const std::size_t before = g_allocations.load();
  const auto consent = evaluate_consent(*s, request, subscriber);
  const auto time = check_send_time(*s, Channel::sms, now);
  const auto caps = check_frequency_caps(*s, Channel::sms, {1, 2, 1, 2});
  const auto periods = counting_periods(*s, now);
  const auto count = publish_count(*s, 12'345);
  const std::size_t after = g_allocations.load();

  EXPECT_EQ(after, before);
  // The counter does see allocations: otherwise the check above would prove nothing.
  auto probe = std::make_unique<std::array<char, 64>>();
  EXPECT_GT(g_allocations.load(), after);
  EXPECT_TRUE(consent.allowed);
  EXPECT_FALSE(time.allowed);
  EXPECT_TRUE(caps.allowed);
  EXPECT_GT(periods.week, 0);
  EXPECT_EQ(count.value, 12'000u);
}

}  // namespace
}  // namespace octopus::policy
