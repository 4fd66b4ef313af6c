// ThreadPool: every task runs exactly once per call, on a valid thread
// index, across many consecutive calls and pool sizes; misuse (nested or
// concurrent parallel_for) is reported, not deadlocked on.
#include <gtest/gtest.h>

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

TEST(ThreadPool, RejectsBadArguments) {
  ThreadPool pool(2);
  EXPECT_FALSE(pool.parallel_for(-1, [](int64_t, int) {}).ok());
  EXPECT_FALSE(pool.parallel_for(3, nullptr, nullptr).ok());
  EXPECT_EQ(ThreadPool(0).size(), 1);
  EXPECT_EQ(ThreadPool(1000).size(), 256);
}

}  // namespace
}  // namespace ledge
