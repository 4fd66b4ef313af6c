// The OpenAI-compatible endpoints on top of the HTTP transport: routing,
// API-key check, request validation, prompt building, submission to the
// model's Scheduler and the JSON / SSE shapes of the responses.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "server/chat_prompt.h"
#include "server/core/scheduler.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/request_parsing.h"

namespace ledge::server {

struct ServedModel {
  std::string id;  // what clients put in "model"
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<ChatPrompt> chat;
  int64_t created = 0;  // unix seconds the model was loaded
};

struct ApiOptions {
  std::vector<std::string> api_keys;  // empty: no authentication
  ParseLimits limits;
  int retry_after_s = 1;              // Retry-After on 429
};

class OpenAiApi {
 public:
  OpenAiApi(ApiOptions opts, Metrics& metrics);

  // Before set_ready(true) only; the model list is immutable afterwards.
  void add_model(ServedModel m) { models_.push_back(std::move(m)); }
  void set_ready(bool ready) { ready_.store(ready, std::memory_order_release); }
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  std::vector<ServedModel>& models() { return models_; }

  void handle(HttpRequest req, std::shared_ptr<Responder> out);

 private:
  void completions(const HttpRequest& req, const std::shared_ptr<Responder>& out, bool chat);
  void reply(const std::shared_ptr<Responder>& out, const std::string& route, int status, const nlohmann::json& body,
             const HeaderList& extra = {});
  void reply_error(const std::shared_ptr<Responder>& out, const std::string& route, const ApiError& e,
                   const HeaderList& extra = {});
  bool authorized(const HttpRequest& req) const;
  ServedModel* find_model(const std::string& id);

  ApiOptions opts_;
  Metrics& metrics_;
  std::vector<ServedModel> models_;
  std::atomic<bool> ready_{false};
};

}  // namespace ledge::server
