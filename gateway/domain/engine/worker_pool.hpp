// A fixed set of threads answering engine calls, so a caller (an I/O thread) never computes
// a count itself; the queue is bounded so an overloaded engine says so instead of letting
// answers arrive after their callers have given up.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace octopus::engine {

class WorkerPool {
 public:
  WorkerPool(unsigned threads, std::size_t max_queued);
  // Finishes the queued tasks, then joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // false (and the task is not run) when max_queued tasks are already waiting.
  bool submit(std::function<void()> task);

 private:
  void run();

  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace octopus::engine
