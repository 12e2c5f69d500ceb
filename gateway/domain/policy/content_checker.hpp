// Checks one message text against content.yaml before it may be sent: opt-out footer,
// banned phrases, link domains and length (SMS segments, or characters).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_snapshot.hpp"
#include "policy/sms_segments.hpp"

namespace octopus::policy {

struct ContentViolation {
  std::string_view rule;  // e.g. "content.banned_phrases"
  std::string detail;     // e.g. "contains the banned phrase '最佳'"
};

struct ContentReport {
  std::vector<ContentViolation> violations;
  std::optional<SmsLength> sms;  // for the sms channel (and valid UTF-8)
  std::size_t characters = 0;
  bool human_review_required = false;  // content.yaml human_review for the partner category
  std::string_view human_review_rule;  // "content.human_review.content": decides approval when ok()
  std::string_view version;

  bool ok() const { return violations.empty(); }
};

ContentReport check_content(const PolicySnapshot& snapshot, Channel channel, std::string_view text,
                            CategoryId category);

// Host names of the links in `text`: URLs with a scheme ("https://x.cn/a") and bare
// domains ("x.cn/a"), lower-cased. What counts as a link is deliberately broad: a text
// that merely looks like a domain is checked too, because phones make it clickable.
std::vector<std::string> find_link_hosts(std::string_view text);

}  // namespace octopus::policy
