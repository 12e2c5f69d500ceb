#include "idempotency/idempotency_stage.hpp"

#include <chrono>

#include "http/problem.hpp"
#include "http/router.hpp"
#include "idempotency/idempotency_key.hpp"
#include "observability/metrics.hpp"

namespace octopus::idempotency {

namespace {
const observability::MetricFamily kReplays{
    "octopus_idempotent_replays_total", observability::MetricType::counter,
    "Requests answered with the kept answer to an earlier one with the same Idempotency-Key.", true};
}  // namespace

namespace {}  // namespace

IdempotencyStage::IdempotencyStage(IdempotencyRepository& keys, IdempotencyOptions options, const Clock& clock)
    : keys_(keys), options_(options), clock_(clock) {}

std::optional<http::Response> IdempotencyStage::on_request(http::RequestContext& ctx) {
  if (!ctx.route || !ctx.route->idempotent || !ctx.principal) return std::nullopt;
  if (!ctx.request.has_header("Idempotency-Key")) return std::nullopt;
  std::string why;
  const auto key = parse_idempotency_key(ctx.request.combined_header("Idempotency-Key"), why);
  if (!key) return http::make_problem(ctx, http::problems::malformed_request, why);

  const auto fingerprint = request_fingerprint(ctx.request.method, ctx.request.target, ctx.request.body);
  const auto claim = keys_.claim_idempotency_key(ctx.principal->id, *key, fingerprint, clock_.unix_seconds(),
                                                 options_.abandoned_after_seconds, options_.keep_seconds);
  using Outcome = idempotency::IdempotencyClaim::Outcome;
  switch (claim.outcome) {
    case Outcome::claimed: ctx.idempotency_key = *key; return std::nullopt;
    case Outcome::in_flight:
      return http::make_problem(ctx, http::problems::idempotency_key_in_flight,
                                "An earlier request with this Idempotency-Key is still being answered; retry it "
                                "shortly to get its answer.");
    case Outcome::mismatch:
      return http::make_problem(ctx, http::problems::idempotency_key_reused,
                                "This Idempotency-Key was used for a different request (method, path or body); use "
                                "a new key for a new request.");
    case Outcome::replay: {
      observability::metrics().increment("octopus_idempotent_replays_total");
      http::Response r;
      r.status = claim.response->status;
      r.body = claim.response->body;
      if (!claim.response->content_type.empty()) r.set_header("Content-Type", claim.response->content_type);
      if (!claim.response->location.empty()) r.set_header("Location", claim.response->location);
      r.set_header("Idempotent-Replayed", "true");
      ctx.outcome = "idempotent-replay";
      return r;
    }
  }
  return std::nullopt;
}

void IdempotencyStage::on_response(http::RequestContext& ctx, const http::Response& response) {
  if (ctx.idempotency_key.empty() || !ctx.principal) return;
  // Too many requests or a failure on our side: nothing was done that must not be redone.
  if (response.status == 429 || response.status >= 500) {
    keys_.release_idempotency_key(ctx.principal->id, ctx.idempotency_key);
    return;
  }
  idempotency::StoredResponse stored;
  stored.status = response.status;
  stored.content_type = std::string(response.header("Content-Type"));
  stored.location = std::string(response.header("Location"));
  stored.body = response.body;
  keys_.complete_idempotency_key(ctx.principal->id, ctx.idempotency_key, stored, clock_.unix_seconds());
}

}  // namespace octopus::idempotency
