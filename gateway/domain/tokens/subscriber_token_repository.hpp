// Which subscriber each token issued to a partner stands for (tokens are one-way, so the
// gateway remembers the ones it issued in order to take them back, e.g. in a delivery).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace octopus::tokens {

class SubscriberTokenRepository {
 public:
  virtual ~SubscriberTokenRepository() = default;
  virtual void remember_subscriber_token(const std::string& partner_id, const std::string& token,
                                         std::uint64_t subscriber, std::int64_t now) = 0;
  // The subscriber of each token this partner was issued; nullopt for any other token.
  virtual std::vector<std::optional<std::uint64_t>> resolve_subscriber_tokens(
      const std::string& partner_id, const std::vector<std::string>& tokens) = 0;
};

}  // namespace octopus::tokens
