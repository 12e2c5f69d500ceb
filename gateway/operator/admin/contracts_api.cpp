#include "admin/contracts_api.hpp"

#include "admin/admin_audit.hpp"
#include "admin/admin_formats.hpp"
#include "http/resource_steps.hpp"
#include "offers/products_api.hpp"
#include "store/resource_id.hpp"

namespace octopus::admin {

using nlohmann::json;
using settlement::Contract;
using settlement::PricingModel;

namespace {

// An open-ended contract runs until 10000-01-01 (the largest instant RFC 3339 can write).
constexpr std::int64_t kOpenEnded = 253'402'300'800;

json contract_json(const Contract& c) {
  json out = {{"id", c.id},
              {"partner_id", c.partner_id},
              {"product_code", c.product_code},
              {"model", settlement::to_string(c.model)},
              {"monthly_cap_fen", c.monthly_cap_fen ? json(*c.monthly_cap_fen) : json()},
              {"message_fen",
               {{"sms", c.message_prices.sms_fen},
                {"push", c.message_prices.push_fen},
                {"outbound_call", c.message_prices.outbound_call_fen}}},
              {"sms_per_segment", c.message_prices.sms_per_segment},
              {"currency", "CNY"},
              {"effective_from", rfc3339(c.effective_from)},
              {"effective_until", c.effective_until == kOpenEnded ? json() : json(rfc3339(c.effective_until))},
              {"created_by", c.created_by},
              {"policy_version", c.policy_version},
              {"created_at", rfc3339(c.created_at)}};
  if (c.model == PricingModel::cpa)
    out["cpa_fen"] = c.cpa_fen;
  else
    out["cps_basis_points"] = c.cps_basis_points;
  return out;
}

// The body has passed admin.yaml's ContractCreate; what a schema cannot say is checked here.
class ContractHandlers {
 public:
  explicit ContractHandlers(ContractsApiDeps deps) : deps_(std::move(deps)) {}

  // A CPA contract names its sum and a CPS one its share, not both; the dates run forwards.
  std::vector<openapi::FieldError> contract_rules(http::RequestContext&, const json& body) const {
    std::vector<openapi::FieldError> out;
    const auto model = body.value("model", json()).is_string() ? body["model"].get<std::string>() : "";
    const char* needed = model == "cpa" ? "cpa_fen" : model == "cps" ? "cps_basis_points" : nullptr;
    const char* other = model == "cpa" ? "cps_basis_points" : "cpa_fen";
    if (needed && !body.contains(needed)) out.push_back({std::string("/") + needed, "is required for " + model});
    if (needed && body.contains(other)) out.push_back({std::string("/") + other, "does not apply to " + model});
    const auto from = dates(body, "effective_from"), until = dates(body, "effective_until");
    if (from && until && *until <= *from) out.push_back({"/effective_until", "must be after effective_from"});
    return out;
  }

  http::Response create(http::RequestContext& ctx) {
    auto body = json_body(ctx);
    if (!body) return body.answer();
    const auto& partner_id = ctx.path_params.at("id");
    if (!deps_.partners.get_partner(partner_id))
      return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    auto contract = read_contract(ctx, *body);
    if (!contract) return contract.answer();
    if (auto refused = unknown_product(ctx, contract->product_code)) return *refused;
    if (deps_.contracts.create_contract(*contract) == store::WriteResult::conflict)
      return http::make_problem(ctx, http::problems::conflict,
                                "The partner already has a contract for this product whose dates overlap these; "
                                "end it before the new one starts.");
    record_admin_action(deps_.audit, deps_.clock, ctx, "contract.create", partner_id, contract->policy_version,
                        {{"contract", contract_json(*contract)}});
    return http::accepted(201, contract_json(*contract),
                          "/admin/v1/partners/" + partner_id + "/contracts/" + contract->id);
  }

  http::Response list(http::RequestContext& ctx) {
    const auto& partner_id = ctx.path_params.at("id");
    if (!deps_.partners.get_partner(partner_id))
      return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    json items = json::array();
    for (const auto& c : deps_.contracts.list_contracts(partner_id)) items.push_back(contract_json(c));
    return http::make_json(200, {{"items", std::move(items)}});
  }

  http::Response get(http::RequestContext& ctx) {
    const auto contract = deps_.contracts.get_contract(ctx.path_params.at("contract_id"));
    if (!contract || contract->partner_id != ctx.path_params.at("id"))
      return http::make_problem(ctx, http::problems::not_found, "This partner has no contract with this id.");
    return http::make_json(200, contract_json(*contract));
  }

 private:
  static std::optional<std::int64_t> dates(const json& body, const char* member) {
    const auto it = body.find(member);
    return it != body.end() && it->is_string() ? http::parse_rfc3339(it->get<std::string>()) : std::nullopt;
  }

  http::Step<Contract> read_contract(http::RequestContext& ctx, const json& body) const {
    Contract c;
    c.id = store::new_resource_id(store::ResourceKind::contract);
    c.partner_id = ctx.path_params.at("id");
    c.product_code = body["product_code"];
    c.model = *settlement::parse_pricing_model(body["model"].get<std::string>());
    c.cpa_fen = body.value("cpa_fen", std::int64_t{0});
    c.cps_basis_points = body.value("cps_basis_points", std::int64_t{0});
    if (body.contains("monthly_cap_fen")) c.monthly_cap_fen = body["monthly_cap_fen"].get<std::int64_t>();
    const auto prices = body.value("message_fen", json::object());
    c.message_prices.sms_fen = prices.value("sms", std::int64_t{0});
    c.message_prices.push_fen = prices.value("push", std::int64_t{0});
    c.message_prices.outbound_call_fen = prices.value("outbound_call", std::int64_t{0});
    c.message_prices.sms_per_segment = body.value("sms_per_segment", false);
    const auto from = dates(body, "effective_from");
    if (!from)
      return http::make_problem(
          ctx, http::problems::validation_error, "1 field(s) are invalid; see errors.",
          {{"errors", json::array({{{"pointer", "/effective_from"}, {"detail", "must be an RFC 3339 date-time"}}})}});
    c.effective_from = *from;
    c.effective_until = dates(body, "effective_until").value_or(kOpenEnded);
    c.created_by = ctx.principal ? ctx.principal->id : "admin";
    c.policy_version = deps_.policy()->version;
    c.created_at = deps_.clock.unix_seconds();
    return c;
  }

  // A contract for a product the catalogue does not sell could never pay: refused, or 503
  // while the catalogue cannot be read.
  std::optional<http::Response> unknown_product(http::RequestContext& ctx, const std::string& code) const {
    auto products = offers::read_catalogue(ctx, deps_.engine, deps_.engine_timeout);
    if (!products) return products.answer();
    for (const auto& p : *products)
      if (p.code == code) return std::nullopt;
    return http::make_problem(
        ctx, http::problems::validation_error, "1 field(s) are invalid; see errors.",
        {{"errors", json::array({{{"pointer", "/product_code"}, {"detail", "is not a product in the catalogue"}}})}});
  }

  ContractsApiDeps deps_;
};

}  // namespace

void register_contract_routes(http::Pipeline& admin_plane, ContractsApiDeps deps) {
  using H = ContractHandlers;
  http::add_admin_routes<H>(
      admin_plane, std::make_shared<H>(std::move(deps)),
      {{"POST", "/admin/v1/partners/{id}/contracts", &H::create, {vocabulary::Role::admin}, &H::contract_rules},
       {"GET",
        "/admin/v1/partners/{id}/contracts",
        &H::list,
        {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::viewer}},
       {"GET",
        "/admin/v1/partners/{id}/contracts/{contract_id}",
        &H::get,
        {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::viewer}}});
}

}  // namespace octopus::admin
