// A real redis-server for tests: started on a free loopback port in a private directory,
// no persistence, killed (SIGKILL, as a crash would) or stopped by the test, and restarted
// on the same port so clients can find it again; or paused (SIGSTOP: a partition, calls
// time out) and resumed with its data.
#pragma once
#include <string>

#include <sys/types.h>

namespace octopus::testing {

class RedisServer {
 public:
  RedisServer();  // starts it; throws std::runtime_error when redis-server is missing or fails
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  void kill();     // SIGKILL and wait: an outage, not a shutdown
  void restart();  // on the same port, empty (no persistence)
  void pause();    // SIGSTOP: connections stay open and go unanswered, as across a partition
  void resume();   // SIGCONT: answers again, with everything it held
  bool running() const { return pid_ > 0; }

 private:
  void start();
  int port_ = 0;
  pid_t pid_ = -1;
  std::string dir_;
};

}  // namespace octopus::testing
