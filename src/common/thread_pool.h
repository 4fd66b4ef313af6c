// Persistent worker pool for the data-parallel loops of the forward pass
// (e.g. the output rows of a matrix product).
//
//  * n_threads - 1 workers are created once; the calling thread takes part
//    as thread 0, so parallel_for(n, fn) runs fn(task, thread) for every
//    task in [0, n) on threads 0..size()-1 and returns when all have run.
//  * Tasks are claimed dynamically, so uneven tasks balance themselves;
//    callers choose the task granularity (e.g. chunks of rows aligned to
//    cache lines).
//  * The caller waits for *tasks*, never for workers: a worker that has not
//    woken up (or was descheduled) when a job is posted simply finds no task
//    left, and the caller, which claims tasks too, does not wait for it.
//    Claims carry the job's sequence number, so a late worker can never
//    claim a task of a later job with the earlier job's function. This keeps
//    a call cheap when the machine is oversubscribed (a spinning pool that
//    waited for every worker to check in paid a scheduler time slice per
//    call there).
//  * Idle workers spin briefly (consecutive calls in a forward pass are
//    microseconds apart), then sleep on a condition variable; the caller
//    only takes the mutex to wake sleepers when there are any.
//  * No allocation per call: the callable is passed by reference through a
//    function pointer. Exception-free: tasks must not throw (a throwing task
//    terminates the process, as any exception leaving a thread does).
//  * Misuse is reported by value: calling parallel_for from inside a task
//    (nested parallelism), from two threads at once, or with more than
//    2^31 - 1 tasks.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ledge {

class ThreadPool {
 public:
  // n_threads is clamped to [1, 256]; 1 runs everything on the caller.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  using TaskFn = void (*)(void* ctx, int64_t task, int thread);

  // fn(ctx, task, thread) for task in [0, n_tasks).
  Status parallel_for(int64_t n_tasks, TaskFn fn, void* ctx);

  // f(task, thread) for task in [0, n_tasks); f is called by reference.
  template <typename F>
  Status parallel_for(int64_t n_tasks, F&& f) {
    using Fn = std::remove_reference_t<F>;
    return parallel_for(
        n_tasks, [](void* ctx, int64_t task, int thread) { (*static_cast<Fn*>(ctx))(task, thread); },
        const_cast<void*>(static_cast<const void*>(&f)));
  }

 private:
  void worker_main(int thread) noexcept;
  // Claims and runs tasks of job `seq` until none is left.
  void run_tasks(uint32_t seq, int thread) noexcept;

  int n_threads_ = 1;
  std::vector<std::thread> workers_;

  // The current job: written by the caller before `claim_` is set to
  // (seq << 32) and `seq_` published; read by workers after they see seq_.
  // Atomic (relaxed) because a late worker may read them while the next job
  // writes them; such a worker then fails its claim and never calls them.
  std::atomic<TaskFn> fn_{nullptr};
  std::atomic<void*> ctx_{nullptr};
  std::atomic<int64_t> n_tasks_{0};

  alignas(64) std::atomic<uint32_t> seq_{0};     // job sequence number, bumped per job
  alignas(64) std::atomic<uint64_t> claim_{0};   // (seq << 32) | next unclaimed task
  alignas(64) std::atomic<int64_t> done_{0};     // tasks of the current job finished
  alignas(64) std::atomic<int> sleepers_{0};     // workers blocked (or about to) on wake_
  alignas(64) std::atomic<bool> busy_{false};    // a parallel_for is in progress
  std::atomic<bool> stop_{false};                // set once, before the last seq bump

  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace ledge
