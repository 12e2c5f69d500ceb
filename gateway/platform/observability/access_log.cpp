#include "observability/access_log.hpp"

#include <atomic>
#include <chrono>

#include <nlohmann/json.hpp>

#include "observability/log.hpp"

namespace octopus::observability {

namespace {
std::atomic<bool> g_enabled{true};
}

void set_access_log_enabled(bool enabled) { g_enabled = enabled; }
bool access_log_enabled() { return g_enabled.load(std::memory_order_relaxed); }

void write_access_log(const AccessRecord& r) {
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  nlohmann::json j;
  j["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  j["event"] = "access";
  j["plane"] = r.plane;
  j["request_id"] = r.request_id;
  j["method"] = r.method;
  j["path"] = r.path;
  j["status"] = r.status;
  j["duration_us"] = r.duration_us;
  j["bytes_in"] = r.bytes_in;
  j["bytes_out"] = r.bytes_out;
  j["remote"] = r.remote;
  if (!r.principal.empty()) j["principal"] = r.principal;
  if (!r.key_id.empty()) j["key_id"] = r.key_id;
  if (!r.outcome.empty()) j["outcome"] = r.outcome;
  if (!r.trace_id.empty()) {
    j["trace_id"] = r.trace_id;
    j["parent_id"] = r.parent_id;
  }
  if (!r.correlator.empty()) j["correlator"] = r.correlator;
  write_line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace octopus::observability
