// GET /admin/v1/partners/{id}/usage: a partner's plan, its current rate state and its quota
// consumption per capability class for today and this month (in the policy time zone), so
// support can answer "why am I getting 429?" without reading counters by hand.
#pragma once
#include <memory>

#include "auth/partner_directory.hpp"
#include "http/pipeline.hpp"
#include "observability/metrics.hpp"
#include "policy/policy_registry.hpp"
#include "quota/quota_limiter.hpp"
#include "partners/partner_repository.hpp"

namespace octopus::admin {

struct UsageApiDeps {
  partners::PartnerRepository& partners;
  policy::PolicyRegistry& policies;
  quota::QuotaLimiter& limiter;
};

void register_usage_routes(http::Pipeline& admin_plane, UsageApiDeps deps);

// Each active partner's (one holding a key not revoked) quota used, limit and remaining per capability
// class and window (day, month) as gauges; nothing while the counters cannot answer. The
// partners come from the authentication directory: no store is read. `refresh` zero: read
// at every scrape (counters in memory); otherwise read every `refresh` on a thread of its
// own and served from memory (counters in Redis, where reading them all takes longer than a
// scrape should wait: docs/performance.md).
std::unique_ptr<observability::ScopedCollector> collect_quota_metrics(const auth::PartnerDirectory& directory,
                                                                      policy::PolicyRegistry& policies,
                                                                      quota::QuotaLimiter& limiter,
                                                                      std::chrono::milliseconds refresh = {});

}  // namespace octopus::admin
