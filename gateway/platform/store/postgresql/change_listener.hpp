// Hears what other instances change in the shared database: LISTEN on the change channel
// (PooledConnection::announce sends NOTIFY), so a change reaches every instance within
// milliseconds. A notification sent while this connection was down is lost, so after each
// (re)connect, and every `check_interval` in any case, every topic is reported as changed:
// the periodic check bounds how stale an instance can be when notifications fail.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/postgresql/postgres_database.hpp"

namespace octopus::store::postgresql {

class ChangeListener {
 public:
  // `on_change(topic)` runs on the listener's thread, for the `topics` listed only; its
  // exceptions are logged and dropped.
  ChangeListener(PostgresOptions options, std::vector<std::string> topics,
                 std::function<void(const std::string&)> on_change, std::chrono::milliseconds check_interval);
  ~ChangeListener();  // stops and joins the thread
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

 private:
  void run();
  void listen_until_broken();
  void report(const std::string& topic);
  bool sleep_for(std::chrono::milliseconds wait);  // false when stopping

  PostgresOptions options_;
  std::vector<std::string> topics_;
  std::function<void(const std::string&)> on_change_;
  std::chrono::milliseconds check_interval_;
  int wake_[2] = {-1, -1};  // a pipe: writing to it ends the wait on the socket
  std::thread thread_;
};

}  // namespace octopus::store::postgresql
