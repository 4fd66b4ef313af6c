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
// polls for stragglers before yielding its time slice. Decode calls
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

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::clamp(n_threads, 1, 256)) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker_main(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_tasks(int thread) noexcept {
  const TaskFn fn = fn_;
  void* const ctx = ctx_;
  const int64_t n = n_tasks_;
  t_in_task = true;
  for (int64_t task = next_task_.fetch_add(1, std::memory_order_relaxed); task < n;
       task = next_task_.fetch_add(1, std::memory_order_relaxed))
    fn(ctx, task, thread);
  t_in_task = false;
}

void ThreadPool::worker_main(int thread) noexcept {
  uint64_t seen = 0;
  for (;;) {
    auto fresh = [&] { return generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(fresh, kSpin)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, fresh);
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_relaxed)) return;
    run_tasks(thread);
    pending_workers_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

Status ThreadPool::parallel_for(int64_t n_tasks, TaskFn fn, void* ctx) {
  if (t_in_task)
    return Error{"ThreadPool::parallel_for called from inside a task: nested parallel loops are not supported"};
  if (n_tasks < 0) return Error{"ThreadPool::parallel_for: negative task count " + std::to_string(n_tasks)};
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

  fn_ = fn;
  ctx_ = ctx;
  n_tasks_ = n_tasks;
  next_task_.store(0, std::memory_order_relaxed);
  pending_workers_.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    // Under the mutex so a worker between its predicate check and its wait
    // cannot miss the wake-up.
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();

  run_tasks(0);
  // Workers read the job fields, so the next call may only rewrite them once
  // every worker has finished this one.
  auto all_done = [&] { return pending_workers_.load(std::memory_order_acquire) == 0; };
  while (!spin_until(all_done, kSpin)) std::this_thread::yield();
  busy_.store(false, std::memory_order_release);
  return Status::Ok();
}

}  // namespace ledge
