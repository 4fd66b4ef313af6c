// `ledge perplexity`: perplexity of a text file, scored as llama.cpp's
// perplexity tool does by default (see runtime/perplexity.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "runtime/perplexity.h"
#include "tokenizer/tokenizer.h"

namespace ledge::cli {
namespace {

struct PplOptions {
  std::string model, file, kv_type = "f16";
  int32_t ctx = 512;
};

int run(const PplOptions& o) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return std::fprintf(stderr, "error: cannot read %s\n", o.file.c_str()), 1;
  std::stringstream ss;
  ss << in.rdbuf();
  runtime::EngineOptions eo;
  eo.n_ctx = o.ctx;
  auto kv = parse_kv_type(o.kv_type);
  if (!kv.ok()) return std::fprintf(stderr, "error: %s\n", kv.message().c_str()), 1;
  eo.kv_type = *kv;
  auto engine = runtime::Engine::load(o.model, eo);
  if (!engine.ok()) return std::fprintf(stderr, "error: %s\n", engine.message().c_str()), 1;
  auto tok = tokenizer::Tokenizer::from_gguf((*engine)->model().file());
  if (!tok.ok()) return std::fprintf(stderr, "error: %s\n", tok.message().c_str()), 1;
  auto ids = (*tok)->encode(ss.str(), /*add_special=*/true, /*parse_special=*/false);
  if (!ids.ok()) return std::fprintf(stderr, "error: %s\n", ids.message().c_str()), 1;
  const int32_t bos = (*tok)->special().bos >= 0 ? (*tok)->special().bos : (*ids)[0];
  std::fprintf(stderr, "%zu tokens, %zu chunks of %d\n", ids->size(), ids->size() / size_t(o.ctx), o.ctx);
  auto r = runtime::perplexity(**engine, *ids, o.ctx, bos, [](int c, double ppl) {
    std::fprintf(stderr, "[%d]%.4f ", c + 1, ppl);
  });
  std::fprintf(stderr, "\n");
  if (!r.ok()) return std::fprintf(stderr, "error: %s\n", r.message().c_str()), 1;
  std::printf("PPL = %.4f +/- %.5f (%d chunks, %lld scored tokens)\n", r->ppl, r->ppl_stderr, r->n_chunks,
              static_cast<long long>(r->n_scored));
  return 0;
}

}  // namespace

void add_perplexity_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<PplOptions>();
  auto* sub = app.add_subcommand("perplexity", "Perplexity of a text file (non-overlapping windows)");
  sub->add_option("-m,--model", o->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  sub->add_option("-f,--file", o->file, "text file")->required()->check(CLI::ExistingFile);
  sub->add_option("-c,--ctx", o->ctx, "window size")->check(CLI::Range(4, 1 << 20));
  sub->add_option("--kv-type", o->kv_type, "KV cache type")->check(CLI::IsMember({"f16", "f32"}));
  sub->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace ledge::cli
