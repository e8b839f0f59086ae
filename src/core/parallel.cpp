#include "tessera/core/parallel.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "tessera/core/check.h"

namespace tessera {

namespace {

thread_local bool t_in_region = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// A pool of (threads - 1) workers; the calling thread runs chunk 0. Workers spin briefly on the
// job counter before sleeping, because a training step issues many short parallel loops and a
// futex wake-up per loop would cost more than the loop.
class Pool {
 public:
  explicit Pool(int threads) { start(threads); }
  ~Pool() { stop(); }

  int threads() const { return threads_; }

  void resize(int threads) {
    stop();
    start(threads);
  }

  void run(int chunks, const std::function<void(int)>& chunk_fn) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // one job at a time
    job_ = &chunk_fn;
    job_chunks_ = chunks;
    error_ = nullptr;
    // Every worker acknowledges every job, even one without a chunk for it, so no worker can
    // still be looking at this job's fields when the next job writes them.
    pending_.store(threads_ - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    run_chunk(0);
    // The other chunks finish within microseconds of this one: spin (a yield is a system call),
    // yielding only after a while, for when there are more threads than free cores.
    for (int spins = 0; pending_.load(std::memory_order_acquire) > 0; ++spins) {
      if (spins < 4096) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
    }
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void start(int threads) {
    threads_ = threads;
    stopping_ = false;
    // The generation is read here, not in the new thread: a job posted before the thread first
    // runs must still count as new to it.
    const uint64_t seen = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, seen] { work(i, seen); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void run_chunk(int chunk) {
    if (chunk >= job_chunks_) return;
    t_in_region = true;
    try {
      (*job_)(chunk);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    t_in_region = false;
  }

  void work(int index, uint64_t seen) {
    for (;;) {
      // Spin about 200 microseconds for the next job (reading the clock only now and then),
      // then sleep until woken.
      const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      for (int i = 1; generation_.load(std::memory_order_acquire) == seen; ++i) {
        cpu_relax();
        if (i % 64 == 0 && std::chrono::steady_clock::now() >= spin_until) break;
      }
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stopping_.load(std::memory_order_acquire)) return;
      run_chunk(index);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  const std::function<void(int)>* job_ = nullptr;
  int job_chunks_ = 0;
  std::exception_ptr error_;
};

int default_threads() {
  if (const char* env = std::getenv("TESSERA_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1) return n;
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Pool& pool() {
  static Pool instance = [] {
    openblas_set_num_threads(1);
    return Pool(default_threads());
  }();
  return instance;
}

}  // namespace

int num_threads() { return pool().threads(); }

void set_num_threads(int n) {
  TESSERA_CHECK(n >= 1, "thread count must be at least 1, got {}", n);
  TESSERA_CHECK(!t_in_region, "set_num_threads inside a parallel region");
  if (n != pool().threads()) pool().resize(n);
}

bool in_parallel_region() { return t_in_region; }

void parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                  int64_t min_chunk) {
  if (n <= 0) return;
  const int64_t max_chunks = std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk));
  const int chunks =
      t_in_region ? 1 : static_cast<int>(std::min<int64_t>(pool().threads(), max_chunks));
  if (chunks == 1) {
    fn(0, n, 0);
    return;
  }
  const std::function<void(int)> chunk_fn = [&](int chunk) {
    const int64_t begin = n * chunk / chunks;
    const int64_t end = n * (chunk + 1) / chunks;
    fn(begin, end, chunk);
  };
  pool().run(chunks, chunk_fn);
}

void parallel_for_dynamic(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn,
                          int64_t grain) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (t_in_region || n <= grain) {
    fn(0, n, 0);
    return;
  }
  std::atomic<int64_t> next{0};
  const int64_t threads = std::min<int64_t>(num_threads(), (n + grain - 1) / grain);
  parallel_for(
      threads,
      [&](int64_t, int64_t, int thread) {
        for (;;) {
          const int64_t begin = next.fetch_add(grain, std::memory_order_relaxed);
          if (begin >= n) return;
          fn(begin, std::min(n, begin + grain), thread);
        }
      },
      1);
}

}  // namespace tessera
