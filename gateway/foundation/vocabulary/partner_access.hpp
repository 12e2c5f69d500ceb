// The words every layer shares about what a partner may do: the scopes a partner holds and
// the quota classes (quotas.yaml) a request counts against. Routes declare them as typed
// values, so a misspelt scope or class fails to compile instead of silently becoming
// another; the policy files and the partner registry name them in text, parsed here.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace octopus::vocabulary {

// Rate and quota classes of quotas.yaml.
enum class CapabilityClass : std::uint8_t { reads, audience_queries, deliveries, resource_admin };
inline constexpr std::size_t kCapabilityClassCount = 4;
inline constexpr std::array<std::string_view, kCapabilityClassCount> kCapabilityClassNames{
    "reads", "audience_queries", "deliveries", "resource_admin"};

constexpr std::string_view to_string(CapabilityClass c) { return kCapabilityClassNames[static_cast<std::size_t>(c)]; }
constexpr std::optional<CapabilityClass> parse_capability_class(std::string_view name) {
  for (std::size_t i = 0; i < kCapabilityClassCount; ++i)
    if (kCapabilityClassNames[i] == name) return static_cast<CapabilityClass>(i);
  return std::nullopt;
}

// The partner scopes the gateway knows; `none` is what a route that needs no scope declares.
enum class Scope : std::uint8_t {
  none,
  audiences_read,
  audiences_write,
  offers_read,
  offers_write,
  deliveries_read,
  deliveries_write,
  triggers_read,
  triggers_write,
  settlements_read,
  webhooks_read,
  webhooks_write,
};

// What each scope grants: the capability and the operation. Grouped by capability, read
// before write: GET /v1/capabilities lists them in this order.
struct ScopeGrant {
  Scope scope;
  std::string_view name;
  std::string_view capability;
  std::string_view operation;  // "read" | "write"
};

inline constexpr std::array<ScopeGrant, 11> kScopes{{
    {Scope::audiences_read, "audiences:read", "audiences", "read"},
    {Scope::audiences_write, "audiences:write", "audiences", "write"},
    {Scope::offers_read, "offers:read", "offers", "read"},
    {Scope::offers_write, "offers:write", "offers", "write"},
    {Scope::deliveries_read, "deliveries:read", "deliveries", "read"},
    {Scope::deliveries_write, "deliveries:write", "deliveries", "write"},
    {Scope::triggers_read, "triggers:read", "triggers", "read"},
    {Scope::triggers_write, "triggers:write", "triggers", "write"},
    {Scope::settlements_read, "settlements:read", "settlements", "read"},
    {Scope::webhooks_read, "webhooks:read", "webhooks", "read"},
    {Scope::webhooks_write, "webhooks:write", "webhooks", "write"},
}};

constexpr std::string_view to_string(Scope s) {
  for (const auto& g : kScopes)
    if (g.scope == s) return g.name;
  return {};
}
constexpr std::optional<Scope> parse_scope(std::string_view name) {
  for (const auto& g : kScopes)
    if (g.name == name) return g.scope;
  return std::nullopt;
}

// Every Scope but `none` has a grant: checked here, at compile time.
static_assert([] {
  for (std::uint8_t i = 1; i <= static_cast<std::uint8_t>(Scope::webhooks_write); ++i)
    if (to_string(static_cast<Scope>(i)).empty()) return false;
  return true;
}());

// The planes the gateway serves: each is a listener with its own stages.
enum class Plane : std::uint8_t { partner, admin, engine };
constexpr std::string_view to_string(Plane p) {
  switch (p) {
    case Plane::partner: return "partner";
    case Plane::admin: return "admin";
    case Plane::engine: return "engine";
  }
  return "unknown";
}

}  // namespace octopus::vocabulary
