#include "admin/partners_api.hpp"

#include <chrono>
#include <ctime>
#include <memory>
#include <regex>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "admin/admin_audit.hpp"
#include "admin/admin_formats.hpp"
#include "auth/scopes.hpp"
#include "http/problem.hpp"
#include "http/resource_steps.hpp"
#include "http/query.hpp"
#include "octopus/protocol/base64.hpp"
#include "octopus/protocol/ed25519.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {

std::vector<std::string> tier_names(const policy::PolicySnapshot& policy) {
  std::vector<std::string> out;
  for (const auto& t : policy.privacy.tiers) out.push_back(t.name);
  return out;
}

json key_json(const partners::PartnerKey& k) {
  return {{"key_id", k.key_id},
          {"algorithm", k.algorithm},
          {"public_key", protocol::base64_encode(k.public_key.data(), k.public_key.size())},
          {"created_at", rfc3339(k.created_at)},
          {"revoked_at", k.revoked_at ? json(rfc3339(*k.revoked_at)) : json(nullptr)}};
}

json partner_json(const partners::Partner& p) {
  json keys = json::array();
  for (const auto& k : p.keys) keys.push_back(key_json(k));
  return {{"id", p.id},
          {"display_name", p.display_name},
          {"status", partners::to_string(p.status)},
          {"tier", p.tier},
          {"category", p.category},
          {"scopes", p.scopes},
          {"organisation", p.organisation.empty() ? json(nullptr) : json(p.organisation)},
          {"created_at", rfc3339(p.created_at)},
          {"updated_at", rfc3339(p.updated_at)},
          {"keys", keys}};
}

// RFC 6901: '~' and '/' inside a member name are escaped.
std::string pointer_to(std::string_view member) {
  std::string out = "/";
  for (char c : member) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

// 1-200 characters (code points, not bytes: names are often Chinese), no control
// characters. The JSON parser has already refused invalid UTF-8.
bool valid_display_name(const std::string& s) {
  std::size_t chars = 0;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return false;
    if ((c & 0xC0) != 0x80) ++chars;
  }
  return chars >= 1 && chars <= 200;
}

// Collects every problem with a body before answering, so an operator fixes them in one go.
class Validation {
 public:
  void fail(std::string pointer, std::string detail) {
    errors_.push_back({{"pointer", std::move(pointer)}, {"detail", std::move(detail)}});
  }
  bool ok() const { return errors_.empty(); }
  // A name the policies must define (a tier, a category): refused naming the defined ones, as
  // a partner the policies do not know would be refused on every call.
  void defined(const std::string& value, std::string pointer, const char* what, const std::vector<std::string>& names) {
    if (std::find(names.begin(), names.end(), value) != names.end()) return;
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    fail(std::move(pointer), "is not a " + std::string(what) + " (one of: " + list + ")");
  }
  http::Response response(http::RequestContext& ctx) const {
    return http::make_problem(ctx, http::problems::validation_error,
                              std::to_string(errors_.size()) + " field(s) are invalid; see errors.",
                              json{{"errors", errors_}});
  }

  std::optional<std::string> string_field(const json& body, const char* name, const std::regex& pattern,
                                          const char* rule, bool required) {
    return string_field(
        body, name, [&](const std::string& v) { return std::regex_match(v, pattern); }, rule, required);
  }

  std::optional<std::string> string_field(const json& body, const char* name,
                                          const std::function<bool(const std::string&)>& valid, const char* rule,
                                          bool required) {
    const std::string ptr = std::string("/") + name;
    auto it = body.find(name);
    if (it == body.end()) {
      if (required) fail(ptr, "is required");
      return std::nullopt;
    }
    if (!it->is_string()) {
      fail(ptr, "must be a string");
      return std::nullopt;
    }
    auto v = it->get<std::string>();
    if (!valid(v)) {
      fail(ptr, rule);
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::vector<std::string>> scopes_field(const json& body, bool required) {
    auto it = body.find("scopes");
    if (it == body.end()) {
      if (required) fail("/scopes", "is required");
      return std::nullopt;
    }
    if (!it->is_array()) {
      fail("/scopes", "must be an array of scope names");
      return std::nullopt;
    }
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& s = (*it)[i];
      const std::string ptr = "/scopes/" + std::to_string(i);
      if (!s.is_string() || !auth::is_known_scope(s.get<std::string>())) {
        fail(ptr, "is not a known scope");
      } else if (!seen.insert(s.get<std::string>()).second) {
        fail(ptr, "is listed twice");
      } else {
        out.push_back(s.get<std::string>());
      }
    }
    return out;
  }

  void no_unknown_members(const json& body, std::initializer_list<const char*> allowed) {
    for (auto it = body.begin(); it != body.end(); ++it) {
      bool known = false;
      for (const char* a : allowed) known = known || it.key() == a;
      if (!known) fail(pointer_to(it.key()), "is not a known member");
    }
  }

 private:
  json errors_ = json::array();
};

// Cursors are opaque to clients (hex of the last id) and URL-safe without escaping.
std::string to_hex(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view s) {
  if (s.size() % 2 != 0 || s.size() > 256) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

const std::regex kPartnerId("^[a-z0-9][a-z0-9-]{2,62}$");
const std::regex kTierOrCategory("^[a-z0-9_-]{1,32}$");
const std::regex kKeyId("^[A-Za-z0-9._:-]{1,128}$");
const std::regex kStatus("^(active|suspended)$");
// An organisation id, or "" for none (a PATCH that takes a partner out of its organisation).
const std::regex kOrganisation("^([a-z0-9][a-z0-9-]{2,62})?$");
constexpr const char* kOrganisationRule = "must be 3-63 characters of a-z, 0-9 and '-', or \"\" for none";

// Parses a JSON object body, or answers why not.
class PartnersApi {
 public:
  explicit PartnersApi(PartnersApiDeps deps) : d_(std::move(deps)) {}

  http::Response create(http::RequestContext& ctx) {
    auto body = json_body(ctx);
    if (!body) return body.answer();
    Validation v;
    v.no_unknown_members(*body, {"id", "display_name", "tier", "category", "scopes", "status", "organisation"});
    auto id = v.string_field(*body, "id", kPartnerId, "must be 3-63 characters of a-z, 0-9 and '-'", true);
    auto name = v.string_field(*body, "display_name", valid_display_name,
                               "must be 1-200 characters, no control characters", true);
    auto tier =
        v.string_field(*body, "tier", kTierOrCategory, "must be 1-32 characters of a-z, 0-9, '_' and '-'", true);
    auto category =
        v.string_field(*body, "category", kTierOrCategory, "must be 1-32 characters of a-z, 0-9, '_' and '-'", true);
    auto scopes = v.scopes_field(*body, true);
    auto status = v.string_field(*body, "status", kStatus, "must be active or suspended", false);
    auto organisation = v.string_field(*body, "organisation", kOrganisation, kOrganisationRule, false);
    const auto policy = d_.policy();
    if (tier) v.defined(*tier, "/tier", "tier of the privacy policy", tier_names(*policy));
    if (category)
      v.defined(*category, "/category", "partner category of the consent policy", policy->consent.categories);
    if (!v.ok()) return v.response(ctx);

    partners::Partner p;
    p.id = *id;
    p.display_name = *name;
    p.tier = *tier;
    p.category = *category;
    p.scopes = *scopes;
    p.organisation = organisation.value_or("");
    p.status = status ? *partners::parse_partner_status(*status) : partners::PartnerStatus::active;
    p.created_at = p.updated_at = d_.clock.unix_seconds();
    if (d_.partners.create_partner(p) == store::WriteResult::conflict)
      return http::make_problem(ctx, http::problems::conflict, "A partner with this id already exists.");
    d_.directory.upsert(p);
    audit(ctx, "partner.create", p.id,
          {{"tier", p.tier},
           {"category", p.category},
           {"scopes", p.scopes},
           {"status", std::string(partners::to_string(p.status))},
           {"organisation", p.organisation}});
    return http::accepted(201, partner_json(p), "/admin/v1/partners/" + p.id);
  }

  http::Response list(http::RequestContext& ctx) {
    // Cursors are partner ids in hex (ids may hold characters a query string would mangle).
    auto request = http::page_request(ctx, [](std::string_view cursor) {
      const auto id = from_hex(std::string(cursor));
      return id && std::regex_match(*id, kPartnerId);
    });
    if (!request) return request.answer();
    std::optional<std::string> after;
    if (request->after) after = from_hex(*request->after);
    auto page = d_.partners.list_partners(after, request->limit);
    json items = json::array();
    for (const auto& p : page.items) items.push_back(partner_json(p));
    return http::make_json(
        200, {{"items", items}, {"next_cursor", page.next_after ? json(to_hex(*page.next_after)) : json(nullptr)}});
  }

  http::Response get(http::RequestContext& ctx) {
    auto p = d_.partners.get_partner(ctx.path_params.at("id"));
    if (!p) return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    return http::make_json(200, partner_json(*p));
  }

  http::Response patch(http::RequestContext& ctx) {
    auto body = json_body(ctx, true);
    if (!body) return body.answer();
    Validation v;
    v.no_unknown_members(*body, {"display_name", "status", "tier", "scopes", "organisation"});
    partners::PartnerPatch patch;
    patch.display_name = v.string_field(*body, "display_name", valid_display_name,
                                        "must be 1-200 characters, no control characters", false);
    if (auto s = v.string_field(*body, "status", kStatus, "must be active or suspended", false))
      patch.status = partners::parse_partner_status(*s);
    patch.tier =
        v.string_field(*body, "tier", kTierOrCategory, "must be 1-32 characters of a-z, 0-9, '_' and '-'", false);
    patch.scopes = v.scopes_field(*body, false);
    patch.organisation = v.string_field(*body, "organisation", kOrganisation, kOrganisationRule, false);
    if (v.ok() && !patch.display_name && !patch.status && !patch.tier && !patch.scopes && !patch.organisation)
      v.fail("", "must change at least one of display_name, status, tier, scopes, organisation");
    if (!v.ok()) return v.response(ctx);

    const auto& id = ctx.path_params.at("id");
    if (!d_.partners.get_partner(id))
      return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    if (patch.tier) v.defined(*patch.tier, "/tier", "tier of the privacy policy", tier_names(*d_.policy()));
    if (!v.ok()) return v.response(ctx);
    if (d_.partners.update_partner(id, patch, d_.clock.unix_seconds()) == store::WriteResult::not_found)
      return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    json changed = json::object();
    for (const auto* name : {"display_name", "status", "tier", "scopes", "organisation"})
      if (body->contains(name)) changed[name] = (*body)[name];
    audit(ctx, "partner.update", id, {{"changed", changed}});
    return refreshed(ctx, id, 200);
  }

  http::Response add_key(http::RequestContext& ctx) {
    auto body = json_body(ctx);
    if (!body) return body.answer();
    Validation v;
    v.no_unknown_members(*body, {"key_id", "algorithm", "public_key"});
    auto key_id = v.string_field(*body, "key_id", kKeyId, "must be 1-128 characters of A-Z, a-z, 0-9 and ._:-", true);
    static const std::regex kAlg("^ed25519$");
    v.string_field(*body, "algorithm", kAlg, "must be ed25519", true);
    static const std::regex kAny("^[\\s\\S]*$");
    auto pk_text = v.string_field(*body, "public_key", kAny, "", true);
    std::optional<std::vector<std::uint8_t>> pk;
    if (pk_text) {
      pk = protocol::base64_decode(*pk_text);
      if (!pk || pk->size() != 32) {
        v.fail("/public_key", "must be standard base64 of exactly 32 raw bytes");
      } else {
        protocol::Ed25519PublicKey raw{};
        std::copy(pk->begin(), pk->end(), raw.begin());
        if (!protocol::ed25519_public_key_usable(raw))
          v.fail("/public_key",
                 "is not a usable Ed25519 public key (a low-order or non-canonical point, such as all zeros)");
      }
    }
    if (!v.ok()) return v.response(ctx);

    partners::PartnerKey key;
    key.key_id = *key_id;
    key.partner_id = ctx.path_params.at("id");
    std::copy(pk->begin(), pk->end(), key.public_key.begin());
    key.created_at = d_.clock.unix_seconds();
    if (!d_.partners.get_partner(key.partner_id))
      return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    // One key, one partner: were it shared, a signature would not say which partner acted.
    if (const auto owner = owner_of(key.public_key); owner && *owner != key.partner_id)
      return http::make_problem(
          ctx, http::problems::conflict,
          "This public key is already registered to another partner; each partner needs its own key pair.");
    switch (d_.partners.add_key(key)) {
      case store::WriteResult::not_found:
        return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
      case store::WriteResult::conflict:
        return http::make_problem(ctx, http::problems::conflict, "This key_id is already in use; key ids are global.");
      case store::WriteResult::ok: break;
    }
    sync_directory(key.partner_id);
    audit(ctx, "partner_key.add", key.partner_id, {{"key_id", key.key_id}, {"algorithm", "ed25519"}});
    auto r = http::make_json(201, key_json(key));
    r.set_header("Location", "/admin/v1/partners/" + key.partner_id + "/keys/" + key.key_id);
    return r;
  }

  http::Response revoke_key(http::RequestContext& ctx) {
    const auto& id = ctx.path_params.at("id");
    const auto& key_id = ctx.path_params.at("key_id");
    // Revoking a revoked key changes nothing (the first time is kept), so it is not an
    // operator action to record again.
    bool was_revoked = false;
    if (const auto partner = d_.partners.get_partner(id))
      for (const auto& k : partner->keys) was_revoked |= k.key_id == key_id && k.revoked_at.has_value();
    auto key = d_.partners.revoke_key(id, key_id, d_.clock.unix_seconds());
    if (!key) return http::make_problem(ctx, http::problems::not_found, "This partner has no key with this id.");
    if (!was_revoked) {
      sync_directory(id);
      audit(ctx, "partner_key.revoke", id, {{"key_id", key->key_id}});
    }
    return http::make_json(200, key_json(*key));
  }

 private:
  // The partner holding `public_key` among every key ever registered (revoked ones too: a
  // retired key is not handed to someone else).
  std::optional<std::string> owner_of(const std::array<std::uint8_t, 32>& public_key) {
    for (const auto& p : d_.partners.load_all_partners())
      for (const auto& k : p.keys)
        if (k.public_key == public_key) return p.id;
    return std::nullopt;
  }

  void audit(const http::RequestContext& ctx, std::string_view action, const std::string& partner, const json& detail) {
    record_admin_action(d_.audit, ctx, action, partner, d_.policy()->version, detail);
  }
  void sync_directory(const std::string& id) {
    if (auto p = d_.partners.get_partner(id)) d_.directory.upsert(*p);
  }

  http::Response refreshed(http::RequestContext& ctx, const std::string& id, int status) {
    auto p = d_.partners.get_partner(id);
    if (!p) return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    d_.directory.upsert(*p);
    return http::make_json(status, partner_json(*p));
  }

  PartnersApiDeps d_;
};

}  // namespace

void register_partner_routes(http::Pipeline& admin_plane, PartnersApiDeps deps) {
  auto api = std::make_shared<PartnersApi>(std::move(deps));
  auto route = [&](const char* method, const char* pattern, http::Response (PartnersApi::*fn)(http::RequestContext&)) {
    admin_plane.add_route({.method = method,
                           .pattern = pattern,
                           .handler = [api, fn](http::RequestContext& ctx) { return ((*api).*fn)(ctx); },
                           .blocking = true});
  };
  route("POST", "/admin/v1/partners", &PartnersApi::create);
  route("GET", "/admin/v1/partners", &PartnersApi::list);
  route("GET", "/admin/v1/partners/{id}", &PartnersApi::get);
  route("PATCH", "/admin/v1/partners/{id}", &PartnersApi::patch);
  route("POST", "/admin/v1/partners/{id}/keys", &PartnersApi::add_key);
  route("DELETE", "/admin/v1/partners/{id}/keys/{key_id}", &PartnersApi::revoke_key);
}

}  // namespace octopus::admin
