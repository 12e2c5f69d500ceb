// The roles of operator accounts on the admin plane. Each admin route declares the roles
// that may call it (a RoleSet); an account has exactly one role. There is no role above the
// others: `admin` manages partners, keys and accounts but does not review offers or change
// policies (compliance does), so no single account can both onboard a partner and approve
// what it sends.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace octopus::vocabulary {

enum class Role : std::uint8_t { admin, operator_, compliance, support, viewer, metrics };

inline constexpr std::array<Role, 6> kRoles{Role::admin,   Role::operator_, Role::compliance,
                                            Role::support, Role::viewer,    Role::metrics};

constexpr std::string_view to_string(Role r) {
  switch (r) {
    case Role::admin: return "admin";
    case Role::operator_: return "operator";
    case Role::compliance: return "compliance";
    case Role::support: return "support";
    case Role::viewer: return "viewer";
    case Role::metrics: return "metrics";
  }
  return "";
}

constexpr std::optional<Role> parse_role(std::string_view text) {
  for (const auto r : kRoles)
    if (to_string(r) == text) return r;
  return std::nullopt;
}

// A set of roles, as a route declares them.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (const auto r : roles) bits_ |= bit(r);
  }
  constexpr bool contains(Role r) const { return (bits_ & bit(r)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }

 private:
  static constexpr std::uint8_t bit(Role r) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(r)); }
  std::uint8_t bits_ = 0;
};

}  // namespace octopus::vocabulary
