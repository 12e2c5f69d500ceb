// Partner-plane stage: makes a POST that creates or spends safe to retry. With an
// Idempotency-Key, the first request is answered normally and its answer kept (24 h) for
// this partner and key; the same request again gets that answer back, marked
// `Idempotent-Replayed: true`; another request under the same key is refused (422); one
// arriving while the first is still being answered is refused (409). A 429 or 5xx answer
// is not kept, so the partner can retry the same key later. Keys are scoped to the partner:
// one partner can never see another's stored answer.
#pragma once
#include <cstdint>
#include <functional>

#include "http/stage.hpp"
#include "idempotency/idempotency_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::idempotency {

struct IdempotencyOptions {
  std::int64_t keep_seconds = 24 * 3600;
  // A claim with no answer after this long belongs to a request whose gateway died.
  std::int64_t abandoned_after_seconds = 60;
};

class IdempotencyStage final : public http::Stage {
 public:
  IdempotencyStage(IdempotencyRepository& keys, IdempotencyOptions options = {}, const Clock& clock = system_clock());
  std::string_view name() const override { return "idempotency"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;
  void on_response(http::RequestContext& ctx, const http::Response& response) override;

 private:
  IdempotencyRepository& keys_;
  IdempotencyOptions options_;
  const Clock& clock_;
};

}  // namespace octopus::idempotency
