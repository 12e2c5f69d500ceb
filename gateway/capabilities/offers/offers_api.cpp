#include "offers/offers_api.hpp"

#include "offers/products_api.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/problem.hpp"
#include "http/paging.hpp"
#include "http/resource_steps.hpp"
#include "observability/log.hpp"
#include "offers/offer_review.hpp"
#include "store/resource_id.hpp"

namespace octopus::offers {

using nlohmann::json;

namespace {

json offer_json(const offers::OfferRecord& o) {
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

bool is_offer_id(std::string_view id) { return store::is_resource_id(store::ResourceKind::offer, id); }

// A compliance officer's decision on a pending offer, once its shape is right.
struct Review {
  std::string decision;  // approve | reject
  std::string note;
};

// The body has passed admin.yaml's review schema (decision, a note of at most 2000
// characters); a rejection must also say why.
http::Step<Review> parse_review(http::RequestContext& ctx, const json& body) {
  Review r{body["decision"], body.value("note", "")};
  if (r.decision == "reject" && r.note.empty())
    return http::make_problem(
        ctx, http::problems::validation_error, "The review breaks its schema; see errors.",
        {{"errors", json::array({{{"pointer", "/note"}, {"detail", "a rejection needs a note saying why"}}})}});
  return r;
}

// Offers on both planes: partners submit and read their own; officers list and review all.
class OfferHandlers {
 public:
  explicit OfferHandlers(OffersApiDeps deps) : deps_(deps) {}

  http::Response submit(http::RequestContext& ctx);
  http::Response get(http::RequestContext& ctx) {
    // Another partner's offer looks exactly like no offer.
    auto o = http::owned(ctx, "offer", is_offer_id,
                         [&](const std::string& id) { return deps_.offers.get_offer(ctx.principal->id, id); });
    if (!o) return o.answer();
    return http::make_json(200, offer_json(*o));
  }
  http::Response list(http::RequestContext& ctx) { return page(ctx, ctx.principal->id); }
  http::Response list_all(http::RequestContext& ctx) { return page(ctx, ""); }
  http::Response review(http::RequestContext& ctx);

 private:
  // A page of offers as both planes list them (`partner_id` empty: everyone's).
  http::Response page(http::RequestContext& ctx, const std::string& partner_id) {
    auto request = http::page_request(ctx, is_offer_id);
    if (!request) return request.answer();
    std::string status;
    if (auto it = request->query.find("status"); it != request->query.end()) {
      status = it->second;
      if (status != "approved" && status != "rejected" && status != "pending_review")
        return http::make_problem(ctx, http::problems::malformed_request,
                                  "status must be approved, rejected or pending_review.");
    }
    return http::make_json(
        200, http::page_json(deps_.offers.list_offers(partner_id, status, request->after, request->limit), offer_json));
  }
  void audit_review(const offers::OfferRecord& offer, const Review& review, const std::string& request_id);

  OffersApiDeps deps_;
};

http::Response OfferHandlers::submit(http::RequestContext& ctx) {
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  auto products = read_catalogue(ctx, deps_.engine, deps_.engine_timeout);
  if (!products) return products.answer();
  const auto& partner = *ctx.principal;
  auto submission =
      review_submission(*ctx.policy, partner.id, partner.category, *body, *products, deps_.clock.unix_seconds());
  if (!submission.offer)
    return http::make_problem(ctx, http::problems::validation_error, "The request breaks the offer schema; see errors.",
                              {{"errors", issues_json(submission.issues)}});
  auto& offer = *submission.offer;
  offer.id = store::new_resource_id(store::ResourceKind::offer);
  if (deps_.offers.create_offer(offer) != store::WriteResult::ok) throw std::runtime_error("offer id collision");
  observability::log_info("offer_submitted", {{"offer", offer.id},
                                              {"partner", offer.partner_id},
                                              {"status", offer.status},
                                              {"policy_version", offer.policy_version}});
  return http::accepted(201, offer_json(offer), "/v1/offers/" + offer.id);
}

http::Response OfferHandlers::review(http::RequestContext& ctx) {
  auto body = http::json_body(ctx);
  if (!body) return body.answer();
  auto review = parse_review(ctx, *body);
  if (!review) return review.answer();
  const auto& id = ctx.path_params.at("id");
  auto offer = is_offer_id(id) ? deps_.offers.get_offer("", id) : std::nullopt;
  if (!offer) return http::make_problem(ctx, http::problems::not_found, "No offer with this id.");
  if (offer->status != "pending_review")
    return http::make_problem(ctx, http::problems::conflict,
                              "Only an offer pending review can be reviewed; this one is " + offer->status + ".");
  const auto policy = deps_.policies.current();
  offer->status = review->decision == "approve" ? "approved" : "rejected";
  offer->review_note = review->note;
  offer->reviewer = ctx.principal ? ctx.principal->id : "admin";
  offer->review_policy_version = policy->version;
  offer->reviewed_at = offer->updated_at = deps_.clock.unix_seconds();
  if (deps_.offers.review_offer(*offer) != store::WriteResult::ok)
    return http::make_problem(ctx, http::problems::conflict, "The offer was reviewed meanwhile.");
  audit_review(*offer, *review, ctx.request_id);
  return http::make_json(200, offer_json(*offer));
}

void OfferHandlers::audit_review(const offers::OfferRecord& offer, const Review& review,
                                 const std::string& request_id) {
  audit::AuditRecord audit;
  audit.at = offer.reviewed_at;
  audit.actor = offer.reviewer;
  audit.action = "offer.review";
  audit.subject = offer.id;
  audit.outcome = offer.status;
  audit.policy_version = offer.review_policy_version;
  audit.detail = json{{"partner", offer.partner_id}, {"decision", review.decision}, {"note", review.note}}.dump();
  audit.request_id = request_id;
  deps_.audit.append_audit(audit);
}

}  // namespace

void register_offer_routes(http::Pipeline& partner_plane, http::Pipeline& admin_plane, OffersApiDeps deps) {
  using H = OfferHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  auto h = std::make_shared<H>(deps);
  http::add_partner_routes<H>(
      partner_plane, h,
      {{"POST", "/v1/offers", &H::submit, Scope::offers_write, CapabilityClass::resource_admin, true},
       {"GET", "/v1/offers/{id}", &H::get, Scope::offers_read, CapabilityClass::reads},
       {"GET", "/v1/offers", &H::list, Scope::offers_read, CapabilityClass::reads}});
  http::add_admin_routes<H>(admin_plane, h,
                            {{"GET",
                              "/admin/v1/offers",
                              &H::list_all,
                              {vocabulary::Role::compliance, vocabulary::Role::operator_, vocabulary::Role::viewer}},
                             {"POST", "/admin/v1/offers/{id}/review", &H::review, {vocabulary::Role::compliance}}});
}

}  // namespace octopus::offers
