#include "policy/content_checker.hpp"

#include <algorithm>
#include <cctype>

#include "policy/text_normaliser.hpp"

namespace octopus::policy {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_url_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) != std::string_view::npos;
}

bool looks_like_domain(std::string_view host) {
  const auto dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const auto tld = host.substr(dot + 1);
  return tld.size() >= 2 &&
         std::all_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

bool domain_allowed(const ContentPolicy& c, std::string_view host) {
  for (const auto& allowed : c.allowed_link_domains) {
    if (host == allowed) return true;
    if (c.include_subdomains && host.size() > allowed.size() && host.substr(host.size() - allowed.size()) == allowed &&
        host[host.size() - allowed.size() - 1] == '.')
      return true;
  }
  return false;
}

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::string> find_link_hosts(std::string_view text) {
  std::vector<std::string> hosts;
  for (std::size_t i = 0; i < text.size();) {
    if (!is_url_char(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_url_char(text[end])) ++end;
    std::string_view run = text.substr(i, end - i);
    i = end;
    bool has_scheme = false;
    if (auto scheme = run.find("://"); scheme != std::string_view::npos) {
      run = run.substr(scheme + 3);
      has_scheme = true;
    }
    std::string_view authority = run.substr(0, run.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    std::string_view host = authority.substr(0, authority.find(':'));
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.empty() || (!has_scheme && !looks_like_domain(host))) continue;
    std::string lowered(host);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), ascii_lower);
    hosts.push_back(std::move(lowered));
  }
  return hosts;
}

ContentReport check_content(const PolicySnapshot& snapshot, Channel channel, std::string_view text,
                            CategoryId category) {
  const ContentPolicy& c = snapshot.content;
  const ChannelContent& rules = c.channels[static_cast<std::size_t>(channel)];
  ContentReport report;
  report.version = snapshot.version;
  report.human_review_required = category < c.human_review.size() && c.human_review[category];
  if (category < c.human_review_rules.size()) report.human_review_rule = c.human_review_rules[category];

  const auto characters = count_characters(text);
  if (!characters) {
    report.violations.push_back({c.encoding_rule, "the text is not valid UTF-8"});
    return report;
  }
  report.characters = *characters;

  if (rules.required_footer) {
    const std::string_view footer = *rules.required_footer;
    const std::string_view body = rtrim(text);
    if (body.size() < footer.size() || body.substr(body.size() - footer.size()) != footer)
      report.violations.push_back(
          {rules.footer_rule, "the text must end with the opt-out footer \"" + std::string(footer) + "\""});
  }
  if (const auto bad = find_forbidden_character(text))
    report.violations.push_back(
        {c.characters_rule, "contains " + bad->name + " at character " + std::to_string(bad->position) +
                                "; control, invisible and text-direction characters are not allowed"});
  // Banned phrases are found in the comparable form: full-width digits, letter case, and
  // invisible characters placed inside a phrase do not hide it.
  const std::string comparable = comparable_form(text);
  for (std::size_t i = 0; i < c.banned_phrases.size(); ++i)
    if (comparable.find(c.banned_comparable[i]) != std::string::npos)
      report.violations.push_back({c.banned_rule, "contains the banned phrase \"" + c.banned_phrases[i] + "\""});
  for (const auto& host : find_link_hosts(text))
    if (!domain_allowed(c, host))
      report.violations.push_back({c.links_rule, "links to " + host + ", which is not an allowed link domain"});

  if (channel == Channel::sms) {
    report.sms = count_sms_segments(text);
    if (report.sms->segments > rules.max_segments)
      report.violations.push_back(
          {rules.length_rule, "takes " + std::to_string(report.sms->segments) + " SMS segments (" +
                                  (report.sms->encoding == SmsEncoding::gsm7 ? "GSM-7" : "UCS-2") + ", " +
                                  std::to_string(report.sms->units) + " units); at most " +
                                  std::to_string(rules.max_segments) + " are allowed"});
  } else if (report.characters > rules.max_characters) {
    report.violations.push_back({rules.length_rule, "has " + std::to_string(report.characters) +
                                                        " characters; at most " + std::to_string(rules.max_characters) +
                                                        " are allowed"});
  }
  return report;
}

}  // namespace octopus::policy
