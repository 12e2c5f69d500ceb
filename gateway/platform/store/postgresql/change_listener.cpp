#include "store/postgresql/change_listener.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "observability/log.hpp"
#include "store/postgresql/postgres_connection.hpp"

namespace octopus::store::postgresql {

ChangeListener::ChangeListener(PostgresOptions options, std::vector<std::string> topics,
                               std::function<void(const std::string&)> on_change,
                               std::chrono::milliseconds check_interval)
    : options_(std::move(options)),
      topics_(std::move(topics)),
      on_change_(std::move(on_change)),
      check_interval_(check_interval) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw StoreError("cannot make the change listener's pipe");
  thread_ = std::thread([this] { run(); });
}

ChangeListener::~ChangeListener() {
  const char stop = 's';
  [[maybe_unused]] const auto written = ::write(wake_[1], &stop, 1);
  if (thread_.joinable()) thread_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void ChangeListener::report(const std::string& topic) {
  if (std::find(topics_.begin(), topics_.end(), topic) == topics_.end()) return;
  try {
    on_change_(topic);
  } catch (const std::exception& e) {
    observability::log_error("change_refresh_failed", {{"topic", topic}, {"what", e.what()}});
  }
}

// Waits on the wake pipe alone; false when stop was asked.
bool ChangeListener::sleep_for(std::chrono::milliseconds wait) {
  pollfd fd{wake_[0], POLLIN, 0};
  return ::poll(&fd, 1, static_cast<int>(wait.count())) == 0;
}

void ChangeListener::run() {
  auto backoff = std::chrono::milliseconds(250);
  for (;;) {
    try {
      listen_until_broken();
      return;                            // stop was asked
    } catch (const std::exception& e) {  // a background thread must never end the process
      observability::log_warn("change_listener_disconnected", {{"what", e.what()}});
    }
    if (!sleep_for(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

// Returns when stop is asked; throws StoreError when the connection fails.
void ChangeListener::listen_until_broken() {
  const auto connection = connect_to(options_);
  connection->exec("LISTEN " + std::string(kChangeChannel));
  for (const auto& topic : topics_) report(topic);  // what changed while nobody listened
  auto next_check = std::chrono::steady_clock::now() + check_interval_;
  pg_conn* c = connection->raw();
  for (;;) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_check - std::chrono::steady_clock::now());
    pollfd fds[2] = {{wake_[0], POLLIN, 0}, {PQsocket(c), POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
    if (ready < 0 && errno != EINTR) throw StoreError("the change listener cannot wait on its connection");
    if (fds[0].revents) return;
    std::set<std::string> changed;
    if (fds[1].revents) {
      if (!PQconsumeInput(c)) fail(c, nullptr, "listening for changes");
      while (PGnotify* n = PQnotifies(c)) {
        changed.insert(n->extra);
        PQfreemem(n);
      }
    }
    if (std::chrono::steady_clock::now() >= next_check) {
      changed.insert(topics_.begin(), topics_.end());
      next_check = std::chrono::steady_clock::now() + check_interval_;
    }
    for (const auto& topic : changed) report(topic);
  }
}

}  // namespace octopus::store::postgresql
