// Read memory bandwidth of this machine: several threads stream through a
// buffer much larger than the last-level cache, summing 64-bit words. The
// figure bounds single-token decode speed (every weight is read once per
// token), so `ledge bench` reports decode as a fraction of it.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"

namespace ledge::tools {

struct MemBwResult {
  uint64_t buffer_bytes = 0;
  int n_threads = 0;
  std::vector<double> gbps;  // one per run, 1 GB = 1e9 bytes
  double best_gbps = 0;
};

Result<MemBwResult> measure_read_bandwidth(uint64_t buffer_bytes, int n_threads, int runs);

}  // namespace ledge::tools
