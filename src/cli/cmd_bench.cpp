// `ledge bench`: prompt-processing / generation throughput (llama-bench
// style) and this machine's read memory bandwidth (--membw).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "tools/bench.h"
#include "tools/membw.h"

namespace ledge::cli {
namespace {

struct BenchCliOptions {
  tools::BenchOptions bench;
  bool membw = false, json = false;
  int membw_mib = 1024, membw_runs = 5;
};

nlohmann::json throughput_json(const tools::Throughput& t) {
  return {{"mean", t.mean}, {"sd", t.sd}, {"samples", t.samples}};
}

int run_membw(const BenchCliOptions& o) {
  auto r = tools::measure_read_bandwidth(uint64_t(o.membw_mib) << 20, o.bench.n_threads, o.membw_runs);
  if (!r.ok()) return std::fprintf(stderr, "error: %s\n", r.message().c_str()), 1;
  if (o.json) {
    nlohmann::json j{{"membw_gbps", r->best_gbps},
                     {"runs_gbps", r->gbps},
                     {"buffer_bytes", r->buffer_bytes},
                     {"threads", r->n_threads}};
    std::printf("%s\n", j.dump(1).c_str());
  } else {
    std::printf("read bandwidth: %.2f GB/s (best of %zu runs, %d threads, %llu MiB buffer)\n", r->best_gbps,
                r->gbps.size(), r->n_threads, static_cast<unsigned long long>(r->buffer_bytes >> 20));
  }
  return 0;
}

int run(const BenchCliOptions& o) {
  if (o.membw) return run_membw(o);
  if (o.bench.model.empty()) return std::fprintf(stderr, "error: --model is required (or use --membw)\n"), 1;
  auto r = tools::run_bench(o.bench);
  if (!r.ok()) return std::fprintf(stderr, "error: %s\n", r.message().c_str()), 1;
  const auto& b = *r;
  if (o.json) {
    nlohmann::json j{
        {"model", o.bench.model},
        {"model_name", b.model_name},
        {"arch", b.arch},
        {"file_bytes", b.file_bytes},
        {"weight_bytes", b.weight_bytes},
        {"n_params", b.n_params},
        {"n_prompt", o.bench.n_prompt},
        {"n_gen", o.bench.n_gen},
        {"reps", o.bench.reps},
        {"threads_requested", o.bench.n_threads},
        {"threads_used", b.n_threads_applied},
        {"threads_option_supported", b.threads_option_supported},
        {"load_seconds", b.load_seconds},
        {"pp_tokens_per_second", throughput_json(b.pp)},
        {"tg_tokens_per_second", throughput_json(b.tg)},
        {"bytes_per_generated_token", b.bytes_per_token},
        {"tg_weight_read_gbps", b.tg_read_gbps},
        {"peak_rss_bytes", b.peak_rss_bytes},
    };
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  std::printf("model: %s (%s, %s, %.1f M params, %.1f MiB weights)\n", o.bench.model.c_str(), b.model_name.c_str(),
              b.arch.c_str(), double(b.n_params) / 1e6, double(b.weight_bytes) / (1 << 20));
  std::printf("threads: %d requested, %d passed to the engine%s\n", o.bench.n_threads, b.n_threads_applied,
              b.threads_option_supported ? " (EngineOptions::n_threads)"
                                         : " (this engine has no thread option; it runs single-threaded)");
  std::printf("load: %.3f s, peak RSS %.1f MiB\n", b.load_seconds, double(b.peak_rss_bytes) / (1 << 20));
  if (o.bench.n_prompt > 0) std::printf("pp%-4d %10.2f ± %.2f t/s\n", o.bench.n_prompt, b.pp.mean, b.pp.sd);
  if (o.bench.n_gen > 0) {
    std::printf("tg%-4d %10.2f ± %.2f t/s\n", o.bench.n_gen, b.tg.mean, b.tg.sd);
    std::printf("decode reads %.1f MiB of weights per token -> %.2f GB/s\n", double(b.bytes_per_token) / (1 << 20),
                b.tg_read_gbps);
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BenchCliOptions>();
  auto* sub = app.add_subcommand("bench", "Measure prompt/generation throughput, or memory bandwidth (--membw)");
  sub->add_option("-m,--model", o->bench.model, "GGUF model file");
  sub->add_option("-p,--n-prompt", o->bench.n_prompt, "prompt tokens per batch (0: skip)")->check(CLI::Range(0, 1 << 16));
  sub->add_option("-n,--n-gen", o->bench.n_gen, "generated tokens (0: skip)")->check(CLI::Range(0, 1 << 16));
  sub->add_option("-t,--threads", o->bench.n_threads, "threads")->check(CLI::Range(1, 1024));
  sub->add_option("-r,--reps", o->bench.reps, "repetitions after the warm-up")->check(CLI::Range(1, 1000));
  sub->add_flag("--json", o->json, "print JSON");
  sub->add_flag("--membw", o->membw, "measure read memory bandwidth instead (uses -t threads)");
  sub->add_option("--membw-mib", o->membw_mib, "buffer size for --membw")->check(CLI::Range(1, 1 << 16));
  sub->add_option("--membw-runs", o->membw_runs, "runs for --membw (best is reported)")->check(CLI::Range(1, 100));
  sub->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace ledge::cli
