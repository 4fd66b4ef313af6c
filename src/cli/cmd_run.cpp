// `ledge run`: prompt -> streamed text with a real model.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <string>

#include "cli/commands.h"
#include "cli/options.h"
#include "runtime/generate.h"
#include "template/template.h"
#include "tokenizer/tokenizer.h"

namespace ledge::cli {
namespace {

struct RunOptions {
  std::string model, prompt, kv_type = "f16";
  int32_t n_predict = 128, ctx = 0, top_k = 40;
  float temp = 0.8f, top_p = 0.95f, min_p = 0.05f, repeat_penalty = 1.0f;
  uint64_t seed = 0xC0FFEE;
  bool chat = false, stats = false;
  std::vector<std::string> stop;
};

// Local time as "YYYY-MM-DDTHH:MM:SS" for templates that print today's date.
std::string current_time_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

int run(const RunOptions& o) {
  runtime::EngineOptions eo;
  eo.n_ctx = o.ctx;
  auto kv = parse_kv_type(o.kv_type);
  if (!kv.ok()) return std::fprintf(stderr, "error: %s\n", kv.message().c_str()), 1;
  eo.kv_type = *kv;
  auto engine = runtime::Engine::load(o.model, eo);
  if (!engine.ok()) return std::fprintf(stderr, "error: %s\n", engine.message().c_str()), 1;
  auto tok = tokenizer::Tokenizer::from_gguf((*engine)->model().file());
  if (!tok.ok()) return std::fprintf(stderr, "error: %s: %s\n", o.model.c_str(), tok.message().c_str()), 1;

  std::string text = o.prompt;
  bool parse_special = false;
  if (o.chat) {
    auto tmpl = (*engine)->model().file().get_string("tokenizer.chat_template");
    if (!tmpl.ok()) return std::fprintf(stderr, "error: --chat: the model has no chat template\n"), 1;
    tmpl::ChatInputs in;
    in.messages = nlohmann::json::array({{{"role", "user"}, {"content", o.prompt}}});
    in.add_generation_prompt = true;
    const auto& sp = (*tok)->special();
    in.bos_token = sp.bos >= 0 ? (*tok)->token_to_piece(sp.bos) : "";
    in.eos_token = sp.eos >= 0 ? (*tok)->token_to_piece(sp.eos) : "";
    in.now = current_time_iso();
    auto rendered = tmpl::render_chat(*tmpl, in);
    if (!rendered.ok()) return std::fprintf(stderr, "error: chat template: %s\n", rendered.message().c_str()), 1;
    text = *rendered;
    parse_special = true;  // the template spells control tokens as text
  }
  auto ids = (*tok)->encode(text, /*add_special=*/true, parse_special);
  if (!ids.ok()) return std::fprintf(stderr, "error: %s\n", ids.message().c_str()), 1;

  runtime::GenerateRequest req;
  req.prompt = *ids;
  req.max_tokens = o.n_predict;
  req.stop = o.stop;
  req.sampling.temperature = o.temp;
  req.sampling.top_k = o.top_k;
  req.sampling.top_p = o.top_p;
  req.sampling.min_p = o.min_p;
  req.sampling.repeat_penalty = o.repeat_penalty;
  req.sampling.seed = o.seed;
  if (!o.chat) std::fputs(o.prompt.c_str(), stdout);
  auto r = runtime::generate(**engine, **tok, req, [](std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputc('\n', stdout);
  if (!r.ok()) return std::fprintf(stderr, "error: %s\n", r.message().c_str()), 1;
  if (o.stats) {
    const size_t n = r->tokens.size();
    std::fprintf(stderr, "prompt: %d tokens in %.3f s (%.1f tok/s); generated: %zu tokens in %.3f s (%.1f tok/s); finish: %s\n",
                 r->n_prompt, r->prompt_seconds, r->n_prompt / std::max(1e-9, r->prompt_seconds), n,
                 r->generate_seconds, n > 1 ? double(n - 1) / std::max(1e-9, r->generate_seconds) : 0.0,
                 runtime::finish_reason_name(r->finish));
  }
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Generate text from a prompt with a GGUF model");
  sub->add_option("-m,--model", o->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  sub->add_option("-p,--prompt", o->prompt, "prompt text")->required();
  sub->add_option("-n,--n-predict", o->n_predict, "tokens to generate")->check(CLI::Range(0, 1 << 20));
  sub->add_option("--temp", o->temp, "temperature (0 = greedy)");
  sub->add_option("--top-k", o->top_k, "top-k (0 = off)");
  sub->add_option("--top-p", o->top_p, "top-p (1 = off)");
  sub->add_option("--min-p", o->min_p, "min-p (0 = off)");
  sub->add_option("--repeat-penalty", o->repeat_penalty, "repetition penalty (1 = off)");
  sub->add_option("--seed", o->seed, "sampling seed");
  sub->add_option("-c,--ctx", o->ctx, "context size (0 = model's, capped at 4096)")->check(CLI::Range(0, 1 << 20));
  sub->add_option("--kv-type", o->kv_type, "KV cache type")->check(CLI::IsMember({"f16", "f32"}));
  sub->add_option("--stop", o->stop, "stop string (repeatable)");
  sub->add_flag("--chat", o->chat, "apply the model's chat template to the prompt");
  sub->add_flag("--stats", o->stats, "print timing to stderr");
  sub->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace ledge::cli
