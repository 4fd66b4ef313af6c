// `ledge bench`: llama-bench style throughput of a model on this machine.
//  * pp: one batch of n_prompt tokens from an empty cache; t/s = n_prompt / time.
//  * tg: n_gen sequential single-token decodes from an empty cache; t/s = n_gen / total time.
// Each is repeated `reps` times after one warm-up (an 8-token batch and one
// decode, which page the weights in); mean and sample standard deviation
// are reported like llama-bench's avg_ts / stddev_ts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ledge::tools {

struct BenchOptions {
  std::string model;
  int n_prompt = 512;
  int n_gen = 128;
  int n_threads = 2;
  int reps = 3;
};

struct Throughput {
  std::vector<double> samples;  // tokens/second per repetition
  double mean = 0, sd = 0;
};

struct BenchResult {
  std::string arch, model_name;
  uint64_t file_bytes = 0, weight_bytes = 0, n_params = 0;
  uint64_t bytes_per_token = 0;  // weight bytes one decode step reads
  int n_threads_applied = 1;     // threads given to the engine (EngineOptions::n_threads when it exists)
  bool threads_option_supported = false;  // whether EngineOptions has n_threads
  double load_seconds = 0;
  Throughput pp, tg;
  double tg_read_gbps = 0;       // bytes_per_token * tg mean
  uint64_t peak_rss_bytes = 0;
};

Result<BenchResult> run_bench(const BenchOptions& o);

// Mean and sample standard deviation (0 for one sample).
Throughput summarize(std::vector<double> samples);

}  // namespace ledge::tools
