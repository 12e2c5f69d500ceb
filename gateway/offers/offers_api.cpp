#include "offers/offers_api.hpp"

#include <chrono>
#include <regex>

#include <nlohmann/json.hpp>

#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/paging.hpp"
#include "observability/log.hpp"
#include "offers/offer_review.hpp"
#include "store/resource_id.hpp"

namespace octopus::offers {

using nlohmann::json;

namespace {

const std::regex kOfferId("^ofr_[0-9a-f]{28}$");

json offer_json(const store::OfferRecord& o) {
  json out = {{"id", o.id},
              {"name", o.name},
              {"status", o.status},
              {"channel", o.channel},
              {"template", o.template_text},
              {"product_code", o.product_code},
              {"landing_url", o.landing_url},
              {"valid_from", http::rfc3339(o.valid_from)},
              {"valid_until", http::rfc3339(o.valid_until)},
              {"reasons", json::parse(o.reasons_json, nullptr, false)},
              {"policy_version", o.policy_version},
              {"created_at", http::rfc3339(o.created_at)},
              {"review", nullptr}};
  if (o.reviewed_at != 0)
    out["review"] = {{"decision", o.status == "approved" ? "approve" : "reject"},
                     {"note", o.review_note},
                     {"reviewer", o.reviewer},
                     {"reviewed_at", http::rfc3339(o.reviewed_at)},
                     {"policy_version", o.review_policy_version}};
  return out;
}

json issues_json(const std::vector<OfferIssue>& issues) {
  json out = json::array();
  for (const auto& i : issues) out.push_back({{"pointer", i.pointer}, {"detail", i.detail}});
  return out;
}

// A page of offers as both planes list them; nullopt (and `error`) for a bad limit or cursor.
std::optional<json> offer_page(http::RequestContext& ctx, store::Store& store, const std::string& partner_id,
                               http::Response& error) {
  auto request = http::read_page_request(ctx.request.query(), kOfferId);
  std::string status;
  if (request)
    if (auto it = request->query.find("status"); it != request->query.end()) {
      status = it->second;
      if (status != "approved" && status != "rejected" && status != "pending_review") request.reset();
    }
  if (!request) {
    error = http::make_problem(ctx, http::problems::malformed_request,
                               "limit must be 1 to 200, status approved, rejected or pending_review, and cursor one "
                               "this API returned.");
    return std::nullopt;
  }
  return http::page_json(store.list_offers(partner_id, status, request->after, request->limit), offer_json);
}

}  // namespace

void register_offer_routes(http::Pipeline& partner_plane, http::Pipeline& admin_plane, OffersApiDeps deps) {
  partner_plane.add_route(
      {.method = "POST",
       .pattern = "/v1/offers",
       .handler =
           [deps](http::RequestContext& ctx) {
             http::Response error;
             auto body = http::json_body(ctx, error);
             if (!body) return error;
             std::vector<engine::Product> products;
             try {
               products = engine::await(deps.engine.products(), deps.engine_timeout);
             } catch (const engine::EngineUnavailable& e) {
               return http::make_unavailable(ctx, http::problems::engine_unavailable,
                                             "The product catalogue cannot be read right now; retry shortly.",
                                             e.retry_after());
             }
             const auto& partner = *ctx.principal;
             auto submission = review_submission(*ctx.policy, partner.id, partner.category, *body, products, http::unix_seconds_now());
             if (!submission.offer)
               return http::make_problem(ctx, http::problems::validation_error,
                                         "The request breaks the offer schema; see errors.",
                                         {{"errors", issues_json(submission.issues)}});
             auto& offer = *submission.offer;
             offer.id = store::new_resource_id("ofr_");
             if (deps.store.create_offer(offer) != store::WriteResult::ok)
               throw std::runtime_error("offer id collision");
             observability::log_info("offer_submitted", {{"offer", offer.id},
                                                         {"partner", offer.partner_id},
                                                         {"status", offer.status},
                                                         {"policy_version", offer.policy_version}});
             auto r = http::make_json(201, offer_json(offer));
             r.set_header("Location", "/v1/offers/" + offer.id);
             return r;
           },
       .blocking = true,
       .idempotent = true,
       .required_scope = vocabulary::Scope::offers_write,
       .capability_class = vocabulary::CapabilityClass::resource_admin});

  partner_plane.add_route({.method = "GET",
                           .pattern = "/v1/offers/{id}",
                           .handler =
                               [deps](http::RequestContext& ctx) {
                                 const auto& id = ctx.path_params.at("id");
                                 std::optional<store::OfferRecord> o;
                                 if (std::regex_match(id, kOfferId)) o = deps.store.get_offer(ctx.principal->id, id);
                                 if (!o)  // another partner's offer looks exactly like no offer
                                   return http::make_problem(ctx, http::problems::not_found, "You have no offer with this id.");
                                 return http::make_json(200, offer_json(*o));
                               },
                           .blocking = true,
                           .required_scope = vocabulary::Scope::offers_read,
                           .capability_class = vocabulary::CapabilityClass::reads});

  partner_plane.add_route({.method = "GET",
                           .pattern = "/v1/offers",
                           .handler =
                               [deps](http::RequestContext& ctx) {
                                 http::Response error;
                                 auto page = offer_page(ctx, deps.store, ctx.principal->id, error);
                                 return page ? http::make_json(200, *page) : error;
                               },
                           .blocking = true,
                           .required_scope = vocabulary::Scope::offers_read,
                           .capability_class = vocabulary::CapabilityClass::reads});

  admin_plane.add_route({.method = "GET",
                         .pattern = "/admin/v1/offers",
                         .handler =
                             [deps](http::RequestContext& ctx) {
                               http::Response error;
                               auto page = offer_page(ctx, deps.store, "", error);
                               return page ? http::make_json(200, *page) : error;
                             },
                         .blocking = true});

  admin_plane.add_route(
      {.method = "POST",
       .pattern = "/admin/v1/offers/{id}/review",
       .handler =
           [deps](http::RequestContext& ctx) {
             http::Response error;
             auto body = http::json_body(ctx, error);
             if (!body) return error;
             json issues = json::array();
             for (const auto& [key, value] : body->items())
               if (key != "decision" && key != "note") issues.push_back({{"pointer", "/" + key}, {"detail", "is not a member of a review"}});
             const auto decision = body->value("decision", json()).is_string() ? (*body)["decision"].get<std::string>() : "";
             if (decision != "approve" && decision != "reject")
               issues.push_back({{"pointer", "/decision"}, {"detail", "must be approve or reject"}});
             std::string note;
             if (body->contains("note")) {
               if (!(*body)["note"].is_string() || (*body)["note"].get<std::string>().size() > 2000)
                 issues.push_back({{"pointer", "/note"}, {"detail", "must be a string of at most 2000 bytes"}});
               else note = (*body)["note"].get<std::string>();
             }
             if (decision == "reject" && note.empty())
               issues.push_back({{"pointer", "/note"}, {"detail", "a rejection needs a note saying why"}});
             if (!issues.empty())
               return http::make_problem(ctx, http::problems::validation_error, "The review breaks its schema; see errors.",
                                         {{"errors", issues}});
             const auto& id = ctx.path_params.at("id");
             auto offer = std::regex_match(id, kOfferId) ? deps.store.get_offer("", id) : std::nullopt;
             if (!offer) return http::make_problem(ctx, http::problems::not_found, "No offer with this id.");
             if (offer->status != "pending_review")
               return http::make_problem(ctx, http::problems::conflict,
                                         "Only an offer pending review can be reviewed; this one is " + offer->status + ".");
             const auto policy = deps.policies.current();
             offer->status = decision == "approve" ? "approved" : "rejected";
             offer->review_note = note;
             offer->reviewer = ctx.principal ? ctx.principal->id : "admin";
             offer->review_policy_version = policy->version;
             offer->reviewed_at = offer->updated_at = http::unix_seconds_now();
             if (deps.store.review_offer(*offer) != store::WriteResult::ok)
               return http::make_problem(ctx, http::problems::conflict, "The offer was reviewed meanwhile.");
             store::AuditRecord audit;
             audit.at = offer->reviewed_at;
             audit.actor = offer->reviewer;
             audit.action = "offer.review";
             audit.subject = offer->id;
             audit.outcome = offer->status;
             audit.policy_version = policy->version;
             audit.detail = json{{"partner", offer->partner_id}, {"decision", decision}, {"note", note}}.dump();
             deps.store.append_audit(audit);
             return http::make_json(200, offer_json(*offer));
           },
       .blocking = true});
}

}  // namespace octopus::offers
