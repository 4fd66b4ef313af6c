// libFuzzer target for the chat-template engine: the input is template source,
// parsed and rendered against a small fixed chat context. Any crash, sanitizer
// report, leak or exception escaping the API is a bug; errors are fine.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "template/template.h"

namespace {

const nlohmann::ordered_json& context() {
  static const nlohmann::ordered_json ctx = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Hi — ünïcode ✓"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "n": 2.5}}}]},
      {"role": "tool", "content": "{\"temp_c\": 21}"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather.",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
    "add_generation_prompt": true,
    "bos_token": "<s>",
    "eos_token": "</s>"
  })");
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  auto parsed = ledge::tmpl::Template::parse(source);
  if (!parsed.ok()) return 0;
  ledge::tmpl::RenderOptions options;
  // Small budgets keep each run fast; they are enforced, so hitting them is
  // an ordinary error result.
  options.limits.max_steps = 200'000;
  options.limits.max_output_bytes = 1 << 20;
  options.limits.max_range = 10'000;
  auto rendered = parsed->render(context(), options);
  (void)rendered;
  return 0;
}
