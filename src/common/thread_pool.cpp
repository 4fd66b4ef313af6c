#include "common/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ledge {
namespace {

// Set while a thread runs a task of some pool: parallel_for from there is
// nested use, which would deadlock (the pool's threads are all busy).
thread_local bool t_in_task = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long an idle worker polls before sleeping, and how long the caller
// polls for a straggling task before yielding its time slice. Decode calls
// parallel_for a few hundred times per token, microseconds apart.
constexpr auto kSpin = std::chrono::microseconds(200);

template <typename Done>
bool spin_until(Done done, std::chrono::microseconds budget) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() - start > budget) return done();
  }
}

constexpr uint64_t kTaskMask = 0xffffffffu;

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::clamp(n_threads, 1, 256)) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker_main(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true, std::memory_order_relaxed);
    seq_.fetch_add(1, std::memory_order_seq_cst);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_tasks(uint32_t seq, int thread) noexcept {
  // Acquire: if any of these is already the *next* job's value, the
  // invalidation of claim_ that preceded it is visible too, so the claim
  // below fails and the mixed fields are never used.
  const TaskFn fn = fn_.load(std::memory_order_acquire);
  void* const ctx = ctx_.load(std::memory_order_acquire);
  const auto n = static_cast<uint64_t>(n_tasks_.load(std::memory_order_acquire));
  const uint64_t tag = uint64_t(seq) << 32;
  t_in_task = true;
  uint64_t cur = claim_.load(std::memory_order_acquire);
  for (;;) {
    // Only a claim word of this job with a task left is ours to take; the
    // job fields read above belong to it whenever that holds (they are
    // rewritten only after all its tasks are claimed and done).
    if ((cur & ~kTaskMask) != tag || (cur & kTaskMask) >= n) break;
    if (!claim_.compare_exchange_weak(cur, cur + 1, std::memory_order_acquire, std::memory_order_acquire)) continue;
    fn(ctx, static_cast<int64_t>(cur & kTaskMask), thread);
    done_.fetch_add(1, std::memory_order_release);
    cur = claim_.load(std::memory_order_acquire);
  }
  t_in_task = false;
}

void ThreadPool::worker_main(int thread) noexcept {
  uint32_t seen = 0;
  for (;;) {
    auto fresh = [&] { return seq_.load(std::memory_order_seq_cst) != seen; };
    if (!spin_until(fresh, kSpin)) {
      std::unique_lock<std::mutex> lock(mutex_);
      // Announced before the re-check, so a caller publishing after that
      // check sees a sleeper and wakes it (both are seq_cst).
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, fresh);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    seen = seq_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_relaxed)) return;
    run_tasks(seen, thread);
  }
}

Status ThreadPool::parallel_for(int64_t n_tasks, TaskFn fn, void* ctx) {
  if (t_in_task)
    return Error{"ThreadPool::parallel_for called from inside a task: nested parallel loops are not supported"};
  if (n_tasks < 0) return Error{"ThreadPool::parallel_for: negative task count " + std::to_string(n_tasks)};
  if (n_tasks > int64_t(0x7fffffff))
    return Error{"ThreadPool::parallel_for: " + std::to_string(n_tasks) + " tasks (at most 2^31 - 1 per call)"};
  if (fn == nullptr) return Error{"ThreadPool::parallel_for: null task function"};
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true, std::memory_order_acquire))
    return Error{"ThreadPool::parallel_for called from two threads at once; one pool serves one caller at a time"};

  if (n_threads_ == 1 || n_tasks <= 1) {
    t_in_task = true;
    for (int64_t task = 0; task < n_tasks; ++task) fn(ctx, task, 0);
    t_in_task = false;
    busy_.store(false, std::memory_order_release);
    return Status::Ok();
  }

  // Every task of the previous job is claimed and done (we waited for
  // that). A late worker may still be about to claim with that job's tag:
  // first move claim_ to the new tag with no task left, then rewrite the job
  // fields (release: whoever sees a new field value sees this move), then
  // open the tasks.
  const uint32_t seq = seq_.load(std::memory_order_relaxed) + 1;
  claim_.store((uint64_t(seq) << 32) | kTaskMask, std::memory_order_relaxed);
  fn_.store(fn, std::memory_order_release);
  ctx_.store(ctx, std::memory_order_release);
  n_tasks_.store(n_tasks, std::memory_order_release);
  done_.store(0, std::memory_order_relaxed);
  claim_.store(uint64_t(seq) << 32, std::memory_order_release);
  seq_.store(seq, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    // Under the mutex so a worker between its predicate check and its wait
    // cannot miss the wake-up.
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }

  run_tasks(seq, 0);
  // All tasks are claimed; wait until the ones other threads took are done.
  auto all_done = [&] { return done_.load(std::memory_order_acquire) == n_tasks; };
  while (!spin_until(all_done, kSpin)) std::this_thread::yield();
  busy_.store(false, std::memory_order_release);
  return Status::Ok();
}

}  // namespace ledge
