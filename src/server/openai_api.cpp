#include "server/openai_api.h"

#include <chrono>
#include <mutex>
#include <random>

namespace ledge::server {

using nlohmann::json;

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(prefix) + buf;
}

// Compares every byte of every key whatever matches, so timing does not tell
// how much of a guess was right.
bool constant_time_equal(const std::string& a, const std::string& b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned diff = unsigned(a.size() != b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= unsigned(x ^ y);
  }
  return diff == 0;
}

json usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

std::string sse(const json& j) { return "data: " + dump_json(j) + "\n\n"; }

json byte_array(const std::string& s) {
  json a = json::array();
  for (unsigned char c : s) a.push_back(int(c));
  return a;
}

// Chat shape: {"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}], "refusal": null}.
json chat_logprobs(const std::vector<TokenLogprobs>& lps) {
  json content = json::array();
  for (const auto& t : lps) {
    json top = json::array();
    for (const auto& a : t.top)
      top.push_back({{"token", a.token}, {"logprob", a.logprob}, {"bytes", byte_array(a.token)}});
    content.push_back({{"token", t.token}, {"logprob", t.logprob}, {"bytes", byte_array(t.token)}, {"top_logprobs", top}});
  }
  return {{"content", content}, {"refusal", nullptr}};
}

// Legacy completions shape: parallel arrays; top_logprobs maps token text to
// logprob (the first, most probable, wins when two ids share a text);
// text_offset is the byte offset of each token in the completion text.
json legacy_logprobs(const std::vector<TokenLogprobs>& lps, size_t& offset) {
  json tokens = json::array(), values = json::array(), tops = json::array(), offsets = json::array();
  for (const auto& t : lps) {
    tokens.push_back(t.token);
    values.push_back(t.logprob);
    json top = json::object();
    for (const auto& a : t.top)
      if (!top.contains(a.token)) top[a.token] = a.logprob;
    tops.push_back(std::move(top));
    offsets.push_back(offset);
    offset += t.token.size();
  }
  return {{"tokens", tokens}, {"token_logprobs", values}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

// State of one completion request; touched only by the scheduler thread
// once submitted.
struct Exchange {
  std::shared_ptr<Responder> out;
  Metrics* metrics = nullptr;
  std::string route, id, model;
  int64_t created = 0;
  bool chat = false, stream = false, include_usage = false;
  bool logprobs = false;
  std::string text;
  std::vector<TokenLogprobs> all_logprobs;  // non-stream: everything, sent at the end
  size_t text_offset = 0;                   // legacy logprobs: bytes of tokens reported so far
  // Events that arrive before the response is opened wait here, so the
  // scheduler cannot write to a stream that has not started yet.
  std::mutex mu;
  bool opened = false;
  std::vector<GenerationEvent> early;

  void on_event(GenerationEvent ev) {
    std::lock_guard lk(mu);
    if (!opened) return early.push_back(std::move(ev));
    handle(std::move(ev));
  }
  void open() {
    std::lock_guard lk(mu);
    opened = true;
    for (auto& ev : early) handle(std::move(ev));
    early.clear();
  }

  json chunk(json choice) const {
    json j = {{"id", id}, {"object", chat ? "chat.completion.chunk" : "text_completion"}, {"created", created},
              {"model", model}, {"choices", json::array({std::move(choice)})}};
    if (include_usage) j["usage"] = nullptr;
    return j;
  }
  json logprobs_json(const std::vector<TokenLogprobs>& lps) {
    if (!logprobs) return nullptr;
    return chat ? chat_logprobs(lps) : legacy_logprobs(lps, text_offset);
  }
  json delta_choice(const std::string& piece, const char* finish, const std::vector<TokenLogprobs>& lps) {
    json c = {{"index", 0}, {"logprobs", logprobs_json(lps)}, {"finish_reason", finish ? json(finish) : json(nullptr)}};
    if (chat)
      c["delta"] = piece.empty() && finish ? json::object() : json{{"content", piece}};
    else
      c["text"] = piece;
    return c;
  }

  void handle(GenerationEvent ev) {
    using Kind = GenerationEvent::Kind;
    using Failure = GenerationEvent::Failure;
    if (ev.kind == Kind::kText) {
      if (stream) {
        out->write(sse(chunk(delta_choice(ev.text, nullptr, ev.logprobs))));
      } else {
        text += ev.text;
        for (auto& t : ev.logprobs) all_logprobs.push_back(std::move(t));
      }
      return;
    }
    if (ev.kind == Kind::kError) {
      ApiError e{500, ev.text, "server_error", "", "generation_failed"};
      if (ev.failure == Failure::kShutdown) e = ApiError{503, ev.text, "server_error", "", "shutting_down"};
      if (ev.failure == Failure::kTimeout) e = ApiError{504, ev.text, "server_error", "", "timeout"};
      if (!stream) metrics->count_http(route, e.status);  // a stream was counted as 200 when it opened
      if (stream) {
        out->write(sse(error_json(e)));
        out->end_stream();
      } else {
        out->send(e.status, "application/json", dump_json(error_json(e)));
      }
      return;
    }
    const char* finish = runtime::finish_reason_name(ev.finish);
    metrics->record_finished(model, ev.usage, ev.timings, finish);
    if (stream) {
      out->write(sse(chunk(delta_choice("", finish, ev.logprobs))));
      if (include_usage) {
        json u = chunk(json::object());
        u["choices"] = json::array();
        u["usage"] = usage_json(ev.usage);
        out->write(sse(u));
      }
      out->write("data: [DONE]\n\n");
      out->end_stream();
      return;
    }
    for (auto& t : ev.logprobs) all_logprobs.push_back(std::move(t));
    json choice = {{"index", 0}, {"logprobs", logprobs_json(all_logprobs)}, {"finish_reason", finish}};
    if (chat)
      choice["message"] = {{"role", "assistant"}, {"content", text}};
    else
      choice["text"] = text;
    json body = {{"id", id}, {"object", chat ? "chat.completion" : "text_completion"}, {"created", created},
                 {"model", model}, {"choices", json::array({choice})}, {"usage", usage_json(ev.usage)}};
    metrics->count_http(route, 200);
    out->send(200, "application/json", dump_json(body));
  }
};

}  // namespace

OpenAiApi::OpenAiApi(ApiOptions opts, Metrics& metrics) : opts_(std::move(opts)), metrics_(metrics) {}

void OpenAiApi::reply(const std::shared_ptr<Responder>& out, const std::string& route, int status, const json& body,
                      const HeaderList& extra) {
  metrics_.count_http(route, status);
  out->send(status, "application/json", dump_json(body), extra);
}

void OpenAiApi::reply_error(const std::shared_ptr<Responder>& out, const std::string& route, const ApiError& e,
                            const HeaderList& extra) {
  reply(out, route, e.status, error_json(e), extra);
}

bool OpenAiApi::authorized(const HttpRequest& req) const {
  if (opts_.api_keys.empty()) return true;
  auto it = req.headers.find("authorization");
  if (it == req.headers.end() || !it->second.starts_with("Bearer ")) return false;
  const std::string given = it->second.substr(7);
  bool ok = false;
  for (const auto& k : opts_.api_keys) ok |= constant_time_equal(given, k);
  return ok;
}

ServedModel* OpenAiApi::find_model(const std::string& id) {
  for (auto& m : models_)
    if (m.id == id) return &m;
  return nullptr;
}

void OpenAiApi::handle(HttpRequest req, std::shared_ptr<Responder> out) {
  const std::string& path = req.target;
  const bool get = req.method == "GET";
  const bool post = req.method == "POST";
  if (path == "/health") return reply(out, path, 200, {{"status", "ok"}});
  if (path == "/ready") {
    if (ready()) return reply(out, path, 200, {{"status", "ready"}});
    return reply_error(out, path, ApiError{503, "the models are still loading", "server_error", "", "not_ready"});
  }
  std::string route = path;
  if (path.starts_with("/v1/models/")) route = "/v1/models/{id}";
  const bool known = path == "/metrics" || path == "/v1/models" || route == "/v1/models/{id}" ||
                     path == "/v1/chat/completions" || path == "/v1/completions";
  if (!known) route = "other";
  if (!authorized(req))
    return reply_error(out, route, ApiError{401, "missing or invalid API key (send 'Authorization: Bearer <key>')",
                                            "invalid_request_error", "", "invalid_api_key"},
                       {{"WWW-Authenticate", "Bearer"}});
  if (!known) return reply_error(out, route, ApiError{404, "no route for " + req.method + " " + path, "invalid_request_error", "", "not_found"});
  const bool wants_post = path == "/v1/chat/completions" || path == "/v1/completions";
  if ((wants_post && !post) || (!wants_post && !get))
    return reply_error(out, route, ApiError{405, "method " + req.method + " is not allowed on " + path, "invalid_request_error", "", "method_not_allowed"},
                       {{"Allow", wants_post ? "POST" : "GET"}});
  if (path == "/metrics") {
    if (ready())
      for (auto& m : models_) metrics_.set_queue(m.id, m.scheduler->stats());
    metrics_.count_http(route, 200);
    return out->send(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render());
  }
  if (!ready()) return reply_error(out, route, ApiError{503, "the models are still loading", "server_error", "", "not_ready"});
  auto model_json = [](const ServedModel& m) {
    return json{{"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", "ledge"},
                {"context_length", m.scheduler->n_ctx()}, {"chat_format", m.chat->format_name()}};
  };
  if (path == "/v1/models") {
    json data = json::array();
    for (const auto& m : models_) data.push_back(model_json(m));
    return reply(out, route, 200, {{"object", "list"}, {"data", data}});
  }
  if (route == "/v1/models/{id}") {
    const std::string id = path.substr(std::string("/v1/models/").size());
    if (auto* m = find_model(id)) return reply(out, route, 200, model_json(*m));
    return reply_error(out, route, ApiError{404, "the model '" + id + "' does not exist", "invalid_request_error", "model", "model_not_found"});
  }
  completions(req, out, path == "/v1/chat/completions");
}

void OpenAiApi::completions(const HttpRequest& req, const std::shared_ptr<Responder>& out, bool chat) {
  const std::string route = req.target;
  auto body = parse_json_body(req.body, opts_.limits);
  if (auto* e = std::get_if<ApiError>(&body)) return reply_error(out, route, *e);
  auto parsed = chat ? parse_chat_request(std::get<json>(body), opts_.limits)
                     : parse_completion_request(std::get<json>(body), opts_.limits);
  if (auto* e = std::get_if<ApiError>(&parsed)) return reply_error(out, route, *e);
  CompletionParams& p = std::get<CompletionParams>(parsed);
  ServedModel* model = find_model(p.model);
  if (!model)
    return reply_error(out, route, ApiError{404, "the model '" + p.model + "' does not exist", "invalid_request_error", "model", "model_not_found"});

  GenerationRequest g;
  if (chat) {
    auto ids = model->chat->tokenize(p.messages, p.tools);
    if (!ids.ok())
      return reply_error(out, route, bad_request(ids.message(), p.tools && model->chat->uses_fallback() ? "tools" : "messages"));
    g.prompt = std::move(ids).value();
    g.stop = model->chat->extra_stops();
  } else if (p.prompt_is_tokens) {
    g.prompt = std::move(p.prompt_tokens);
  } else {
    auto ids = model->scheduler->tokenizer().encode(p.prompt_text, /*add_special=*/true, /*parse_special=*/false);
    if (!ids.ok()) return reply_error(out, route, bad_request(ids.message(), "prompt"));
    g.prompt = std::move(ids).value();
  }
  const int32_t n_ctx = model->scheduler->n_ctx();
  if (int64_t(g.prompt.size()) >= n_ctx)
    return reply_error(out, route, bad_request("the prompt is " + std::to_string(g.prompt.size()) +
                                                   " tokens; the context size is " + std::to_string(n_ctx),
                                               chat ? "messages" : "prompt", "context_length_exceeded"));
  g.max_tokens = p.max_tokens.value_or(chat ? n_ctx - int32_t(g.prompt.size()) : 16);
  g.sampling = p.sampling;
  g.stop.insert(g.stop.end(), p.stop.begin(), p.stop.end());
  g.logprobs = p.logprobs;

  auto ex = std::make_shared<Exchange>();
  ex->out = out;
  ex->metrics = &metrics_;
  ex->route = route;
  ex->id = random_id(chat ? "chatcmpl-" : "cmpl-");
  ex->model = model->id;
  ex->created = unix_now();
  ex->chat = chat;
  ex->stream = p.stream;
  ex->include_usage = p.include_usage;
  ex->logprobs = p.logprobs >= 0;
  auto sub = model->scheduler->submit(std::move(g), [ex](GenerationEvent ev) { ex->on_event(std::move(ev)); });
  switch (sub.outcome) {
    case SubmitOutcome::kAccepted: break;
    case SubmitOutcome::kInvalid: {
      const bool context = sub.message.find("context size") != std::string::npos;
      const bool token = sub.message.find("token id") != std::string::npos && sub.message.find("logit_bias") == std::string::npos;
      std::string param = context ? "max_tokens" : token ? "prompt" : "";
      if (sub.message.find("logit_bias") != std::string::npos) param = "logit_bias";
      return reply_error(out, route, bad_request(sub.message, param, context ? "context_length_exceeded" : ""));
    }
    case SubmitOutcome::kQueueFull:
      return reply_error(out, route, ApiError{429, sub.message + "; retry later", "rate_limit_error", "", "queue_full"},
                         {{"Retry-After", std::to_string(opts_.retry_after_s)}});
    case SubmitOutcome::kShuttingDown:
      return reply_error(out, route, ApiError{503, sub.message, "server_error", "", "shutting_down"});
  }
  out->on_disconnect([h = sub.handle] { h->cancel(); });
  if (p.stream) {
    metrics_.count_http(route, 200);
    out->start_stream(200, "text/event-stream");
    if (chat) {
      json first = ex->chunk({{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}});
      out->write(sse(first));
    }
  }
  ex->open();
}

}  // namespace ledge::server
