// `ledge serve`: the OpenAI-compatible HTTP server. Every option comes from
// one list that feeds the command line, the TOML config file and LEDGE_*
// environment variables (precedence: defaults < file < environment < flags).
#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <toml++/toml.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "cli/commands.h"
#include "pull/model_store.h"
#include "server/openai_api.h"
#include "tools/synth.h"

namespace ledge::cli {
namespace {

struct ServeConfig {
  std::vector<std::string> models;  // PATH or NAME=PATH; PATH may name a pulled model
  std::string models_dir;           // "" = $LEDGE_MODELS or ~/.cache/ledge/models
  std::string host = "127.0.0.1";
  int64_t port = 8080;
  int64_t parallel = 4;
  int64_t ctx = 0;
  int64_t threads = 1;
  std::string api_key_file;
  int64_t max_queue = 64;
  int64_t step_tokens = 128;
  int64_t max_body_bytes = 4 << 20;
  int64_t max_connections = 2048;
  int64_t io_threads = 2;
  double request_timeout = 600;
  double drain_timeout = 30;
};

Result<int64_t> to_int(const std::string& name, const std::string& v, int64_t lo, int64_t hi) {
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > hi)
    return Error{name + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v + "'"};
  return int64_t(x);
}

Result<double> to_seconds(const std::string& name, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(x >= 0) || x > 1e7) return Error{name + ": expected seconds >= 0, got '" + v + "'"};
  return x;
}

struct OptionDef {
  std::string name;  // flag --name, TOML key name (dashes -> underscores), env LEDGE_NAME
  std::string help;
  bool repeatable = false;
  std::function<Status(ServeConfig&, const std::string&)> set;
  std::function<std::string(const ServeConfig&)> show;  // TOML value text
};

OptionDef int_option(std::string name, std::string help, int64_t ServeConfig::*field, int64_t lo, int64_t hi) {
  return {name, std::move(help), false,
          [=](ServeConfig& c, const std::string& v) -> Status {
            auto x = to_int(name, v, lo, hi);
            if (!x.ok()) return x.status();
            c.*field = *x;
            return Status::Ok();
          },
          [=](const ServeConfig& c) { return std::to_string(c.*field); }};
}

OptionDef seconds_option(std::string name, std::string help, double ServeConfig::*field) {
  return {name, std::move(help), false,
          [=](ServeConfig& c, const std::string& v) -> Status {
            auto x = to_seconds(name, v);
            if (!x.ok()) return x.status();
            c.*field = *x;
            return Status::Ok();
          },
          [=](const ServeConfig& c) { return std::to_string(c.*field); }};
}

OptionDef string_option(std::string name, std::string help, std::string ServeConfig::*field) {
  return {name, std::move(help), false,
          [=](ServeConfig& c, const std::string& v) -> Status {
            c.*field = v;
            return Status::Ok();
          },
          [=](const ServeConfig& c) {
            std::ostringstream s;
            s << toml::value<std::string>(c.*field);
            return s.str();
          }};
}

std::vector<OptionDef> option_list() {
  std::vector<OptionDef> o;
  o.push_back({"model", "GGUF model file, or NAME=PATH to choose its id (repeatable; id defaults to the file stem)", true,
               [](ServeConfig& c, const std::string& v) -> Status {
                 c.models.push_back(v);
                 return Status::Ok();
               },
               [](const ServeConfig& c) {
                 toml::array a;
                 for (const auto& m : c.models) a.push_back(m);
                 std::ostringstream s;
                 s << a;
                 return s.str();
               }});
  o.push_back(string_option("host", "address to listen on", &ServeConfig::host));
  o.push_back(int_option("port", "TCP port (0 = any free port)", &ServeConfig::port, 0, 65535));
  o.push_back(int_option("parallel", "sequences generated at once per model", &ServeConfig::parallel, 1, 256));
  o.push_back(int_option("ctx", "context size per sequence (0 = the model's, capped at 4096)", &ServeConfig::ctx, 0, 1 << 20));
  o.push_back(int_option("threads", "compute threads per model", &ServeConfig::threads, 1, 256));
  o.push_back(string_option("api-key-file", "file with one accepted API key per line (empty = no auth)", &ServeConfig::api_key_file));
  o.push_back(int_option("max-queue", "requests that may wait for a slot; more get 429", &ServeConfig::max_queue, 0, 1 << 20));
  o.push_back(int_option("step-tokens", "tokens per forward pass (decode tokens + prompt chunks)", &ServeConfig::step_tokens, 2, 65536));
  o.push_back(int_option("max-body-bytes", "largest request body accepted", &ServeConfig::max_body_bytes, 1024, int64_t(1) << 30));
  o.push_back(int_option("max-connections", "open connections accepted at once", &ServeConfig::max_connections, 1, 1 << 20));
  o.push_back(int_option("io-threads", "threads serving HTTP", &ServeConfig::io_threads, 1, 64));
  o.push_back(seconds_option("request-timeout", "seconds a request may take from arrival to last token (0 = none)", &ServeConfig::request_timeout));
  o.push_back(seconds_option("drain-timeout", "seconds in-flight requests get to finish on SIGTERM/SIGINT", &ServeConfig::drain_timeout));
  o.push_back(string_option("models-dir", "where `ledge pull` stores models; --model NAME looks there (default ~/.cache/ledge/models)",
                            &ServeConfig::models_dir));

  return o;
}

std::string toml_key(std::string name) {
  for (auto& c : name)
    if (c == '-') c = '_';
  return name;
}

std::string env_key(const std::string& name) {
  std::string k = "LEDGE_";
  for (char c : name) k += c == '-' ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
  return k;
}

// TOML scalars become the same text a flag would carry.
Result<std::vector<std::string>> toml_values(const toml::node& n, const std::string& key) {
  std::vector<std::string> out;
  auto scalar = [&](const toml::node& x) -> Status {
    if (auto s = x.value_exact<std::string>()) out.push_back(*s);
    else if (auto i = x.value_exact<int64_t>()) out.push_back(std::to_string(*i));
    else if (auto d = x.value_exact<double>()) out.push_back(std::to_string(*d));
    else if (auto b = x.value_exact<bool>()) out.push_back(*b ? "true" : "false");
    else return Error{"config key '" + key + "': unsupported value type"};
    return Status::Ok();
  };
  if (auto* a = n.as_array()) {
    for (const auto& x : *a) LEDGE_RETURN_IF_ERROR(scalar(x));
  } else {
    LEDGE_RETURN_IF_ERROR(scalar(n));
  }
  return out;
}

struct RawFlags {
  std::string config;
  bool print_config = false;
  std::vector<std::vector<std::string>> values;  // per option, as given on the command line
};

Result<ServeConfig> resolve(const std::vector<OptionDef>& defs, const RawFlags& flags) {
  ServeConfig cfg;
  std::string config_path = flags.config;
  if (config_path.empty())
    if (const char* e = std::getenv("LEDGE_CONFIG")) config_path = e;
  if (!config_path.empty()) {
    // Debian's toml++ reports parse errors by exception; start-up is an edge
    // where that is allowed, and it becomes an error message here.
    toml::table t;
    try {
      t = toml::parse_file(config_path);
    } catch (const toml::parse_error& err) {
      return Error{config_path + ":" + std::to_string(err.source().begin.line) + ": " + std::string(err.description())};
    }
    for (const auto& [k, v] : t) {
      const auto def = std::find_if(defs.begin(), defs.end(), [&](const OptionDef& d) { return toml_key(d.name) == k.str(); });
      if (def == defs.end()) return Error{config_path + ": unknown key '" + std::string(k.str()) + "'"};
      auto vals = toml_values(v, std::string(k.str()));
      if (!vals.ok()) return vals.status();
      if (vals->size() > 1 && !def->repeatable) return Error{config_path + ": '" + std::string(k.str()) + "' takes one value"};
      for (const auto& s : *vals) LEDGE_RETURN_IF_ERROR(def->set(cfg, s));
    }
  }
  for (size_t i = 0; i < defs.size(); ++i) {
    const auto& d = defs[i];
    if (const char* e = std::getenv(env_key(d.name).c_str())) {
      if (d.repeatable) {
        cfg.models.clear();  // the environment replaces the file's list; comma-separated
        std::string s = e;
        for (size_t a = 0; a <= s.size();) {
          size_t b = s.find(',', a);
          if (b == std::string::npos) b = s.size();
          if (b > a) LEDGE_RETURN_IF_ERROR(d.set(cfg, s.substr(a, b - a)));
          a = b + 1;
        }
      } else {
        auto st = d.set(cfg, e);
        if (!st.ok()) return Error{env_key(d.name) + ": " + st.message()};
      }
    }
    if (!flags.values[i].empty()) {
      if (d.repeatable) cfg.models.clear();
      for (const auto& v : flags.values[i]) LEDGE_RETURN_IF_ERROR(d.set(cfg, v));
    }
  }
  return cfg;
}

Result<std::vector<std::string>> read_api_keys(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read the API key file '" + path + "'"};
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    keys.push_back(line);
  }
  if (keys.empty()) return Error{"the API key file '" + path + "' holds no keys"};
  return keys;
}

// Without --model the server still works offline: a deterministic tiny
// random-weight model (`ledge synth --shape tiny`) generated once into the
// cache folder ($LEDGE_CACHE, else ~/.cache/ledge). Its output is gibberish;
// it exists to try the API, not to read the answers.
Result<std::string> demo_model() {
  std::filesystem::path dir;
  if (const char* e = std::getenv("LEDGE_CACHE"); e && *e) dir = e;
  else if (const char* h = std::getenv("HOME"); h && *h) dir = std::filesystem::path(h) / ".cache" / "ledge";
  else return Error{"no --model given and neither LEDGE_CACHE nor HOME is set for the demo model's cache"};
  const auto path = dir / "demo-tiny.gguf";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return path.string();
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create the cache folder " + dir.string() + ": " + ec.message()};
  tools::SynthOptions so;
  so.shape = *tools::shape_preset("tiny");
  // Written under a temporary name and renamed, so a crash never leaves a
  // truncated file that later runs would trust.
  const auto tmp = dir / ("demo-tiny.gguf.tmp" + std::to_string(::getpid()));
  auto r = tools::synthesize(so, tmp.string());
  if (!r.ok()) return Error{"generating the demo model: " + r.message()};
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Error{"cannot move the demo model into place at " + path.string() + ": " + ec.message()};
  return path.string();
}

// Every connection is a file descriptor: raise the soft limit to the hard
// one (often 1024 -> 1M) so --max-connections, not the default rlimit, is
// what bounds them. Warns when the limit stays below what is configured.
void raise_fd_limit(int64_t max_connections) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  if (rl.rlim_cur != RLIM_INFINITY && rlim_t(max_connections) + 64 > rl.rlim_cur)
    std::fprintf(stderr, "ledge serve: warning: the open-file limit (%llu) is below --max-connections (%lld) + 64\n",
                 static_cast<unsigned long long>(rl.rlim_cur), static_cast<long long>(max_connections));
}

int serve(ServeConfig c) {
  raise_fd_limit(c.max_connections);
  if (c.models.empty()) {
    auto demo = demo_model();
    if (!demo.ok()) return std::fprintf(stderr, "error: %s\n", demo.message().c_str()), 2;
    std::fprintf(stderr, "ledge serve: no --model given: serving the built-in demo model (random weights) from %s\n",
                 demo->c_str());
    c.models.push_back("demo-tiny=" + *demo);
  }
  server::ApiOptions api_opts;
  if (!c.api_key_file.empty()) {
    auto keys = read_api_keys(c.api_key_file);
    if (!keys.ok()) return std::fprintf(stderr, "error: %s\n", keys.message().c_str()), 2;
    api_opts.api_keys = std::move(keys).value();
  }
  server::Metrics metrics;
  server::OpenAiApi api(api_opts, metrics);
  server::HttpLimits limits;
  limits.max_body_bytes = size_t(c.max_body_bytes);
  limits.max_connections = int(c.max_connections);

  boost::asio::io_context ioc;
  server::HttpServer http(ioc, [&api](server::HttpRequest r, std::shared_ptr<server::Responder> out) {
    api.handle(std::move(r), std::move(out));
  }, limits);
  if (auto st = http.listen(c.host, uint16_t(c.port)); !st.ok())
    return std::fprintf(stderr, "error: %s\n", st.message().c_str()), 1;

  std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    std::fprintf(stderr, "ledge serve: signal %d: draining (up to %.0f s)\n", sig, c.drain_timeout);
    std::lock_guard lk(mu);
    stop_requested = true;
    cv.notify_all();
  });
  std::vector<std::thread> io;
  for (int64_t i = 0; i < c.io_threads; ++i) io.emplace_back([&ioc] { ioc.run(); });
  std::fprintf(stderr, "ledge serve: listening on http://%s:%u\n", c.host.c_str(), unsigned(http.port()));

  int rc = 0;
  for (const auto& spec : c.models) {
    const auto eq = spec.find('=');
    const std::string given = eq == std::string::npos ? spec : spec.substr(eq + 1);
    // An existing path needs no models directory (HOME may be unset in a container).
    auto dir = pull::models_dir(c.models_dir);
    auto found = pull::resolve_model(given, dir.ok() ? *dir : std::filesystem::path());
    if (!found.ok() && !dir.ok()) found = Error{found.message() + "; " + dir.message()};
    if (!found.ok()) {
      std::fprintf(stderr, "error: %s\n", found.message().c_str());
      rc = 1;
      break;
    }
    const std::string path = found->string();
    const std::string id = eq == std::string::npos ? std::filesystem::path(path).stem().string() : spec.substr(0, eq);
    runtime::EngineOptions eo;
    eo.n_ctx = int32_t(c.ctx);
    eo.n_parallel = int32_t(c.parallel);
    eo.n_threads = int32_t(c.threads);
    eo.max_batch = int32_t(std::max<int64_t>(c.step_tokens, c.parallel + 1));
    server::SchedulerOptions so;
    so.max_queue = int32_t(c.max_queue);
    so.step_token_budget = int32_t(c.step_tokens);
    so.request_timeout_s = c.request_timeout;
    auto sched = server::Scheduler::create(path, eo, so);
    if (!sched.ok()) {
      std::fprintf(stderr, "error: %s\n", sched.message().c_str());
      rc = 1;
      break;
    }
    server::ServedModel m;
    m.id = id;
    auto tmpl = (*sched)->engine().model().file().get_string("tokenizer.chat_template");
    m.chat = std::make_unique<server::ChatPrompt>(tmpl.ok() ? std::optional<std::string>(*tmpl) : std::nullopt,
                                                  (*sched)->tokenizer());
    if (m.chat->uses_fallback())
      std::fprintf(stderr, "ledge serve: model '%s' has no chat template; chat uses the ChatML-style fallback\n", id.c_str());
    m.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    m.scheduler = std::move(sched).value();
    m.scheduler->set_stats_observer([&metrics, id](const server::SchedulerStats& st) { metrics.set_queue(id, st); });
    std::fprintf(stderr, "ledge serve: model '%s' loaded from %s (ctx %d, %lld parallel)\n", id.c_str(), path.c_str(),
                 m.scheduler->n_ctx(), static_cast<long long>(c.parallel));
    api.add_model(std::move(m));
  }
  if (rc == 0) {
    api.set_ready(true);
    std::fprintf(stderr, "ledge serve: ready\n");
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return stop_requested; });
  }

  // Drain: refuse new work, let in-flight requests finish, then stop.
  api.set_ready(false);
  http.stop_accepting();
  for (auto& m : api.models()) m.scheduler->shutdown(c.drain_timeout);
  // Responses already produced still have to reach their clients; idle
  // keep-alive connections are not worth waiting for.
  const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (http.open_connections() > 0 && std::chrono::steady_clock::now() < grace)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ioc.stop();
  for (auto& t : io) t.join();
  std::fprintf(stderr, "ledge serve: stopped\n");
  std::fflush(stderr);
  return rc;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto defs = std::make_shared<std::vector<OptionDef>>(option_list());
  auto flags = std::make_shared<RawFlags>();
  flags->values.resize(defs->size());
  auto* sub = app.add_subcommand("serve", "OpenAI-compatible HTTP server with continuous batching");
  for (size_t i = 0; i < defs->size(); ++i) {
    const auto& d = (*defs)[i];
    auto* opt = sub->add_option("--" + d.name, flags->values[i],
                                d.help + " [env " + env_key(d.name) + ", config key " + toml_key(d.name) + "]");
    if (!d.repeatable) opt->expected(1);
  }
  sub->add_option("--config", flags->config, "TOML config file with the same keys (dashes as underscores) [env LEDGE_CONFIG]");
  sub->add_flag("--print-config", flags->print_config, "print the effective configuration as TOML and exit");
  sub->callback([defs, flags, &exit_code] {
    auto cfg = resolve(*defs, *flags);
    if (!cfg.ok()) {
      std::fprintf(stderr, "error: %s\n", cfg.message().c_str());
      exit_code = 2;
      return;
    }
    if (flags->print_config) {
      for (const auto& d : *defs) std::printf("%s = %s\n", toml_key(d.name).c_str(), d.show(*cfg).c_str());
      exit_code = 0;
      return;
    }
    exit_code = serve(*cfg);
  });
}

}  // namespace ledge::cli
