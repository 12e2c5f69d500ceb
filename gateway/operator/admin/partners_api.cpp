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

// A name the policies must define (a tier, a category): a partner the policies do not know
// would be refused on every call, so it is refused at registration, naming the defined ones.
// A value that is not a string at all is the schema's to report.
void require_defined(const json& body, const char* member, const std::string& what,
                     const std::vector<std::string>& names, std::vector<openapi::FieldError>& out) {
  const auto it = body.find(member);
  if (it == body.end() || !it->is_string()) return;
  if (std::find(names.begin(), names.end(), it->get<std::string>()) != names.end()) return;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  out.push_back({std::string("/") + member, "is not a " + what + " (one of: " + list + ")"});
}

std::optional<std::string> optional_string(const json& body, const char* member) {
  const auto it = body.find(member);
  return it == body.end() ? std::nullopt : std::optional<std::string>(it->get<std::string>());
}

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
// Bodies arrive checked against admin.yaml's schemas (PartnerCreate, PartnerUpdate,
// PartnerKeyCreate) and the rules below; the handlers read them without re-checking.
class PartnersApi {
 public:
  explicit PartnersApi(PartnersApiDeps deps) : d_(std::move(deps)) {}

  // What the schema cannot say: the tier and category must be ones the policies define.
  std::vector<openapi::FieldError> registration_rules(http::RequestContext&, const json& body) const {
    std::vector<openapi::FieldError> out;
    const auto policy = d_.policy();
    require_defined(body, "tier", "tier of the privacy policy", tier_names(*policy), out);
    require_defined(body, "category", "partner category of the consent policy", policy->consent.categories, out);
    return out;
  }
  // (An update of a partner that does not exist is answered 404 by the handler, whatever it says.)
  std::vector<openapi::FieldError> update_rules(http::RequestContext& ctx, const json& body) const {
    std::vector<openapi::FieldError> out;
    if (!d_.partners.get_partner(ctx.path_params.at("id"))) return out;
    require_defined(body, "tier", "tier of the privacy policy", tier_names(*d_.policy()), out);
    return out;
  }

  http::Response create(http::RequestContext& ctx) {
    auto body = json_body(ctx);
    if (!body) return body.answer();
    partners::Partner p;
    p.id = (*body)["id"];
    p.display_name = (*body)["display_name"];
    p.tier = (*body)["tier"];
    p.category = (*body)["category"];
    p.scopes = (*body)["scopes"].get<std::vector<std::string>>();
    p.organisation = body->value("organisation", "");
    p.status = *partners::parse_partner_status(body->value("status", "active"));
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
    partners::PartnerPatch patch;
    patch.display_name = optional_string(*body, "display_name");
    if (const auto status = optional_string(*body, "status")) patch.status = partners::parse_partner_status(*status);
    patch.tier = optional_string(*body, "tier");
    if (body->contains("scopes")) patch.scopes = (*body)["scopes"].get<std::vector<std::string>>();
    patch.organisation = optional_string(*body, "organisation");
    const auto& id = ctx.path_params.at("id");
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
    // The schema has checked the form (44 characters of base64); whether the 32 bytes are a
    // key a signature can prove anything with is for the curve to say.
    const auto pk = protocol::base64_decode((*body)["public_key"].get<std::string>());
    protocol::Ed25519PublicKey raw{};
    if (pk && pk->size() == raw.size()) std::copy(pk->begin(), pk->end(), raw.begin());
    if (!pk || pk->size() != raw.size() || !protocol::ed25519_public_key_usable(raw))
      return http::make_problem(
          ctx, http::problems::validation_error, "1 field(s) are invalid; see errors.",
          {{"errors", json::array({{{"pointer", "/public_key"},
                                    {"detail",
                                     "is not a usable Ed25519 public key (a low-order or non-canonical "
                                     "point, such as all zeros)"}}})}});
    partners::PartnerKey key;
    key.key_id = (*body)["key_id"];
    key.partner_id = ctx.path_params.at("id");
    key.public_key = raw;
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
    record_admin_action(d_.audit, d_.clock, ctx, action, partner, d_.policy()->version, detail);
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
  using H = PartnersApi;
  http::add_admin_routes<H>(
      admin_plane, std::make_shared<H>(std::move(deps)),
      {{"POST", "/admin/v1/partners", &H::create, {vocabulary::Role::admin}, &H::registration_rules},
       {"GET",
        "/admin/v1/partners",
        &H::list,
        {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::compliance, vocabulary::Role::viewer}},
       {"GET",
        "/admin/v1/partners/{id}",
        &H::get,
        {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::compliance, vocabulary::Role::viewer}},
       {"PATCH", "/admin/v1/partners/{id}", &H::patch, {vocabulary::Role::admin}, &H::update_rules},
       {"POST", "/admin/v1/partners/{id}/keys", &H::add_key, {vocabulary::Role::admin}},
       {"DELETE", "/admin/v1/partners/{id}/keys/{key_id}", &H::revoke_key, {vocabulary::Role::admin}}});
}

}  // namespace octopus::admin
