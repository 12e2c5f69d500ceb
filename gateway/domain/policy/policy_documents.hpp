// The six policy files of a directory, parsed and schema-checked, not yet cross-checked.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "policy/source_document.hpp"

namespace octopus::policy {

enum class PolicyFile : std::uint8_t { consent, privacy, fatigue, content, quotas, settlement };
inline constexpr std::array<std::string_view, 6> kPolicyFileNames{"consent", "privacy", "fatigue",
                                                                  "content", "quotas",  "settlement"};

struct PolicyDocuments {
  std::array<SourceDocument, kPolicyFileNames.size()> files;
  // Per file: read, parsed and matching its schema, so its shape can be relied on.
  std::array<bool, kPolicyFileNames.size()> sound{};

  bool is_sound(PolicyFile f) const { return sound[static_cast<std::size_t>(f)]; }

  const SourceDocument& operator[](PolicyFile f) const { return files[static_cast<std::size_t>(f)]; }
  SourceDocument& operator[](PolicyFile f) { return files[static_cast<std::size_t>(f)]; }
};

}  // namespace octopus::policy
