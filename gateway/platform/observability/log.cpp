#include "observability/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

namespace octopus::observability {

namespace {
std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_mutex;
thread_local std::string_view t_request_id;

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }

RequestLogScope::RequestLogScope(std::string_view request_id) : previous_(t_request_id) { t_request_id = request_id; }

RequestLogScope::~RequestLogScope() { t_request_id = previous_; }

void write_line(std::string_view json_line) {
  std::lock_guard lock(g_mutex);
  std::fwrite(json_line.data(), 1, json_line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void log(LogLevel level, std::string_view event, LogFields fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  nlohmann::json line;
  line["ts"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  line["level"] = level_name(level);
  line["event"] = event;
  if (!t_request_id.empty()) line["request_id"] = t_request_id;
  for (const auto& [k, v] : fields)
    std::visit([&line, key = std::string(k)](const auto& value) { line[key] = value; }, v.value());
  // Replace invalid UTF-8 rather than throw: log text may come from a peer.
  write_line(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace octopus::observability
