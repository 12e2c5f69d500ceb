#include "offers/offer_review.hpp"

#include <algorithm>
#include <set>

#include "http/formats.hpp"
#include "policy/content_checker.hpp"

namespace octopus::offers {

using nlohmann::json;

namespace {

// "{{name}}" occurrences; a "{{" without a closing "}}" is reported as its own issue.
std::vector<std::string> placeholders_in(const std::string& text, bool& unclosed) {
  std::vector<std::string> names;
  unclosed = false;
  for (std::size_t at = text.find("{{"); at != std::string::npos; at = text.find("{{", at + 2)) {
    const auto end = text.find("}}", at + 2);
    if (end == std::string::npos) {
      unclosed = true;
      break;
    }
    names.push_back(text.substr(at + 2, end - at - 2));
  }
  return names;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string date_of(std::int64_t unix_seconds) { return http::rfc3339(unix_seconds).substr(0, 10); }

// The offer's name and template: what is wrong with them is added to `issues`.
void check_text(const OfferRecord& o, std::vector<OfferIssue>& issues) {
  auto issue = [&](std::string pointer, std::string detail) {
    issues.push_back({std::move(pointer), std::move(detail)});
  };
  bool unclosed = false;
  for (const auto& p : placeholders_in(o.template_text, unclosed))
    if (std::find(std::begin(kPlaceholders), std::end(kPlaceholders), p) == std::end(kPlaceholders))
      issue("/template", "uses the placeholder {{" + p +
                             "}}; only {{product_name}}, {{landing_url}} and {{valid_until}} are allowed");
  if (unclosed) issue("/template", "opens a placeholder with {{ and never closes it");
}

// The offer's link and validity: what is wrong with them is added to `issues`.
void check_link_and_dates(OfferRecord& o, const std::string& from, const std::string& until, std::int64_t now,
                          std::vector<OfferIssue>& issues) {
  auto issue = [&](std::string pointer, std::string detail) {
    issues.push_back({std::move(pointer), std::move(detail)});
  };
  if (!o.landing_url.empty() && (o.landing_url.rfind("https://", 0) != 0 || o.landing_url.size() > 500 ||
                                 o.landing_url.find_first_of(" \t\r\n\"<>") != std::string::npos))
    issue("/landing_url", "must be an https:// URL of at most 500 characters");
  o.valid_from = now;
  if (!from.empty()) {
    if (auto t = http::parse_rfc3339(from))
      o.valid_from = *t;
    else
      issue("/valid_from", "must be an RFC 3339 date-time");
  }
  if (!until.empty()) {
    if (auto t = http::parse_rfc3339(until)) {
      o.valid_until = *t;
      if (o.valid_until <= now)
        issue("/valid_until", "is in the past");
      else if (o.valid_until <= o.valid_from)
        issue("/valid_until", "must be after valid_from");
    } else {
      issue("/valid_until", "must be an RFC 3339 date-time");
    }
  }
}

}  // namespace

std::string render_offer_text(const offers::OfferRecord& offer, const std::string& product_name) {
  std::string text = replace_all(offer.template_text, "{{product_name}}", product_name);
  text = replace_all(text, "{{landing_url}}", offer.landing_url);
  return replace_all(text, "{{valid_until}}", date_of(offer.valid_until));
}

OfferSubmission review_submission(const policy::PolicySnapshot& policy, const std::string& partner_id,
                                  const std::string& partner_category, const json& body,
                                  const std::vector<engine::Product>& products, std::int64_t now) {
  OfferSubmission out;
  auto issue = [&](std::string pointer, std::string detail) {
    out.issues.push_back({std::move(pointer), std::move(detail)});
  };
  // The body has passed partner.yaml's OfferCreate (members, types, lengths, the channel).
  offers::OfferRecord o;
  o.partner_id = partner_id;
  o.name = body.value("name", "");
  o.channel = body["channel"];
  o.template_text = body["template"];
  o.product_code = body["product_code"];
  o.landing_url = body["landing_url"];
  const std::string from = body.value("valid_from", ""), until = body["valid_until"];
  const auto channel = policy::parse_channel(o.channel);
  if (!channel) issue("/channel", "must be sms, push or outbound_call");
  // In the order an officer reads an offer: text, product, link, dates.
  check_text(o, out.issues);
  const auto product = std::find_if(products.begin(), products.end(),
                                    [&](const engine::Product& p) { return p.code == o.product_code; });
  if (!o.product_code.empty() && product == products.end())
    issue("/product_code", "is not a product in the catalogue (GET /v1/products)");
  check_link_and_dates(o, from, until, now, out.issues);
  if (!out.issues.empty()) return out;

  // The content policy reads the text as the subscriber would receive it.
  const auto category = policy.category_id(partner_category);
  const policy::CategoryId category_id = category.value_or(0);
  const auto report = policy::check_content(policy, *channel, render_offer_text(o, product->name), category_id);
  json reasons = json::array();
  for (const auto& v : report.violations) reasons.push_back({{"rule", std::string(v.rule)}, {"detail", v.detail}});
  // The landing page is a link whatever the template says about it.
  const auto link = policy::check_content(policy, policy::Channel::push, o.landing_url, category_id);
  for (const auto& v : link.violations)
    if (v.rule == policy.content.links_rule) reasons.push_back({{"rule", std::string(v.rule)}, {"detail", v.detail}});
  if (!category)
    reasons.push_back({{"rule", "consent.partner_categories"},
                       {"detail", "the partner's category '" + partner_category + "' is not in the policy"}});
  o.reasons_json = reasons.dump();
  o.policy_version = policy.version;
  o.status = !reasons.empty() ? "rejected" : report.human_review_required ? "pending_review" : "approved";
  o.created_at = o.updated_at = now;
  out.offer = std::move(o);
  return out;
}

}  // namespace octopus::offers
