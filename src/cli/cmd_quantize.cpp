// `ledge quantize`: llama-quantize's mixes, byte for byte.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "tools/quantize.h"

namespace ledge::cli {
namespace {

struct QuantizeCliOptions {
  std::string in, out, type;
  int threads = 0;
};

int run(const QuantizeCliOptions& o) {
  auto ft = tools::find_file_type(o.type);
  if (!ft)
    return std::fprintf(stderr, "error: unknown type '%s' (expected one of %s)\n", o.type.c_str(),
                        tools::file_type_names().c_str()),
           1;
  const int threads = o.threads > 0 ? o.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  auto t0 = std::chrono::steady_clock::now();
  auto r = tools::quantize_file(o.in, o.out, *ft, threads);
  if (!r.ok()) return std::fprintf(stderr, "error: %s\n", r.message().c_str()), 1;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::map<std::string, int> counts;
  for (const auto& t : r->tensors) ++counts[std::string(gguf::tensor_type_name(t.to))];
  std::string summary;
  for (const auto& [name, n] : counts) summary += (summary.empty() ? "" : ", ") + name + " x" + std::to_string(n);
  std::printf("%s -> %s (%s): %llu -> %llu bytes, tensors: %s, %.2f s\n", o.in.c_str(), o.out.c_str(),
              std::string(ft->name).c_str(), static_cast<unsigned long long>(r->file_bytes_in),
              static_cast<unsigned long long>(r->file_bytes_out), summary.c_str(), s);
  return 0;
}

}  // namespace

void add_quantize_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<QuantizeCliOptions>();
  auto* sub = app.add_subcommand("quantize", "Quantize a GGUF model (same tensor types and bytes as llama-quantize)");
  sub->add_option("input", o->in, "source GGUF (F32/F16/BF16 weights)")->required();
  sub->add_option("output", o->out, "output GGUF")->required();
  sub->add_option("type", o->type, tools::file_type_names())->required();
  sub->add_option("--threads", o->threads, "worker threads (default: all cores)")->check(CLI::Range(0, 1024));
  sub->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace ledge::cli
