#include "server/request_parsing.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>

namespace ledge::server {

using nlohmann::json;

int json_nesting_depth(std::string_view text, int limit) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) max_depth = depth;
      if (max_depth > limit) return limit + 1;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

ApiResult<json> parse_json_body(std::string_view body, const ParseLimits& limits) {
  if (body.empty()) return bad_request("the request body is empty; expected a JSON object");
  if (json_nesting_depth(body, limits.max_json_depth) > limits.max_json_depth)
    return bad_request("the JSON body is nested deeper than " + std::to_string(limits.max_json_depth) + " levels");
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return bad_request("the request body is not valid JSON (or its strings are not valid UTF-8)");
  if (!j.is_object()) return bad_request("the request body must be a JSON object");
  return j;
}

namespace {

const char* type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

ApiError wrong_type(const std::string& field, const char* want, const json& got) {
  return bad_request("'" + field + "' must be " + want + ", got " + type_name(got), field);
}

// Reads an optional number field into `out` when present and in [lo, hi].
std::optional<ApiError> read_number(const json& body, const char* field, double lo, double hi, float& out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) return wrong_type(field, "a number", *it);
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi)
    return bad_request("'" + std::string(field) + "' must be in [" + number_text(lo) + ", " + number_text(hi) +
                           "], got " + number_text(v),
                       field);
  out = float(v);
  return std::nullopt;
}

std::optional<ApiError> read_bool(const json& body, const char* field, bool& out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) return wrong_type(field, "a boolean", *it);
  out = it->get<bool>();
  return std::nullopt;
}

// Everything the two endpoints share: model, sampling, limits, stop, stream.
std::optional<ApiError> read_common(const json& body, const ParseLimits& limits, CompletionParams& p) {
  auto model = body.find("model");
  if (model == body.end()) return bad_request("'model' is required", "model");
  if (!model->is_string()) return wrong_type("model", "a string", *model);
  p.model = model->get<std::string>();

  // OpenAI defaults: temperature 1, top_p 1, and no top-k/min-p truncation.
  p.sampling.temperature = 1.0f;
  p.sampling.top_p = 1.0f;
  p.sampling.top_k = 0;
  p.sampling.min_p = 0.0f;
  if (auto e = read_number(body, "temperature", 0, 2, p.sampling.temperature)) return e;
  if (auto e = read_number(body, "top_p", 0, 1, p.sampling.top_p)) return e;
  if (p.sampling.top_p <= 0.f) return bad_request("'top_p' must be > 0", "top_p");
  if (auto e = read_number(body, "presence_penalty", -2, 2, p.sampling.presence_penalty)) return e;
  if (auto e = read_number(body, "frequency_penalty", -2, 2, p.sampling.frequency_penalty)) return e;

  for (const char* field : {"max_completion_tokens", "max_tokens"}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_number_integer()) return wrong_type(field, "an integer", *it);
    // Read as double first: get<int64_t>() of a huge unsigned would wrap.
    const double v = it->get<double>();
    if (v < 1 || v > limits.max_tokens_cap)
      return bad_request("'" + std::string(field) + "' must be in [1, " + std::to_string(limits.max_tokens_cap) +
                             "], got " + it->dump(),
                         field);
    p.max_tokens = int32_t(v);
    break;  // max_completion_tokens wins when both are given
  }

  if (auto it = body.find("n"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return wrong_type("n", "an integer", *it);
    if (it->get<double>() != 1) return bad_request("only n = 1 is supported, got " + it->dump(), "n");
  }
  if (auto it = body.find("seed"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return wrong_type("seed", "an integer", *it);
    p.sampling.seed = it->is_number_unsigned() ? it->get<uint64_t>() : uint64_t(it->get<int64_t>());
    p.seed_given = true;
  } else {
    p.sampling.seed = std::random_device{}() | (uint64_t(std::random_device{}()) << 32);
  }
  if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    std::vector<const json*> items;
    if (it->is_string()) {
      items.push_back(&*it);
    } else if (it->is_array()) {
      if (it->size() > limits.max_stop_strings)
        return bad_request("'stop' may hold at most " + std::to_string(limits.max_stop_strings) + " strings, got " +
                               std::to_string(it->size()),
                           "stop");
      for (const auto& s : *it) items.push_back(&s);
    } else {
      return wrong_type("stop", "a string or an array of strings", *it);
    }
    for (const json* s : items) {
      if (!s->is_string()) return wrong_type("stop", "a string or an array of strings", *s);
      const auto& str = s->get_ref<const std::string&>();
      if (str.empty()) return bad_request("'stop' strings must not be empty", "stop");
      if (str.size() > limits.max_stop_bytes)
        return bad_request("'stop' strings may be at most " + std::to_string(limits.max_stop_bytes) + " bytes", "stop");
      p.stop.push_back(str);
    }
  }
  if (auto it = body.find("logit_bias"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return wrong_type("logit_bias", "an object mapping token ids to numbers", *it);
    if (it->size() > limits.max_logit_bias)
      return bad_request("'logit_bias' may hold at most " + std::to_string(limits.max_logit_bias) + " entries",
                         "logit_bias");
    for (const auto& [key, val] : it->items()) {
      char* end = nullptr;
      errno = 0;
      const long id = std::strtol(key.c_str(), &end, 10);
      if (key.empty() || *end != '\0' || errno != 0 || id < 0 || id > std::numeric_limits<int32_t>::max())
        return bad_request("'logit_bias' key '" + key + "' is not a token id", "logit_bias");
      if (!val.is_number()) return wrong_type("logit_bias", "an object mapping token ids to numbers", val);
      const double b = val.get<double>();
      if (!std::isfinite(b) || b < -100 || b > 100)
        return bad_request("'logit_bias' values must be in [-100, 100]", "logit_bias");
      p.sampling.logit_bias[int32_t(id)] = float(b);
    }
  }
  if (auto e = read_bool(body, "stream", p.stream)) return e;
  if (auto it = body.find("stream_options"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return wrong_type("stream_options", "an object", *it);
    if (!p.stream) return bad_request("'stream_options' is only allowed with 'stream': true", "stream_options");
    if (auto e = read_bool(*it, "include_usage", p.include_usage)) return e;
  }
  if (auto it = body.find("user"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return wrong_type("user", "a string", *it);
    if (it->get_ref<const std::string&>().size() > 256) return bad_request("'user' may be at most 256 bytes", "user");
    p.user = it->get<std::string>();
  }
  return std::nullopt;
}

// Reads an optional integer field in [lo, hi]; absent or null leaves `out`.
std::optional<ApiError> read_int(const json& body, const char* field, int32_t lo, int32_t hi, int32_t& out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) return wrong_type(field, "an integer", *it);
  const double v = it->get<double>();  // as double: a huge unsigned must not wrap
  if (v < lo || v > hi)
    return bad_request("'" + std::string(field) + "' must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                           "], got " + it->dump(),
                       field);
  out = int32_t(v);
  return std::nullopt;
}

// Chat: "logprobs": bool turns them on; "top_logprobs" (0..20) needs it.
std::optional<ApiError> read_chat_logprobs(const json& body, CompletionParams& p) {
  bool on = false;
  if (auto e = read_bool(body, "logprobs", on)) return e;
  int32_t top = -1;
  if (auto e = read_int(body, "top_logprobs", 0, kMaxTopLogprobs, top)) return e;
  if (top >= 0 && !on) return bad_request("'top_logprobs' requires 'logprobs': true", "top_logprobs");
  if (on) p.logprobs = std::max(top, 0);
  return std::nullopt;
}

// Message content: a string, or an array of {"type":"text","text":...} parts.
std::optional<ApiError> flatten_content(const json& content, size_t index, std::string& out) {
  const std::string where = "messages[" + std::to_string(index) + "].content";
  if (content.is_string()) {
    out = content.get<std::string>();
    return std::nullopt;
  }
  if (!content.is_array()) return wrong_type(where, "a string or an array of text parts", content);
  for (const auto& part : content) {
    if (!part.is_object()) return wrong_type(where, "a string or an array of text parts", part);
    auto type = part.find("type");
    auto text = part.find("text");
    if (type == part.end() || *type != "text" || text == part.end() || !text->is_string())
      return bad_request(where + ": only parts of type 'text' with a string 'text' are supported", "messages");
    out += text->get<std::string>();
  }
  return std::nullopt;
}

bool valid_function_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (unsigned char c : n)
    if (!std::isalnum(c) && c != '_' && c != '-') return false;
  return true;
}

// "tools": [{"type": "function", "function": {"name", "description"?, "parameters"?, "strict"?}}]
// and "tool_choice": "none" | "auto" (the model decides; nothing is forced).
std::optional<ApiError> read_tools(const json& body, const ParseLimits& limits, CompletionParams& p) {
  auto it = body.find("tools");
  const bool has_tools = it != body.end() && !it->is_null();
  std::string choice = "auto";
  if (auto c = body.find("tool_choice"); c != body.end() && !c->is_null()) {
    if (!c->is_string())
      return bad_request("'tool_choice' must be \"none\" or \"auto\": forcing a tool call is not supported", "tool_choice");
    choice = c->get<std::string>();
    if (choice == "required")
      return bad_request("'tool_choice': \"required\" is not supported (output is not constrained); use \"auto\"",
                         "tool_choice");
    if (choice != "none" && choice != "auto")
      return bad_request("'tool_choice' must be \"none\" or \"auto\", got \"" + choice + "\"", "tool_choice");
  }
  if (!has_tools) return std::nullopt;
  if (!it->is_array()) return wrong_type("tools", "an array", *it);
  if (it->size() > limits.max_tools)
    return bad_request("'tools' may hold at most " + std::to_string(limits.max_tools) + " entries", "tools");
  nlohmann::ordered_json tools = nlohmann::ordered_json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const json& t = (*it)[i];
    const std::string where = "tools[" + std::to_string(i) + "]";
    if (!t.is_object()) return wrong_type(where, "an object", t);
    auto type = t.find("type");
    if (type == t.end() || *type != "function") return bad_request(where + ".type must be \"function\"", "tools");
    auto fn = t.find("function");
    if (fn == t.end() || !fn->is_object()) return bad_request(where + ".function must be an object", "tools");
    auto name = fn->find("name");
    if (name == fn->end() || !name->is_string() || !valid_function_name(name->get<std::string>()))
      return bad_request(where + ".function.name must be 1-64 characters of a-z, A-Z, 0-9, _ and -", "tools");
    nlohmann::ordered_json f = {{"name", name->get<std::string>()}};
    if (auto d = fn->find("description"); d != fn->end() && !d->is_null()) {
      if (!d->is_string()) return bad_request(where + ".function.description must be a string", "tools");
      f["description"] = d->get<std::string>();
    }
    if (auto params = fn->find("parameters"); params != fn->end() && !params->is_null()) {
      if (!params->is_object()) return bad_request(where + ".function.parameters must be a JSON Schema object", "tools");
      f["parameters"] = nlohmann::ordered_json::parse(params->dump());
    }
    if (auto strict = fn->find("strict"); strict != fn->end() && !strict->is_null() && !strict->is_boolean())
      return bad_request(where + ".function.strict must be a boolean", "tools");
    tools.push_back({{"type", "function"}, {"function", std::move(f)}});
  }
  if (choice != "none" && !tools.empty()) p.tools = std::move(tools);
  return std::nullopt;
}

// An assistant message's "tool_calls", for templates that render them; a
// JSON-object "arguments" string becomes the object, as templates expect.
std::optional<ApiError> copy_tool_calls(const json& calls, const std::string& where, nlohmann::ordered_json& out) {
  if (!calls.is_array()) return bad_request(where + ".tool_calls must be an array", "messages");
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& c : calls) {
    if (!c.is_object()) return bad_request(where + ".tool_calls entries must be objects", "messages");
    auto fn = c.find("function");
    if (fn == c.end() || !fn->is_object() || !fn->contains("name") || !(*fn)["name"].is_string())
      return bad_request(where + ".tool_calls[].function.name must be a string", "messages");
    nlohmann::ordered_json f = {{"name", (*fn)["name"].get<std::string>()}};
    if (auto a = fn->find("arguments"); a != fn->end()) {
      if (a->is_string()) {
        auto parsed = nlohmann::ordered_json::parse(a->get<std::string>(), nullptr, /*allow_exceptions=*/false);
        f["arguments"] = parsed.is_object() ? parsed : nlohmann::ordered_json(a->get<std::string>());
      } else if (a->is_object()) {
        f["arguments"] = nlohmann::ordered_json::parse(a->dump());
      } else {
        return bad_request(where + ".tool_calls[].function.arguments must be a string", "messages");
      }
    }
    nlohmann::ordered_json call = {{"type", "function"}, {"function", std::move(f)}};
    if (auto id = c.find("id"); id != c.end() && id->is_string()) call["id"] = id->get<std::string>();
    list.push_back(std::move(call));
  }
  out["tool_calls"] = std::move(list);
  return std::nullopt;
}

}  // namespace

ApiResult<CompletionParams> parse_chat_request(const json& body, const ParseLimits& limits) {
  CompletionParams p;
  p.chat = true;
  if (auto e = read_common(body, limits, p)) return *e;
  if (auto e = read_chat_logprobs(body, p)) return *e;
  if (auto e = read_tools(body, limits, p)) return *e;
  auto msgs = body.find("messages");
  if (msgs == body.end()) return bad_request("'messages' is required", "messages");
  if (!msgs->is_array()) return wrong_type("messages", "an array", *msgs);
  if (msgs->empty()) return bad_request("'messages' must not be empty", "messages");
  if (msgs->size() > limits.max_messages)
    return bad_request("'messages' may hold at most " + std::to_string(limits.max_messages) + " entries", "messages");
  p.messages = nlohmann::ordered_json::array();
  for (size_t i = 0; i < msgs->size(); ++i) {
    const json& m = (*msgs)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return wrong_type(where, "an object", m);
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return bad_request(where + ".role must be a string", "messages");
    const auto& r = role->get_ref<const std::string&>();
    if (r != "system" && r != "developer" && r != "user" && r != "assistant" && r != "tool")
      return bad_request(where + ".role '" + r + "' is not one of system, developer, user, assistant, tool", "messages");
    std::string content;
    auto c = m.find("content");
    if (c == m.end() || c->is_null()) {
      if (r != "assistant") return bad_request(where + ".content is required", "messages");
    } else if (auto e = flatten_content(*c, i, content)) {
      return *e;
    }
    nlohmann::ordered_json msg = {{"role", r == "developer" ? "system" : r}, {"content", content}};
    if (auto tc = m.find("tool_calls"); r == "assistant" && tc != m.end() && !tc->is_null())
      if (auto e = copy_tool_calls(*tc, where, msg)) return *e;
    if (r == "tool") {
      for (const char* key : {"tool_call_id", "name"})
        if (auto v = m.find(key); v != m.end() && v->is_string()) msg[key] = v->get<std::string>();
    }
    p.messages.push_back(std::move(msg));
  }
  return p;
}

ApiResult<CompletionParams> parse_completion_request(const json& body, const ParseLimits& limits) {
  CompletionParams p;
  if (auto e = read_common(body, limits, p)) return *e;
  // Legacy completions: "logprobs" is the number of alternatives (0..5).
  if (auto e = read_int(body, "logprobs", 0, kMaxLegacyLogprobs, p.logprobs)) return *e;
  auto prompt = body.find("prompt");
  if (prompt == body.end()) return bad_request("'prompt' is required", "prompt");
  const json* one = &*prompt;
  // A one-element batch is the same as its element; real batches need n > 1 prompts.
  if (prompt->is_array() && prompt->size() == 1 && ((*prompt)[0].is_string() || (*prompt)[0].is_array()))
    one = &(*prompt)[0];
  if (one->is_string()) {
    p.prompt_text = one->get<std::string>();
    if (p.prompt_text.empty()) return bad_request("'prompt' must not be empty", "prompt");
  } else if (one->is_array()) {
    if (one->empty()) return bad_request("'prompt' must not be empty", "prompt");
    for (const auto& t : *one) {
      if (t.is_string() || t.is_array())
        return bad_request("batched prompts are not supported: send one prompt per request", "prompt");
      if (!t.is_number_integer()) return wrong_type("prompt", "a string or an array of token ids", t);
      const double v = t.get<double>();
      if (v < 0 || v > std::numeric_limits<int32_t>::max())
        return bad_request("'prompt' token id " + t.dump() + " is out of range", "prompt");
      p.prompt_tokens.push_back(int32_t(v));
    }
    p.prompt_is_tokens = true;
  } else {
    return wrong_type("prompt", "a string or an array of token ids", *prompt);
  }
  if (auto it = body.find("echo"); it != body.end() && it->is_boolean() && it->get<bool>())
    return bad_request("'echo' is not supported by this server", "echo");
  return p;
}

}  // namespace ledge::server
