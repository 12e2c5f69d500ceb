#include "admin/adjustments_api.hpp"

#include "admin/admin_audit.hpp"
#include "admin/admin_formats.hpp"
#include "http/resource_steps.hpp"
#include "settlement/ledger_metrics.hpp"
#include "store/resource_id.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {

json adjustment_json(const settlement::LedgerEntry& e) {
  return {{"id", e.id},
          {"sequence", e.sequence.value_or(0)},
          {"partner_id", e.partner_id},
          {"type", settlement::to_string(e.type)},
          {"amount_fen", e.amount_fen},
          {"currency", e.currency},
          {"product_code", e.product_code},
          {"reason", e.reason},
          {"created_by", e.source_id},
          {"recorded_at", rfc3339(e.recorded_at)}};
}

class AdjustmentHandlers {
 public:
  explicit AdjustmentHandlers(AdjustmentsApiDeps deps) : deps_(std::move(deps)) {}

  // A correction of nothing is a mistake, not an entry.
  std::vector<openapi::FieldError> rules(http::RequestContext&, const json& body) const {
    if (body.value("amount_fen", json()) == json(0)) return {{"/amount_fen", "must not be 0"}};
    return {};
  }

  http::Response create(http::RequestContext& ctx) {
    auto body = json_body(ctx);
    if (!body) return body.answer();
    const auto& partner_id = ctx.path_params.at("id");
    if (!deps_.partners.get_partner(partner_id))
      return http::make_problem(ctx, http::problems::not_found, "No partner has this id.");
    settlement::LedgerEntry e;
    e.id = store::new_resource_id(store::ResourceKind::settlement_entry);
    e.partner_id = partner_id;
    e.type = settlement::EntryType::adjusted;
    e.amount_fen = (*body)["amount_fen"].get<std::int64_t>();
    e.product_code = body->value("product_code", std::string());
    e.reason = (*body)["reason"].get<std::string>();
    e.source_id = ctx.principal ? ctx.principal->id : "admin";
    e.policy_version = deps_.policy()->version;
    e.recorded_at = deps_.clock.unix_seconds();
    e.occurred_at_ms = deps_.clock.unix_millis();
    if (deps_.ledger.append(e) != store::WriteResult::ok) throw std::runtime_error("adjustment id collision");
    settlement::count_appended(e);
    const auto out = adjustment_json(e);
    record_admin_action(deps_.audit, deps_.clock, ctx, "settlement.adjustment", partner_id, e.policy_version,
                        {{"adjustment", out}});
    return http::make_json(201, out);
  }

 private:
  AdjustmentsApiDeps deps_;
};

}  // namespace

void register_adjustment_routes(http::Pipeline& admin_plane, AdjustmentsApiDeps deps) {
  using H = AdjustmentHandlers;
  http::add_admin_routes<H>(
      admin_plane, std::make_shared<H>(std::move(deps)),
      {{"POST", "/admin/v1/partners/{id}/adjustments", &H::create, {vocabulary::Role::admin}, &H::rules}});
}

}  // namespace octopus::admin
