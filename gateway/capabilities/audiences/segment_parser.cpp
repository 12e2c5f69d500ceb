#include "audiences/segment_parser.hpp"

#include <algorithm>
#include <set>

#include "http/problem.hpp"
#include "policy/policy_error.hpp"
#include "policy/privacy_evaluator.hpp"

namespace octopus::audiences {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxChildren = 64;  // the policy's max_nodes is far below this; keeps parsing bounded

class Parser {
 public:
  Parser(const engine::Vocabulary& vocabulary, const policy::PolicySnapshot& policy, policy::TierId tier,
         ParsedSegment& out)
      : vocabulary_(vocabulary), policy_(policy), tier_(tier), out_(out) {}

  std::optional<engine::SegmentNode> node(const json& j, const std::string& at, unsigned depth) {
    ++out_.nodes;
    out_.depth = std::max(out_.depth, depth);
    if (out_.nodes > 4 * kMaxChildren) return std::nullopt;  // already far past any policy limit
    if (!j.is_object())
      return malformed(at,
                       "must be an object: {\"all\":[...]}, {\"any\":[...]}, {\"not\":...}, "
                       "{\"attribute\":...}, or {\"tag\":...}");
    if (j.contains("all") || j.contains("any")) return group(j, at, depth);
    if (j.contains("not")) return negate(j, at, depth);
    if (j.contains("attribute")) return condition(j, at);
    if (j.contains("tag")) return tag(j, at);
    return malformed(at, "must have one of all, any, not, attribute or tag");
  }

 private:
  std::optional<engine::SegmentNode> malformed(const std::string& at, std::string detail) {
    out_.malformed.push_back({at, std::move(detail), ""});
    return std::nullopt;
  }
  std::optional<engine::SegmentNode> refused(const std::string& at, std::string detail, std::string_view rule) {
    out_.refused.push_back({at, std::move(detail), std::string(rule)});
    return std::nullopt;
  }
  bool only_members(const json& j, const std::string& at, std::initializer_list<std::string_view> allowed) {
    bool ok = true;
    for (const auto& [name, value] : j.items()) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        malformed(at + "/" + policy::escape_pointer_token(name), "is not allowed here");
        ok = false;
      }
    }
    return ok;
  }

  std::optional<engine::SegmentNode> group(const json& j, const std::string& at, unsigned depth) {
    const bool all = j.contains("all");
    const std::string key = all ? "all" : "any";
    if (!only_members(j, at, {key})) return std::nullopt;
    const json& items = j[key];
    const std::string here = at + "/" + key;
    if (!items.is_array() || items.empty()) return malformed(here, "must be a non-empty array of segment nodes");
    if (items.size() > kMaxChildren) return malformed(here, "has more than 64 nodes");
    engine::SegmentNode n;
    n.kind = all ? engine::SegmentNode::Kind::all : engine::SegmentNode::Kind::any;
    bool ok = true;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto child = node(items[i], here + "/" + std::to_string(i), depth + 1);
      if (child)
        n.children.push_back(std::move(*child));
      else
        ok = false;
    }
    if (!ok) return std::nullopt;
    return n;
  }

  std::optional<engine::SegmentNode> negate(const json& j, const std::string& at, unsigned depth) {
    if (!only_members(j, at, {"not"})) return std::nullopt;
    auto child = node(j["not"], at + "/not", depth + 1);
    if (!child) return std::nullopt;
    engine::SegmentNode n;
    n.kind = engine::SegmentNode::Kind::negate;
    n.children.push_back(std::move(*child));
    return n;
  }

  // May this partner's tier target `name`? Never-targetable first, then whether the name
  // exists at all, then the tier's list.
  bool allowed(const std::string& name, const std::string& at) {
    const auto d = policy::check_attribute(policy_, tier_, name);
    if (d.allowed) return true;
    const auto& dictionary = policy_.privacy.attributes;
    if (d.rule != policy_.privacy.never_targetable_rule &&
        !std::binary_search(dictionary.begin(), dictionary.end(), name)) {
      malformed(at, http::quote_input(name) + " is not an attribute; GET /v1/targeting-attributes lists them");
      return false;
    }
    if (d.rule == policy_.privacy.never_targetable_rule)
      refused(at, http::quote_input(name) + " may never be used to target subscribers", d.rule);
    else
      refused(at,
              http::quote_input(name) + " is not targetable for tier " + policy_.privacy.tiers[tier_].name +
                  "; GET /v1/targeting-attributes lists what is",
              d.rule);
    return false;
  }

  static bool known(const engine::AttributeInfo& info, const std::string& v) {
    return std::find(info.values.begin(), info.values.end(), v) != info.values.end();
  }
  static std::string values_text(const engine::AttributeInfo& info) {
    std::string all;
    for (const auto& v : info.values) all += (all.empty() ? "" : ", ") + v;
    return all;
  }

  // The values of an `in` condition: distinct known values. False, with every wrong one
  // recorded, when any is wrong.
  bool read_in(engine::SegmentNode& n, const json& vs, const engine::AttributeInfo& info, const std::string& at) {
    const std::string& name = n.attribute;
    if (!vs.is_array() || vs.empty() || vs.size() > info.values.size())
      return malformed(at, "must be a non-empty array of distinct values of " + name), false;
    std::set<std::string> seen;
    bool ok = true;
    for (std::size_t i = 0; i < vs.size(); ++i) {
      const std::string here = at + "/" + std::to_string(i);
      if (!vs[i].is_string()) {
        ok = false;
        malformed(here, "must be a string");
      } else if (!known(info, vs[i].get<std::string>())) {
        ok = false;
        malformed(here, http::quote_input(vs[i].get<std::string>()) + " is not a value of " + name +
                            " (one of: " + values_text(info) + ")");
      } else if (!seen.insert(vs[i].get<std::string>()).second) {
        ok = false;
        malformed(here, http::quote_input(vs[i].get<std::string>()) + " is listed twice");
      } else {
        n.values.push_back(vs[i].get<std::string>());
      }
    }
    return ok;
  }

  // The bounds of a `range` condition over an ordered attribute: at least one band must lie
  // wholly between them.
  bool read_range(engine::SegmentNode& n, const json& r, const engine::AttributeInfo& info, const std::string& at) {
    const std::string& name = n.attribute;
    if (!info.ordered) return malformed(at, http::quote_input(name) + " has no order; use eq or in"), false;
    if (!r.is_object() || !r.contains("min") || !r.contains("max") || r.size() != 2)
      return malformed(at, "must be {\"min\": number, \"max\": number}"), false;
    if (!r["min"].is_number()) return malformed(at + "/min", "must be a number"), false;
    if (!r["max"].is_number()) return malformed(at + "/max", "must be a number"), false;
    n.min = r["min"].get<double>();
    n.max = r["max"].get<double>();
    if (n.min > n.max) return malformed(at, "min must not be larger than max"), false;
    bool any_band = false;
    for (std::size_t i = 0; i < info.values.size(); ++i)
      any_band = any_band || engine::band_within(info, i, n.min, n.max);
    if (!any_band)
      return malformed(at,
                       "no band of " + name + " lies wholly between min and max (bands: " + values_text(info) + ")"),
             false;
    return true;
  }

  std::optional<engine::SegmentNode> condition(const json& j, const std::string& at) {
    if (!only_members(j, at, {"attribute", "eq", "in", "range"})) return std::nullopt;
    const json& name_json = j["attribute"];
    if (!name_json.is_string()) return malformed(at + "/attribute", "must be a string");
    const std::string name = name_json.get<std::string>();
    const int ops = j.contains("eq") + j.contains("in") + j.contains("range");
    if (ops != 1) return malformed(at, "must have exactly one of eq, in or range");

    // Policy first: a partner learns nothing about attributes it may not use, not even
    // whether the engine has them.
    const auto info = std::find_if(vocabulary_.attributes.begin(), vocabulary_.attributes.end(),
                                   [&](const engine::AttributeInfo& a) { return a.name == name; });
    if (!allowed(name, at + "/attribute")) return std::nullopt;
    if (info == vocabulary_.attributes.end())
      return malformed(at + "/attribute", http::quote_input(name) + " is not an attribute the engine knows");

    engine::SegmentNode n;
    n.attribute = name;
    if (j.contains("eq")) {
      n.kind = engine::SegmentNode::Kind::eq;
      const json& v = j["eq"];
      if (!v.is_string()) return malformed(at + "/eq", "must be a string, one of: " + values_text(*info));
      if (!known(*info, v.get<std::string>()))
        return malformed(at + "/eq", http::quote_input(v.get<std::string>()) + " is not a value of " + name +
                                         " (one of: " + values_text(*info) + ")");
      n.values.push_back(v.get<std::string>());
    } else if (j.contains("in")) {
      n.kind = engine::SegmentNode::Kind::in;
      if (!read_in(n, j["in"], *info, at + "/in")) return std::nullopt;
    } else {
      n.kind = engine::SegmentNode::Kind::range;
      if (!read_range(n, j["range"], *info, at + "/range")) return std::nullopt;
    }
    return n;
  }

  std::optional<engine::SegmentNode> tag(const json& j, const std::string& at) {
    if (!only_members(j, at, {"tag"})) return std::nullopt;
    const json& t = j["tag"];
    if (!t.is_string()) return malformed(at + "/tag", "must be a string");
    if (!allowed(std::string(kTagAttribute), at + "/tag")) return std::nullopt;
    const std::string name = t.get<std::string>();
    if (std::find(vocabulary_.tags.begin(), vocabulary_.tags.end(), name) == vocabulary_.tags.end())
      return malformed(at + "/tag", http::quote_input(name) + " is not a tag; GET /v1/targeting-attributes lists them");
    engine::SegmentNode n;
    n.kind = engine::SegmentNode::Kind::tag;
    n.tag = name;
    return n;
  }

  const engine::Vocabulary& vocabulary_;
  const policy::PolicySnapshot& policy_;
  policy::TierId tier_;
  ParsedSegment& out_;
};

}  // namespace

ParsedSegment parse_segment(const json& segment, const std::string& pointer, const engine::Vocabulary& vocabulary,
                            const policy::PolicySnapshot& policy, policy::TierId tier) {
  ParsedSegment out;
  auto root = Parser(vocabulary, policy, tier, out).node(segment, pointer, 1);
  if (out.malformed.empty()) {
    const auto shape = policy::check_segment_shape(policy, out.nodes, out.depth);
    if (!shape.allowed) {
      const auto& p = policy.privacy;
      out.refused.push_back(
          {pointer,
           shape.rule == p.max_nodes_rule
               ? "has " + std::to_string(out.nodes) + " nodes; at most " + std::to_string(p.max_nodes) + " are allowed"
               : "is nested " + std::to_string(out.depth) + " deep; at most " + std::to_string(p.max_depth) +
                     " levels are allowed",
           std::string(shape.rule)});
    }
  }
  if (out.malformed.empty() && out.refused.empty()) out.segment = std::move(root);
  return out;
}

nlohmann::json issues_json(const std::vector<SegmentIssue>& issues) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& i : issues) {
    nlohmann::json e = {{"pointer", i.pointer}, {"detail", i.detail}};
    if (!i.rule.empty()) e["rule"] = i.rule;
    out.push_back(e);
  }
  return out;
}

}  // namespace octopus::audiences
