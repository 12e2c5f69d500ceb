#include "policy/policy_types.hpp"

namespace octopus::policy {

namespace {
constexpr std::array<std::string_view, kChannelCount> kChannelNames{"sms", "push", "outbound_call"};
constexpr std::array<std::string_view, kCapabilityCount> kCapabilityNames{"audiences", "deliveries", "triggers"};

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<Enum>(i);
  return std::nullopt;
}
}  // namespace

std::string_view to_string(Channel c) { return kChannelNames[static_cast<std::size_t>(c)]; }
std::string_view to_string(Capability c) { return kCapabilityNames[static_cast<std::size_t>(c)]; }
std::optional<Channel> parse_channel(std::string_view name) { return parse<Channel>(kChannelNames, name); }
std::optional<Capability> parse_capability(std::string_view name) { return parse<Capability>(kCapabilityNames, name); }

}  // namespace octopus::policy
