#include "audiences/audience_builder.hpp"

#include <chrono>
#include <optional>

#include "http/formats.hpp"
#include "observability/log.hpp"

namespace octopus::audiences {

AudienceBuilder::AudienceBuilder(AudienceService& service, AudienceRepository& audiences,
                                 partners::PartnerRepository& partners, std::chrono::milliseconds materialise_timeout,
                                 std::size_t max_queued)
    : service_(service),
      audiences_(audiences),
      partners_(partners),
      timeout_(materialise_timeout),
      max_queued_(max_queued) {
  worker_ = std::thread([this] { run(); });
}

AudienceBuilder::~AudienceBuilder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

bool AudienceBuilder::submit(audiences::AudienceRecord record, AudienceService::Prepared prepared,
                             std::shared_ptr<const policy::PolicySnapshot> policy, Caller caller) {
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() >= max_queued_) return false;
  queue_.push_back({std::move(record), std::move(prepared), std::move(policy), std::move(caller)});
  wake_.notify_one();
  return true;
}

void AudienceBuilder::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    build(job);
  }
}

std::optional<std::string> AudienceBuilder::rematerialise(const audiences::AudienceRecord& audience,
                                                          const policy::PolicySnapshot& policy, std::string& why) {
  const auto partner = partners_.get_partner(audience.partner_id);
  if (!partner) {
    why = "the audience's partner is gone";
    return std::nullopt;
  }
  const Caller caller{partner->id, partner->tier, partner->category, partner->organisation};
  Estimate e;
  const nlohmann::json body = {{"segment", nlohmann::json::parse(audience.segment_json, nullptr, false)},
                               {"purpose", audience.purpose}};
  const auto prepared = service_.prepare(policy, caller, body, e);
  if (!prepared) {
    why = "the policy in force no longer allows the audience's segment";
    return std::nullopt;
  }
  const auto handle = engine::await(service_.engine().materialise(prepared->query), timeout_);
  if (audience.size != 0 && handle.size != audience.size) {
    service_.engine().drop(handle.id);
    why = "the engine's population changed since the audience was built";
    return std::nullopt;
  }
  auto updated = audience;
  updated.engine_id = handle.id;
  updated.updated_at = service_.clock().unix_seconds();
  audiences_.update_audience(updated);
  return handle.id;
}

void AudienceBuilder::build(Job& job) {
  auto& r = job.record;
  std::optional<engine::AudienceHandle> handle;
  try {
    handle = engine::await(service_.engine().materialise(job.prepared.query), timeout_);
    const Estimate published = service_.publish(*job.policy, job.caller, job.prepared, handle->size);
    r.status = "ready";
    r.engine_id = handle->id;
    r.size = handle->size;
    r.count = published.count;
    r.suppressed = published.suppressed;
    r.reason = published.reason;
  } catch (const std::exception& e) {
    r.status = "failed";
    r.error = dynamic_cast<const engine::EngineUnavailable*>(&e) ? "the engine is unavailable; create it again later"
              : dynamic_cast<const HistoryUnavailable*>(&e) ? "the privacy check is unavailable; create it again later"
                                                            : "the engine could not build this audience";
    observability::log_warn("audience_failed", {{"audience", r.id}, {"partner", r.partner_id}, {"what", e.what()}});
    // Built but not published: the engine need not keep it.
    if (handle) service_.engine().drop(handle->id).wait_for(timeout_);
  }
  r.updated_at = service_.clock().unix_seconds();
  try {
    // Deleted while building: keep it deleted, and let the engine forget it.
    auto current = audiences_.get_audience(r.partner_id, r.id);
    if (!current) {
      if (!r.engine_id.empty()) service_.engine().drop(r.engine_id).wait_for(timeout_);
      return;
    }
    audiences_.update_audience(r);
  } catch (const std::exception& e) {
    observability::log_error("audience_store_failed", {{"audience", r.id}, {"what", e.what()}});
  }
}

void AudienceBuilder::fail_unfinished(AudienceRepository& audiences, const Clock& clock) {
  for (auto r : audiences.audiences_in_status("building")) {
    r.status = "failed";
    r.error = "the gateway stopped while building it; create it again";
    r.updated_at = clock.unix_seconds();
    audiences.update_audience(r);
  }
}

}  // namespace octopus::audiences
