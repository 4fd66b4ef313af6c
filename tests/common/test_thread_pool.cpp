// ThreadPool: every task runs exactly once per call, on a valid thread
// index, across many consecutive calls and pool sizes; misuse (nested or
// concurrent parallel_for) is reported, not deadlocked on.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/thread_pool.h"

namespace ledge {
namespace {

TEST(ThreadPool, EveryTaskRunsOnceAcrossManyCalls) {
  for (int n_threads = 1; n_threads <= 4; ++n_threads) {
    ThreadPool pool(n_threads);
    EXPECT_EQ(pool.size(), n_threads);
    std::vector<std::atomic<int>> hits(1000);
    for (int call = 0; call < 500; ++call) {
      const int64_t n = call % 97;  // includes 0 and 1 task
      std::atomic<int> bad_thread{0};
      ASSERT_TRUE(pool.parallel_for(n, [&](int64_t task, int thread) {
                        if (thread < 0 || thread >= n_threads) bad_thread.fetch_add(1);
                        hits[size_t(task)].fetch_add(1, std::memory_order_relaxed);
                      }).ok());
      ASSERT_EQ(bad_thread.load(), 0);
      for (int64_t t = 0; t < n; ++t) ASSERT_EQ(hits[size_t(t)].exchange(0), 1) << "call " << call << " task " << t;
      for (int64_t t = n; t < 97; ++t) ASSERT_EQ(hits[size_t(t)].load(), 0);
    }
  }
}

TEST(ThreadPool, ResultsAreVisibleToTheCallerAfterReturn) {
  ThreadPool pool(4);
  std::vector<int64_t> out(4096);
  for (int call = 1; call <= 200; ++call) {
    ASSERT_TRUE(pool.parallel_for(int64_t(out.size()), [&](int64_t task, int) { out[size_t(task)] = task * call; }).ok());
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], int64_t(i) * call);
  }
}

TEST(ThreadPool, WorkersShareTheLoad) {
  ThreadPool pool(2);
  std::atomic<int> on_worker{0};
  // Tasks that take a while, so the worker certainly wakes and claims some.
  ASSERT_TRUE(pool.parallel_for(64, [&](int64_t, int thread) {
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                    if (thread == 1) on_worker.fetch_add(1);
                  }).ok());
  EXPECT_GT(on_worker.load(), 0);
}

TEST(ThreadPool, WakesAfterSleeping) {
  ThreadPool pool(3);
  std::atomic<int> sum{0};
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // past the spin phase
    ASSERT_TRUE(pool.parallel_for(100, [&](int64_t task, int) { sum.fetch_add(int(task)); }).ok());
  }
  EXPECT_EQ(sum.load(), 3 * 4950);
}

TEST(ThreadPool, NestedCallIsReported) {
  for (int n_threads : {1, 3}) {
    ThreadPool pool(n_threads);
    std::atomic<int> nested_errors{0};
    ASSERT_TRUE(pool.parallel_for(8, [&](int64_t, int) {
                      const Status s = pool.parallel_for(4, [](int64_t, int) {});
                      if (!s.ok() && s.message().find("nested") != std::string::npos) nested_errors.fetch_add(1);
                    }).ok());
    EXPECT_EQ(nested_errors.load(), 8);
    // The pool still works afterwards.
    std::atomic<int> n{0};
    ASSERT_TRUE(pool.parallel_for(10, [&](int64_t, int) { n.fetch_add(1); }).ok());
    EXPECT_EQ(n.load(), 10);
  }
}

TEST(ThreadPool, ConcurrentCallersAreReported) {
  ThreadPool pool(2);
  std::atomic<bool> inside{false}, release{false};
  std::thread first([&] {
    EXPECT_TRUE(pool.parallel_for(1, [&](int64_t, int) {
                      inside = true;
                      while (!release) std::this_thread::yield();
                    }).ok());
  });
  while (!inside) std::this_thread::yield();
  const Status s = pool.parallel_for(4, [](int64_t, int) {});
  release = true;
  first.join();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("two threads"), std::string::npos) << s.message();
}

// More threads than cores, so workers are often descheduled and wake up
// late, after the caller finished a job alone and posted the next one. Jobs
// alternate between two task functions with different task counts and
// contexts: a late worker that ran a task with the wrong job's function,
// context or count would index out of range or miscount.
TEST(ThreadPool, LateWorkersNeverMixJobs) {
  const int n_threads = int(std::max(4u, 2 * std::thread::hardware_concurrency()));
  ThreadPool pool(n_threads);
  struct Job {
    int id = 0;
    std::vector<std::atomic<int>> runs;
    std::atomic<int> errors{0};
    explicit Job(size_t n) : runs(n) {}
  };
  for (int call = 0; call < 4000; ++call) {
    const int64_t n = 1 + (call * 7) % 23 + (call % 2) * 20;
    Job job{static_cast<size_t>(n)};
    job.id = call;
    auto count = [&](int64_t task, int thread) {
      if (task < 0 || task >= int64_t(job.runs.size()) || thread < 0 || thread >= n_threads || job.id != call)
        job.errors.fetch_add(1);
      else
        job.runs[size_t(task)].fetch_add(1);
    };
    auto count_twice = [&](int64_t task, int) {  // another function, other jobs
      if (task < 0 || task >= int64_t(job.runs.size()) || job.id != call)
        job.errors.fetch_add(1);
      else
        job.runs[size_t(task)].fetch_add(2);
    };
    const Status s = call % 2 ? pool.parallel_for(n, count) : pool.parallel_for(n, count_twice);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(job.errors.load(), 0) << "call " << call;
    for (int64_t t = 0; t < n; ++t) ASSERT_EQ(job.runs[size_t(t)].load(), call % 2 ? 1 : 2) << "call " << call << " task " << t;
  }
}

TEST(ThreadPool, RejectsBadArguments) {
  ThreadPool pool(2);
  EXPECT_FALSE(pool.parallel_for(-1, [](int64_t, int) {}).ok());
  EXPECT_FALSE(pool.parallel_for(3, nullptr, nullptr).ok());
  EXPECT_FALSE(pool.parallel_for(int64_t(1) << 31, [](int64_t, int) {}).ok());
  EXPECT_EQ(ThreadPool(0).size(), 1);
  EXPECT_EQ(ThreadPool(1000).size(), 256);
}

}  // namespace
}  // namespace ledge
