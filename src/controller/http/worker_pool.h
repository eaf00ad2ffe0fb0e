#pragma once

// A fixed number of threads that run queued jobs, with a bounded queue: when it is full, TryPost
// says so at once instead of queueing without end, and the HTTP server answers 503 with
// Retry-After. The REST handlers block on the store, so they run here, never on the server's I/O
// thread (HttpServer has one pool for reads and one for changes). Owned by HttpServer; TryPost
// may be called from any thread.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hostplane::controller::http {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t queue_capacity);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues job; false (job dropped) when queue_capacity jobs already wait or the pool stopped.
  [[nodiscard]] bool TryPost(std::function<void()> job);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

  size_t threads() const { return threads_.size(); }
  size_t queued() const;
  size_t busy() const;

 private:
  void Run();

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hostplane::controller::http
