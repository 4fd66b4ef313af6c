#include "tools/bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "runtime/engine.h"

namespace ledge::tools {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Wires the thread count into the engine when its options have a field for
// it (the thread pool lands separately); reports whether it could.
template <typename Options>
bool set_threads(Options& eo, int n) {
  if constexpr (requires { eo.n_threads = n; }) {
    eo.n_threads = n;
    return true;
  } else {
    return false;
  }
}

// Weight bytes one decode step reads: every tensor once, except that an
// untied token_embd contributes only the looked-up row.
uint64_t bytes_per_decode(const gguf::File& f) {
  uint64_t total = 0;
  const bool untied = f.find_tensor("output.weight") != nullptr;
  for (const auto& t : f.tensors()) {
    if (untied && t.name == "token_embd.weight") total += t.ne[1] ? t.n_bytes / t.ne[1] : 0;
    else total += t.n_bytes;
  }
  return total;
}

// Deterministic, valid, varied ids (content does not affect speed).
std::vector<int32_t> bench_tokens(int n, int32_t n_vocab) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ids[size_t(i)] = int32_t((int64_t(i) * 7919 + 13) % n_vocab);
  return ids;
}

Result<double> time_prompt(runtime::Engine& e, const std::vector<int32_t>& ids) {
  auto seq = e.new_sequence();
  if (!seq.ok()) return seq.status();
  auto t0 = Clock::now();
  auto r = e.feed(*seq, ids);
  double s = seconds_since(t0);
  e.free_sequence(*seq);
  if (!r.ok()) return r.status();
  return s;
}

Result<double> time_decode(runtime::Engine& e, const std::vector<int32_t>& ids) {
  auto seq = e.new_sequence();
  if (!seq.ok()) return seq.status();
  auto t0 = Clock::now();
  for (int32_t id : ids) {
    auto r = e.feed(*seq, std::span<const int32_t>(&id, 1));
    if (!r.ok()) {
      e.free_sequence(*seq);
      return r.status();
    }
  }
  double s = seconds_since(t0);
  e.free_sequence(*seq);
  return s;
}

}  // namespace

Throughput summarize(std::vector<double> samples) {
  Throughput t;
  t.samples = std::move(samples);
  if (t.samples.empty()) return t;
  double sum = 0;
  for (double x : t.samples) sum += x;
  t.mean = sum / double(t.samples.size());
  if (t.samples.size() > 1) {
    double ss = 0;
    for (double x : t.samples) ss += (x - t.mean) * (x - t.mean);
    t.sd = std::sqrt(ss / double(t.samples.size() - 1));
  }
  return t;
}

Result<BenchResult> run_bench(const BenchOptions& o) {
  if (o.n_prompt < 0 || o.n_gen < 0 || (o.n_prompt == 0 && o.n_gen == 0))
    return Error{"nothing to measure: -p and -n must be >= 0 and not both 0"};
  if (o.reps < 1) return Error{"-r must be >= 1"};
  if (o.n_threads < 1) return Error{"-t must be >= 1"};

  runtime::EngineOptions eo;
  eo.n_ctx = std::max({o.n_prompt, o.n_gen, 8}) + 1;
  eo.max_batch = std::max({o.n_prompt, 8});
  BenchResult r;
  r.threads_option_supported = set_threads(eo, o.n_threads);
  r.n_threads_applied = r.threads_option_supported ? o.n_threads : 1;

  auto t0 = Clock::now();
  auto engine = runtime::Engine::load(o.model, eo);
  if (!engine.ok()) return Error{o.model + ": " + engine.message()};
  r.load_seconds = seconds_since(t0);
  runtime::Engine& e = **engine;
  const gguf::File& f = e.model().file();
  r.arch = e.hparams().arch;
  if (auto n = f.get_string("general.name"); n.ok()) r.model_name = *n;
  r.file_bytes = f.file_size();
  r.weight_bytes = e.model().weight_bytes();
  for (const auto& t : f.tensors()) r.n_params += t.n_elements;
  r.bytes_per_token = bytes_per_decode(f);

  const int32_t n_vocab = e.n_vocab();
  // Warm-up: pages the weights in and lets the allocator settle.
  if (auto w = time_prompt(e, bench_tokens(8, n_vocab)); !w.ok()) return w.status();
  if (auto w = time_decode(e, bench_tokens(1, n_vocab)); !w.ok()) return w.status();

  std::vector<double> pp, tg;
  const auto prompt = bench_tokens(o.n_prompt, n_vocab), gen = bench_tokens(o.n_gen, n_vocab);
  for (int rep = 0; rep < o.reps; ++rep) {
    if (o.n_prompt > 0) {
      auto s = time_prompt(e, prompt);
      if (!s.ok()) return s.status();
      pp.push_back(double(o.n_prompt) / *s);
    }
    if (o.n_gen > 0) {
      auto s = time_decode(e, gen);
      if (!s.ok()) return s.status();
      tg.push_back(double(o.n_gen) / *s);
    }
  }
  r.pp = summarize(std::move(pp));
  r.tg = summarize(std::move(tg));
  r.tg_read_gbps = double(r.bytes_per_token) * r.tg.mean / 1e9;
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) r.peak_rss_bytes = uint64_t(ru.ru_maxrss) * 1024;  // Linux: KiB
  return r;
}

}  // namespace ledge::tools
