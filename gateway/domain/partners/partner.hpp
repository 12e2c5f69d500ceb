// Partner registry records: who may call the partner plane and with which keys.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace octopus::partners {

struct PartnerKey {
  std::string key_id;
  std::string partner_id;
  std::string algorithm = "ed25519";
  std::array<std::uint8_t, 32> public_key{};
  std::int64_t created_at = 0;             // Unix seconds
  std::optional<std::int64_t> revoked_at;  // Unix seconds
};

enum class PartnerStatus { active, suspended };

struct Partner {
  std::string id;
  std::string display_name;
  PartnerStatus status = PartnerStatus::active;
  std::string tier;
  std::string category;
  std::vector<std::string> scopes;
  // Partner accounts of one company share one privacy budget and one query history
  // (docs/privacy.md); empty: the partner stands alone.
  std::string organisation;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::vector<PartnerKey> keys;
};

// A partial update: only the fields that are set change.
struct PartnerPatch {
  std::optional<std::string> display_name;
  std::optional<PartnerStatus> status;
  std::optional<std::string> tier;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::string> organisation;
};

const char* to_string(PartnerStatus s);
std::optional<PartnerStatus> parse_partner_status(std::string_view s);

}  // namespace octopus::partners
