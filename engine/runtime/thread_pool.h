// A small fixed-size thread pool passed explicitly to whoever needs it (never a singleton).
// Work is split statically: ParallelFor(n, f) cuts [0, n) into `num_threads()` contiguous ranges
// in a fixed way, so results never depend on timing.
// Thread-safety: ParallelFor may be called from one thread at a time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bgone {

class ThreadPool {
 public:
  // `num_threads` counts the calling thread; 1 (or less) means run everything inline. WebAssembly
  // builds may get fewer: none without -pthread, and at most the free workers of Emscripten's
  // pre-started pool with it (see thread_pool.cc); num_threads() says how many.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) over a static partition of [0, n) into at most num_threads() chunks
  // and waits for all of them. fn must not throw.
  void ParallelFor(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop(int index);

  int num_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  uint64_t generation_ = 0;
  int remaining_ = 0;
  bool stop_ = false;
};

// Runs fn over [0, n) on `pool`, or inline when pool is null.
void ParallelFor(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace bgone
