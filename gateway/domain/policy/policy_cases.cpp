#include "policy/policy_cases.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "policy/consistency_checker.hpp"
#include "policy/source_document.hpp"

namespace octopus::policy {

namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 8> kKindNames{"consent",       "send_time", "frequency", "attribute",
                                                     "segment_shape", "count",     "content",   "quota"};
constexpr std::uintmax_t kMaxCaseFileBytes = 1 << 20;

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

std::string describe(const json& v) {
  if (v.is_string()) return "'" + v.get<std::string>() + "'";
  if (v.is_null()) return "nothing";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_array()) return "a list";
  return "a mapping";
}

// Reads one case file's JSON, collecting every problem with its line rather than stopping at
// the first: an officer fixes a file in one pass.
class CaseReader {
 public:
  CaseReader(const SourceDocument& doc, PolicyErrors& errors) : doc_(doc), errors_(errors) {}

  void fail(const std::string& at, std::string message) { errors_.push_back(doc_.error(at, std::move(message))); }

  // Refuses keys a case of this kind does not know: a misspelt key would otherwise be
  // silently ignored and the case would test something else than the officer meant.
  void only_keys(const json& object, const std::string& at, const std::vector<std::string>& allowed) {
    for (const auto& [key, _] : object.items())
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail(at + "/" + escape_pointer_token(key),
             "unknown key '" + key + "'; the keys allowed here are " + join(sorted(allowed)));
  }

  const json* field(const json& object, const std::string& at, const std::string& key, bool required) {
    if (object.contains(key)) return &object[key];
    if (required) fail(at, "the required key '" + key + "' is missing");
    return nullptr;
  }

  std::optional<std::string> text(const json& object, const std::string& at, const std::string& key,
                                  bool required = true) {
    const json* v = field(object, at, key, required);
    if (!v) return std::nullopt;
    if (!v->is_string() || v->get<std::string>().empty()) {
      fail(at + "/" + escape_pointer_token(key), "must be text, not " + describe(*v));
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::optional<std::uint64_t> count(const json& object, const std::string& at, const std::string& key,
                                     bool required = true, std::uint64_t max = UINT32_MAX) {
    const json* v = field(object, at, key, required);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::uint64_t>() > max) {
      fail(at + "/" + escape_pointer_token(key),
           "must be a whole number from 0 to " + std::to_string(max) + ", not " + describe(*v));
      return std::nullopt;
    }
    return v->get<std::uint64_t>();
  }

  std::optional<std::string> one_of(const json& object, const std::string& at, const std::string& key,
                                    const std::vector<std::string>& choices, bool required = true) {
    auto value = text(object, at, key, required);
    if (value && std::find(choices.begin(), choices.end(), *value) == choices.end()) {
      fail(at + "/" + escape_pointer_token(key), "must be one of " + join(choices) + ", not '" + *value + "'");
      return std::nullopt;
    }
    return value;
  }

  std::optional<Channel> channel(const json& object, const std::string& at, const std::string& key = "channel") {
    auto name = one_of(object, at, key, {"sms", "push", "outbound_call"});
    return name ? parse_channel(*name) : std::nullopt;
  }

  static std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

 private:
  const SourceDocument& doc_;
  PolicyErrors& errors_;
};

std::string child(const std::string& at, const std::string& key) { return at + "/" + escape_pointer_token(key); }

// ---- the question of each kind ----

std::vector<ConsentScopeName> scopes(CaseReader& r, const json& c, const std::string& at, const std::string& key,
                                     const ConsentQuestion& asked) {
  std::vector<ConsentScopeName> out;
  if (!c.contains(key) || c[key].is_null()) return out;
  const std::string list_at = child(at, key);
  if (!c[key].is_array()) {
    r.fail(list_at, "must be a list of { purpose, channel, partner_category }, not " + describe(c[key]));
    return out;
  }
  for (std::size_t i = 0; i < c[key].size(); ++i) {
    const json& entry = c[key][i];
    const std::string entry_at = list_at + "/" + std::to_string(i);
    if (!entry.is_object()) {
      r.fail(entry_at, "must be a mapping { purpose, channel, partner_category }, not " + describe(entry));
      continue;
    }
    r.only_keys(entry, entry_at, {"purpose", "channel", "partner_category"});
    // A field left out means the one asked about, so "withdrawn: [{ channel: push }]" reads
    // as "withdrew this purpose for this partner category on push".
    ConsentScopeName scope{asked.purpose, asked.channel, asked.partner_category};
    if (auto v = r.text(entry, entry_at, "purpose", false)) scope.purpose = *v;
    if (entry.contains("channel"))
      if (auto ch = r.channel(entry, entry_at)) scope.channel = *ch;
    if (auto v = r.text(entry, entry_at, "partner_category", false)) scope.partner_category = *v;
    out.push_back(std::move(scope));
  }
  return out;
}

std::optional<CaseQuestion> consent_question(CaseReader& r, const json& c, const std::string& at) {
  ConsentQuestion q;
  auto capability = r.one_of(c, at, "capability", {"audiences", "deliveries", "triggers"});
  auto channel = r.channel(c, at);
  auto purpose = r.text(c, at, "purpose");
  auto category = r.text(c, at, "partner_category");
  if (!capability || !channel || !purpose || !category) return std::nullopt;
  q.capability = *parse_capability(*capability);
  q.channel = *channel;
  q.purpose = *purpose;
  q.partner_category = *category;
  q.granted = scopes(r, c, at, "granted", q);
  q.withdrawn = scopes(r, c, at, "withdrawn", q);
  return q;
}

std::optional<CaseQuestion> send_time_question(CaseReader& r, const json& c, const std::string& at) {
  auto channel = r.channel(c, at);
  auto when = r.text(c, at, "at");
  std::optional<std::int64_t> local;
  if (when && !(local = parse_local_time(*when)))
    r.fail(child(at, "at"), "'" + *when + "' is not a local time written as \"YYYY-MM-DD HH:MM\"");
  if (!channel || !local) return std::nullopt;
  return SendTimeQuestion{*channel, *local};
}

// One period of already_sent: { today, this_week }. False when it is not a mapping.
bool read_already_sent(CaseReader& r, const json& sent, const std::string& sent_at, const std::string& key,
                       std::uint32_t& today, std::uint32_t& week) {
  if (!sent.contains(key)) return true;
  const json& p = sent[key];
  const std::string p_at = child(sent_at, key);
  if (!p.is_object()) {
    r.fail(p_at, "must be a mapping { today, this_week }, not " + describe(p));
    return false;
  }
  r.only_keys(p, p_at, {"today", "this_week"});
  if (auto v = r.count(p, p_at, "today", false)) today = static_cast<std::uint32_t>(*v);
  if (auto v = r.count(p, p_at, "this_week", false)) week = static_cast<std::uint32_t>(*v);
  return true;
}

std::optional<CaseQuestion> frequency_question(CaseReader& r, const json& c, const std::string& at) {
  auto channel = r.channel(c, at);
  FrequencyQuestion q;
  const json* sent = r.field(c, at, "already_sent", true);
  if (!sent) return std::nullopt;
  const std::string sent_at = child(at, "already_sent");
  if (!sent->is_object()) {
    r.fail(sent_at, "must be a mapping with all_channels and this_channel, not " + describe(*sent));
    return std::nullopt;
  }
  r.only_keys(*sent, sent_at, {"all_channels", "this_channel"});
  auto& s = q.already_sent;
  const bool all = read_already_sent(r, *sent, sent_at, "all_channels", s.overall_today, s.overall_this_week);
  const bool this_one = read_already_sent(r, *sent, sent_at, "this_channel", s.channel_today, s.channel_this_week);
  if (!all || !this_one || !channel) return std::nullopt;
  q.channel = *channel;
  return q;
}

std::optional<CaseQuestion> quota_question(CaseReader& r, const json& c, const std::string& at) {
  auto partner = r.text(c, at, "partner", false);
  auto plan = r.text(c, at, "plan", false);
  if (partner.has_value() == plan.has_value()) {
    r.fail(at, "a quota case names either a partner (which plan is it on?) or a plan (what are its limits?)");
    return std::nullopt;
  }
  return QuotaQuestion{partner.value_or(""), plan.value_or("")};
}

std::optional<CaseQuestion> question(CaseReader& r, CaseKind kind, const json& c, const std::string& at) {
  const std::vector<std::string> common{"name", "kind", "expect", "note"};
  auto keys = [&](std::vector<std::string> own) {
    own.insert(own.end(), common.begin(), common.end());
    r.only_keys(c, at, own);
  };
  switch (kind) {
    case CaseKind::consent:
      keys({"capability", "channel", "purpose", "partner_category", "granted", "withdrawn"});
      return consent_question(r, c, at);
    case CaseKind::send_time: keys({"channel", "at"}); return send_time_question(r, c, at);
    case CaseKind::frequency: keys({"channel", "already_sent"}); return frequency_question(r, c, at);
    case CaseKind::attribute: {
      keys({"tier", "attribute"});
      auto tier = r.text(c, at, "tier");
      auto attribute = r.text(c, at, "attribute");
      if (!tier || !attribute) return std::nullopt;
      return AttributeQuestion{*tier, *attribute};
    }
    case CaseKind::segment_shape: {
      keys({"nodes", "depth"});
      auto nodes = r.count(c, at, "nodes");
      auto depth = r.count(c, at, "depth");
      if (!nodes || !depth) return std::nullopt;
      return SegmentShapeQuestion{static_cast<unsigned>(*nodes), static_cast<unsigned>(*depth)};
    }
    case CaseKind::count: {
      keys({"raw_count"});
      auto raw = r.count(c, at, "raw_count", true, 1'000'000'000'000ull);
      if (!raw) return std::nullopt;
      return CountQuestion{*raw};
    }
    case CaseKind::content: {
      keys({"channel", "partner_category", "text"});
      auto channel = r.channel(c, at);
      auto category = r.text(c, at, "partner_category");
      auto text = r.text(c, at, "text");
      if (!channel || !category || !text) return std::nullopt;
      return ContentQuestion{*channel, *category, *text};
    }
    case CaseKind::quota: keys({"partner", "plan"}); return quota_question(r, c, at);
  }
  return std::nullopt;
}

// ---- the expectation ----

std::vector<std::string> decisions_of(CaseKind kind) {
  switch (kind) {
    case CaseKind::send_time: return {"allow", "defer", "never"};
    case CaseKind::count: return {"publish", "suppress"};
    case CaseKind::content: return {"approved", "rejected", "pending_review"};
    case CaseKind::quota: return {};
    default: return {"allow", "deny"};
  }
}

// What a content case expects: the rules that break (several at once, in any order) and,
// when given, the SMS segments, encoding and character count. False when any is malformed.
bool content_expectation(CaseReader& r, const json& e, const std::string& at, CaseValues& out) {
  bool ok = true;
  std::set<std::string> rules;
  if (e.contains("rule"))
    if (auto rule = r.text(e, at, "rule")) rules.insert(*rule);
  if (e.contains("rules")) {
    const json& list = e["rules"];
    if (!list.is_array() || list.empty()) {
      r.fail(child(at, "rules"), "must be a list of rule ids, not " + describe(list));
      ok = false;
    } else {
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i].is_string() && !list[i].get<std::string>().empty())
          rules.insert(list[i].get<std::string>());
        else
          r.fail(child(at, "rules") + "/" + std::to_string(i), "must be a rule id, not " + describe(list[i]));
      }
    }
  }
  if (rules.empty() && !e.contains("rule") && !e.contains("rules")) {
    r.fail(at, "the required key 'rule' (or 'rules', a list) is missing");
    ok = false;
  }
  out["rules"] = join({rules.begin(), rules.end()});
  for (const char* key : {"sms_segments", "characters"}) {
    if (!e.contains(key)) continue;
    if (auto v = r.count(e, at, key))
      out[key] = std::to_string(*v);
    else
      ok = false;
  }
  if (e.contains("sms_encoding")) {
    if (auto v = r.one_of(e, at, "sms_encoding", {"gsm7", "ucs2"}))
      out["sms_encoding"] = *v;
    else
      ok = false;
  }
  return ok;
}

// A send-time case's next_allowed: a local time, or never.
bool next_allowed_expectation(CaseReader& r, const json& e, const std::string& at, CaseValues& out) {
  auto next = r.text(e, at, "next_allowed");
  if (next && *next != "never" && !parse_local_time(*next)) {
    r.fail(child(at, "next_allowed"), "'" + *next + "' is not a local time written as \"YYYY-MM-DD HH:MM\" (or never)");
    next.reset();
  }
  if (!next) return false;
  out["next_allowed"] = *next == "never" ? *next : format_local_time(*parse_local_time(*next));
  return true;
}

// One capability class of a quota case's limits. False when any field is malformed.
bool class_limits(CaseReader& r, const std::string& cls, const json& fields, const std::string& cls_at,
                  CaseValues& out) {
  if (!fields.is_object()) {
    r.fail(cls_at, "must be a mapping { per_second, burst, per_day, per_month }, not " + describe(fields));
    return false;
  }
  bool ok = true;
  r.only_keys(fields, cls_at, {"per_second", "burst", "per_day", "per_month", "on_counter_outage"});
  for (const auto& [name, value] : fields.items()) {
    if (name == "on_counter_outage") {
      if (auto v = r.one_of(fields, cls_at, name, {"admit", "refuse", "class default"}))
        out["limits." + cls + "." + name] = *v;
      else
        ok = false;
      continue;
    }
    if (!value.is_number() || value.get<double>() < 0) {
      r.fail(child(cls_at, name), "must be a number, not " + describe(value));
      ok = false;
      continue;
    }
    out["limits." + cls + "." + name] = format_number(value.get<double>());
  }
  return ok;
}

// A quota case's limits, class by class. nullopt when `limits` is not a mapping at all.
std::optional<bool> limits_expectation(CaseReader& r, const json& e, const std::string& at, CaseValues& out) {
  const json& limits = e["limits"];
  const std::string limits_at = child(at, "limits");
  if (!limits.is_object()) {
    r.fail(limits_at, "must be a mapping of capability class to limits, not " + describe(limits));
    return std::nullopt;
  }
  r.only_keys(limits, limits_at, {"reads", "audience_queries", "deliveries", "resource_admin"});
  bool ok = true;
  for (const auto& [cls, fields] : limits.items()) ok = class_limits(r, cls, fields, child(limits_at, cls), out) && ok;
  return ok;
}

std::vector<std::string> expectation_keys(CaseKind kind) {
  std::vector<std::string> allowed{"rule"};
  if (kind != CaseKind::quota) allowed.push_back("decision");
  if (kind == CaseKind::send_time) allowed.push_back("next_allowed");
  if (kind == CaseKind::count) allowed.push_back("published");
  if (kind == CaseKind::content) allowed.insert(allowed.end(), {"rules", "sms_segments", "sms_encoding", "characters"});
  if (kind == CaseKind::quota) allowed.insert(allowed.end(), {"plan", "limits"});
  return allowed;
}

std::optional<CaseValues> expectation(CaseReader& r, CaseKind kind, const json& e, const std::string& at) {
  if (!e.is_object()) {
    r.fail(at, "must be a mapping (decision, rule, ...), not " + describe(e));
    return std::nullopt;
  }
  r.only_keys(e, at, expectation_keys(kind));
  CaseValues out;
  bool ok = true;
  const char* headline = kind == CaseKind::quota ? "plan" : "decision";
  auto value = kind == CaseKind::quota ? r.text(e, at, "plan") : r.one_of(e, at, "decision", decisions_of(kind));
  if (value)
    out[headline] = *value;
  else
    ok = false;

  if (kind == CaseKind::content) {
    ok = content_expectation(r, e, at, out) && ok;
  } else if (auto rule = r.text(e, at, "rule")) {
    out["rule"] = *rule;
  } else {
    ok = false;
  }
  if (kind == CaseKind::send_time && e.contains("next_allowed")) ok = next_allowed_expectation(r, e, at, out) && ok;
  if (kind == CaseKind::count && e.contains("published")) {
    if (auto v = r.count(e, at, "published", true, UINT64_MAX >> 1))
      out["published"] = std::to_string(*v);
    else
      ok = false;
  }
  if (kind == CaseKind::quota && e.contains("limits")) {
    const auto limits = limits_expectation(r, e, at, out);
    if (!limits) return std::nullopt;
    ok = *limits && ok;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<PolicyCase> one_case(CaseReader& r, const SourceDocument& doc, const json& c, const std::string& at,
                                   ExpectRequired expect_required) {
  if (!c.is_object()) {
    r.fail(at, "a case must be a mapping starting with name:, not " + describe(c));
    return std::nullopt;
  }
  PolicyCase out;
  out.file = doc.file;
  out.line = doc.line_of(at.empty() ? "/name" : at);
  auto name = r.text(c, at, "name");
  std::vector<std::string> kinds(kKindNames.begin(), kKindNames.end());
  auto kind_name = r.one_of(c, at, "kind", kinds);
  if (!kind_name) return std::nullopt;
  const auto kind = static_cast<CaseKind>(std::find(kinds.begin(), kinds.end(), *kind_name) - kinds.begin());
  if (c.contains("note") && !c["note"].is_string())
    r.fail(child(at, "note"), "must be text, not " + describe(c["note"]));
  auto q = question(r, kind, c, at);
  std::optional<CaseValues> expect = CaseValues{};
  if (c.contains("expect")) {
    expect = expectation(r, kind, c["expect"], child(at, "expect"));
  } else if (expect_required == ExpectRequired::yes) {
    r.fail(at, "the required key 'expect' is missing: say what the policy should decide, and by which rule");
    expect.reset();
  }
  if (!name || !q || !expect) return std::nullopt;
  out.name = *name;
  out.question = std::move(*q);
  out.expect = std::move(*expect);
  return out;
}

}  // namespace

std::string_view to_string(CaseKind kind) { return kKindNames[static_cast<std::size_t>(kind)]; }

PolicyErrors parse_case_file(std::string_view text, const std::string& file, ExpectRequired expect,
                             std::vector<PolicyCase>& out) {
  SourceDocument doc;
  if (auto errors = parse_yaml_document(text, file, doc); !errors.empty()) return errors;
  PolicyErrors errors;
  CaseReader r(doc, errors);
  std::vector<PolicyCase> cases;
  auto add = [&](const json& c, const std::string& at) {
    if (auto parsed = one_case(r, doc, c, at, expect)) cases.push_back(std::move(*parsed));
  };
  if (doc.value.is_array()) {
    if (doc.value.empty()) r.fail("", "holds no cases");
    for (std::size_t i = 0; i < doc.value.size(); ++i) add(doc.value[i], "/" + std::to_string(i));
  } else if (doc.value.is_object()) {
    add(doc.value, "");
  } else {
    r.fail("", "holds no cases: a case file is a list of cases, each starting with \"- name:\"");
  }
  if (errors.empty()) out.insert(out.end(), cases.begin(), cases.end());
  return errors;
}

PolicyErrors read_case_file(const std::filesystem::path& path, const std::string& shown_as, ExpectRequired expect,
                            std::vector<PolicyCase>& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {{shown_as, 0, "", "no such case file"}};
  if (std::filesystem::file_size(path, ec) > kMaxCaseFileBytes) return {{shown_as, 0, "", "file is larger than 1 MiB"}};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return {{shown_as, 0, "", "file cannot be read"}};
  return parse_case_file(text.str(), shown_as, expect, out);
}

std::vector<std::string> expected_rules(const PolicyCase& c) {
  std::vector<std::string> rules;
  if (auto it = c.expect.find("rule"); it != c.expect.end()) rules.push_back(it->second);
  if (auto it = c.expect.find("rules"); it != c.expect.end()) {
    std::string_view all = it->second;
    while (!all.empty()) {
      const auto comma = all.find(", ");
      rules.emplace_back(all.substr(0, comma));
      all = comma == std::string_view::npos ? std::string_view() : all.substr(comma + 2);
    }
  }
  return rules;
}

std::optional<std::int64_t> parse_local_time(std::string_view text) {
  if (text.size() != 16 || text[10] != ' ' || text[13] != ':') return std::nullopt;
  const auto day = parse_calendar_date(text.substr(0, 10));
  auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (!day || !digit(11) || !digit(12) || !digit(14) || !digit(15)) return std::nullopt;
  const int hh = (text[11] - '0') * 10 + (text[12] - '0');
  const int mm = (text[14] - '0') * 10 + (text[15] - '0');
  if (hh > 23 || mm > 59) return std::nullopt;
  return *day * 86400 + hh * 3600 + mm * 60;
}

std::string format_local_time(std::int64_t local) {
  using namespace std::chrono;
  const std::int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  const std::int64_t s = local - days * 86400;
  const year_month_day ymd{sys_days(std::chrono::days(days))};
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u %02lld:%02lld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<long long>(s / 3600),
                static_cast<long long>(s % 3600 / 60));
  return out;
}

std::string format_number(double value) {
  char out[40];
  if (std::floor(value) == value && std::fabs(value) < 1e15)
    std::snprintf(out, sizeof out, "%lld", static_cast<long long>(value));
  else
    std::snprintf(out, sizeof out, "%g", value);
  return out;
}

}  // namespace octopus::policy
