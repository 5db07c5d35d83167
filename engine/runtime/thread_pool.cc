#include "engine/runtime/thread_pool.h"

#include <algorithm>

#if defined(__EMSCRIPTEN_PTHREADS__)
#include <emscripten/threading.h>

#include <atomic>
#endif

namespace bgone {

namespace {
// Chunk k of n items split into `parts` pieces.
void ChunkRange(int64_t n, int parts, int k, int64_t* begin, int64_t* end) {
  int64_t base = n / parts, extra = n % parts;
  *begin = k * base + std::min<int64_t>(k, extra);
  *end = *begin + base + (k < extra ? 1 : 0);
}

#if defined(__EMSCRIPTEN_PTHREADS__)
// WebAssembly threads are Web Workers from a pool started with the module (PTHREAD_POOL_SIZE in
// wasm/CMakeLists.txt: max(1, min(navigator.hardwareConcurrency, 8) - 1) workers). A thread
// beyond the pool would fail to start (and std::thread aborts without exceptions), so all pools
// share that budget: a pool gets the workers still free, possibly none.
std::atomic<int> free_workers{-1};  // -1: not yet initialised

int PoolSizeOfModule() { return std::max(1, std::min(emscripten_num_logical_cores(), 8) - 1); }

int ReserveWorkers(int wanted) {
  int expected = -1;
  free_workers.compare_exchange_strong(expected, PoolSizeOfModule());
  int free = free_workers.load();
  for (;;) {
    int take = std::clamp(wanted, 0, free);
    if (free_workers.compare_exchange_weak(free, free - take)) return take;
  }
}

void ReleaseWorkers(int n) { free_workers.fetch_add(n); }
#endif

// How many threads (counting the caller) a pool asking for `requested` gets.
int UsableThreads(int requested) {
#if defined(__EMSCRIPTEN_PTHREADS__)
  return 1 + ReserveWorkers(std::max(1, requested) - 1);
#elif defined(__EMSCRIPTEN__)
  // A WebAssembly build without -pthread cannot start threads: everything runs on the caller.
  (void)requested;
  return 1;
#else
  return std::max(1, requested);
#endif
}
}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(UsableThreads(num_threads)) {
  for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
#if defined(__EMSCRIPTEN_PTHREADS__)
  ReleaseWorkers(static_cast<int>(workers_.size()));
#endif
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t, int64_t)>* job;
    int64_t n;
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      n = job_n_;
    }
    int64_t b, e;
    ChunkRange(n, num_threads_, index, &b, &e);
    if (b < e) (*job)(b, e);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--remaining_ == 0) done_cv_.notify_one();
    }
  }
}

void ThreadPool::ParallelFor(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (num_threads_ == 1 || n == 1) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    job_n_ = n;
    remaining_ = num_threads_ - 1;
    ++generation_;
  }
  start_cv_.notify_all();
  int64_t b, e;
  ChunkRange(n, num_threads_, 0, &b, &e);
  if (b < e) fn(b, e);
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return remaining_ == 0; });
  job_ = nullptr;
}

void ParallelFor(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (pool == nullptr) {
    if (n > 0) fn(0, n);
    return;
  }
  pool->ParallelFor(n, fn);
}

}  // namespace bgone
