// Turns an untrusted JSON body into validated parameters for
// /v1/chat/completions and /v1/completions. Never throws: every failure is an
// ApiError naming the offending field. Knows nothing of the model beyond the
// limits passed in; prompt tokens are checked against the vocabulary later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/sampler.h"
#include "server/api_error.h"
#include "server/core/logprobs.h"

namespace ledge::server {

struct ParseLimits {
  int max_json_depth = 32;          // nlohmann's parser recurses: deeper bodies are refused before parsing
  size_t max_stop_strings = 16;
  size_t max_stop_bytes = 256;
  size_t max_logit_bias = 1024;
  size_t max_messages = 4096;
  size_t max_tools = 128;
  int32_t max_tokens_cap = 1 << 20;
};

// Maximum bracket nesting of a JSON text, ignoring brackets inside strings.
// Stops counting (returns limit + 1) as soon as the limit is exceeded.
int json_nesting_depth(std::string_view text, int limit);

// Depth check + parse; errors are 400s saying what is wrong.
ApiResult<nlohmann::json> parse_json_body(std::string_view body, const ParseLimits& limits);

inline constexpr int32_t kMaxLegacyLogprobs = 5;  // /v1/completions "logprobs", as OpenAI caps it

struct CompletionParams {
  std::string model;
  bool chat = false;
  nlohmann::ordered_json messages;     // chat: [{role, content(string)}], content parts flattened
  std::string prompt_text;             // completions with a string prompt
  std::vector<int32_t> prompt_tokens;  // completions with a token-array prompt
  bool prompt_is_tokens = false;
  std::optional<int32_t> max_tokens;   // absent: chat fills the context, completions use 16
  runtime::SamplingParams sampling;
  bool seed_given = false;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;
  std::string user;
  // -1: no log-probabilities; else how many alternatives per token (chat:
  // top_logprobs 0..20 with logprobs: true; completions: logprobs 0..5).
  int32_t logprobs = -1;
  // Chat: validated "tools" handed to the chat template (absent when none
  // were given or tool_choice is "none").
  std::optional<nlohmann::ordered_json> tools;
};

ApiResult<CompletionParams> parse_chat_request(const nlohmann::json& body, const ParseLimits& limits);
ApiResult<CompletionParams> parse_completion_request(const nlohmann::json& body, const ParseLimits& limits);

}  // namespace ledge::server
