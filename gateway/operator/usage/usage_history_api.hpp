// GET /admin/v1/partners/{id}/usage/history?from&to&granularity=hour|day&format=json|csv:
// a partner's requests per bucket, capability class and outcome, with the totals and the
// most frequent reasons it was refused over the range; CSV for spreadsheets. What was
// counted up to the request is included (pending counts are written first).
#pragma once
#include "http/pipeline.hpp"
#include "partners/partner_repository.hpp"
#include "usage/usage_history.hpp"

namespace octopus::usage {

struct UsageHistoryApiDeps {
  partners::PartnerRepository& partners;
  UsageRecorder& recorder;  // the history, stored and not yet written
  const Clock& clock;
};

void register_usage_history_route(http::Pipeline& admin_plane, UsageHistoryApiDeps deps);

}  // namespace octopus::usage
