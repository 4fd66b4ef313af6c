#include "tools/membw.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <new>
#include <thread>

namespace ledge::tools {
namespace {

volatile uint64_t g_sink = 0;

// Four independent accumulators keep several loads in flight per thread.
uint64_t sum_words(const uint64_t* p, uint64_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  uint64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i) a += p[i];
  return a + b + c + d;
}

}  // namespace

Result<MemBwResult> measure_read_bandwidth(uint64_t buffer_bytes, int n_threads, int runs) {
  if (buffer_bytes < (uint64_t{1} << 20)) return Error{"membw: buffer must be at least 1 MiB"};
  if (n_threads < 1 || runs < 1) return Error{"membw: threads and runs must be positive"};
  const uint64_t words = buffer_bytes / sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> buf(new (std::nothrow) uint64_t[words]);
  if (!buf) return Error{"membw: cannot allocate " + std::to_string(buffer_bytes) + " bytes"};
  // Touch every page (non-zero so no page is the shared zero page).
  for (uint64_t i = 0; i < words; ++i) buf[i] = i * 0x9E3779B97F4A7C15ull;

  MemBwResult r;
  r.buffer_bytes = words * sizeof(uint64_t);
  r.n_threads = n_threads;
  std::vector<uint64_t> sums(static_cast<size_t>(n_threads));
  for (int run = 0; run < runs; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> th;
    for (int k = 0; k < n_threads; ++k) {
      th.emplace_back([&, k] {
        uint64_t a = words * uint64_t(k) / uint64_t(n_threads), b = words * uint64_t(k + 1) / uint64_t(n_threads);
        sums[size_t(k)] = sum_words(buf.get() + a, b - a);
      });
    }
    for (auto& t : th) t.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.gbps.push_back(double(r.buffer_bytes) / s / 1e9);
  }
  // Publishing the sums keeps the reads from being optimised away.
  uint64_t total = 0;
  for (uint64_t s : sums) total += s;
  g_sink = total;
  r.best_gbps = *std::max_element(r.gbps.begin(), r.gbps.end());
  return r;
}

}  // namespace ledge::tools
