// A release as a partner response renders it: the figures by name, or null with the reason
// they are withheld.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "privacy/release_model.hpp"

namespace octopus::privacy {

inline nlohmann::json figures_or_null(const Release& release, std::string& withheld_reason) {
  if (release.withheld) {
    withheld_reason = release.reason;
    return nullptr;
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& f : release.figures) out[f.name] = f.value;
  return out;
}

}  // namespace octopus::privacy
