#include "partners/partner.hpp"

namespace octopus::partners {

const char* to_string(PartnerStatus s) { return s == PartnerStatus::active ? "active" : "suspended"; }

std::optional<PartnerStatus> parse_partner_status(std::string_view s) {
  if (s == "active") return PartnerStatus::active;
  if (s == "suspended") return PartnerStatus::suspended;
  return std::nullopt;
}

}  // namespace octopus::partners
