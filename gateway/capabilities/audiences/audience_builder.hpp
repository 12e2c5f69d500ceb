// Materialises partners' audiences in the background: POST /v1/audiences records the
// audience as `building` and returns at once; a worker asks the engine to materialise it,
// applies the same privacy filter as an estimate to its size, and records it `ready` (or
// `failed`, with the reason). Jobs are bounded: a full queue refuses new audiences rather
// than growing without limit.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "audiences/audience_service.hpp"
#include "audiences/audience_repository.hpp"
#include "partners/partner_repository.hpp"

namespace octopus::audiences {

class AudienceBuilder {
 public:
  AudienceBuilder(AudienceService& service, AudienceRepository& audiences, partners::PartnerRepository& partners,
                  std::chrono::milliseconds materialise_timeout, std::size_t max_queued = 64);
  ~AudienceBuilder();  // finishes the job in hand, drops the queue (those stay `building` → failed at next start)

  // False when the queue is full (the caller answers 503 and the record is not created).
  bool submit(audiences::AudienceRecord record, AudienceService::Prepared prepared,
              std::shared_ptr<const policy::PolicySnapshot> policy, Caller caller);

  // Materialises a ready audience again from its recorded segment, for an engine that no
  // longer holds it (the embedded engine after a restart, a remote engine that restarted)
  // and records the new engine id. The same population yields the same members in the same
  // order, so a delivery's cursor stays valid. nullopt (with `why`) when the policy in
  // force no longer allows the segment or its size changed. Throws EngineUnavailable.
  std::optional<std::string> rematerialise(const audiences::AudienceRecord& audience,
                                           const policy::PolicySnapshot& policy, std::string& why);

  // Audiences left `building` by a stop are failed at start, so none waits forever.
  static void fail_unfinished(AudienceRepository& audiences, const Clock& clock);

 private:
  struct Job {
    audiences::AudienceRecord record;
    AudienceService::Prepared prepared;
    std::shared_ptr<const policy::PolicySnapshot> policy;
    Caller caller;
  };
  void run();
  void build(Job& job);

  AudienceService& service_;
  AudienceRepository& audiences_;
  partners::PartnerRepository& partners_;
  std::chrono::milliseconds timeout_;
  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace octopus::audiences
