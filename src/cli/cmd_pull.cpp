// `ledge pull hf://OWNER/REPO[@REVISION]/FILE.gguf`: downloads a model from
// Hugging Face into the models directory that `ledge serve --model NAME`
// searches. Progress bar on a terminal, a line every few seconds otherwise.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include "cli/commands.h"
#include "pull/hf_pull.h"
#include "pull/model_store.h"

namespace ledge::cli {
namespace {

struct PullArgs {
  std::string uri;
  std::string models_dir;
  std::string sha256;
  std::string endpoint;  // hidden: a local test server instead of huggingface.co
  bool force = false;
  bool quiet = false;
};

std::string mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
  return buf;
}

// Throttled progress output: a redrawn bar on a TTY, plain lines elsewhere.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}
  void operator()(const pull::Progress& p) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const auto gap = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (p.total > 0) total_ = p.total;
    if (!p.final && now - last_ < gap) return;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? double(p.done - first_done_) / secs : 0;
    if (first_ < 0) first_ = 0, first_done_ = p.done;
    last_ = now;
    std::string line;
    if (total_ > 0) {
      const double frac = std::min(1.0, double(p.done) / double(total_));
      if (tty_) {
        const int width = 30, fill = int(frac * width);
        line = "[" + std::string(size_t(fill), '#') + std::string(size_t(width - fill), '.') + "] ";
      }
      char pct[16];
      std::snprintf(pct, sizeof pct, "%5.1f%% ", 100 * frac);
      line += pct + mib(p.done) + " / " + mib(total_);
    } else {
      line += mib(p.done);
    }
    line += "  " + mib(int64_t(rate)) + "/s";
    if (tty_) {
      std::fprintf(stderr, "\r%-80s", line.c_str());
      if (p.final) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "ledge pull: %s\n", line.c_str());
    }
    std::fflush(stderr);
  }

 private:
  bool quiet_, tty_;
  int64_t total_ = -1, first_ = -1, first_done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
};

int run_pull(const PullArgs& a) {
  auto ref = pull::parse_hf_uri(a.uri);
  if (!ref.ok()) return std::fprintf(stderr, "error: %s\n", ref.message().c_str()), 2;
  auto dir = pull::models_dir(a.models_dir);
  if (!dir.ok()) return std::fprintf(stderr, "error: %s\n", dir.message().c_str()), 2;
  pull::PullOptions o;
  o.models_dir = *dir;
  o.sha256 = a.sha256;
  o.force = a.force;
  if (!a.endpoint.empty()) o.endpoint = a.endpoint;
  else if (const char* e = std::getenv("LEDGE_HF_ENDPOINT"); e && *e) o.endpoint = e;
  if (const char* t = std::getenv("HF_TOKEN"); t && *t) o.token = t;
  const std::string url = pull::hf_url(o.endpoint, *ref);
  if (!a.quiet) std::fprintf(stderr, "ledge pull: %s -> %s\n", url.c_str(), (o.models_dir / ref->name()).c_str());
  ProgressPrinter printer(a.quiet);
  auto r = pull::pull_hf(*ref, o, [&printer](const pull::Progress& p) { printer(p); });
  if (!r.ok()) return std::fprintf(stderr, "error: %s\n", r.message().c_str()), 1;
  if (r->already_present) {
    std::fprintf(stderr, "ledge pull: already downloaded%s (use --force to download again)\n",
                 r->verified ? " and SHA-256 verified" : "");
  } else {
    if (r->resumed_from > 0) std::fprintf(stderr, "ledge pull: resumed after %s\n", mib(r->resumed_from).c_str());
    std::fprintf(stderr, "ledge pull: %s, sha256 %s (%s)\n", mib(r->bytes).c_str(), r->sha256.c_str(),
                 r->verified ? "verified" : "NOT verified: the server sent no SHA-256; pass --sha256 to check");
  }
  std::fprintf(stderr, "ledge pull: serve it with: ledge serve --model %s\n", ref->name().c_str());
  std::printf("%s\n", r->path.c_str());
  return 0;
}

}  // namespace

void add_pull_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PullArgs>();
  auto* sub = app.add_subcommand("pull", "download a GGUF model from Hugging Face (hf://OWNER/REPO[@REVISION]/FILE.gguf)");
  sub->add_option("uri", args->uri, "hf://OWNER/REPO/FILE.gguf or hf://OWNER/REPO@REVISION/FILE.gguf")->required();
  sub->add_option("--models-dir", args->models_dir, "where models are stored [env LEDGE_MODELS, default ~/.cache/ledge/models]");
  sub->add_option("--sha256", args->sha256, "expected SHA-256 (hex); default: the one Hugging Face reports for LFS files");
  sub->add_flag("--force", args->force, "download again even if the file is already there");
  sub->add_flag("-q,--quiet", args->quiet, "no progress output");
  sub->add_option("--endpoint", args->endpoint, "")->group("");  // tests: a local server [env LEDGE_HF_ENDPOINT]
  sub->footer("HF_TOKEN (if set) is sent as a bearer token for gated or private repositories.");
  sub->callback([args, &exit_code] { exit_code = run_pull(*args); });
}

}  // namespace ledge::cli
