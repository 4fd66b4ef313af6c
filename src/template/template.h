// Public API of the chat-template engine: a Jinja2-compatible renderer that
// matches Python Jinja2 3.1 (as configured by Hugging Face transformers'
// apply_chat_template: ImmutableSandboxedEnvironment, trim_blocks,
// lstrip_blocks, loopcontrols, tojson = json.dumps) byte for byte.
//
// Templates are untrusted input: parse() and render() never throw and never
// crash; failures come back as ledge::Error naming the problem and its
// line:column. Rendering is bounded in steps, output size, call depth and
// range sizes (RenderLimits).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "template/interpreter.h"

namespace ledge::tmpl {

struct RenderOptions {
  RenderLimits limits;
  // The time strftime_now() formats, "YYYY-MM-DDTHH:MM:SS". Fixed rather than
  // read from the clock so renders are reproducible; callers pass the real
  // time when they want it.
  std::string now = "2026-01-15T09:30:00";
};

class Template {
 public:
  static Result<Template> parse(std::string_view source);

  // `context` must be a JSON object; its members become template variables.
  Result<std::string> render(const nlohmann::ordered_json& context, const RenderOptions& options = {}) const;

 private:
  Template() = default;
  std::string source_;                 // normalized source, for error positions
  std::shared_ptr<const Body> body_;
};

struct ChatInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  std::optional<nlohmann::ordered_json> tools;  // rendered as None when absent
  bool add_generation_prompt = false;
  std::string bos_token = "<s>";
  std::string eos_token = "</s>";
  std::string now = "2026-01-15T09:30:00";
};

// Parses and renders a chat template with the variables apply_chat_template
// provides (messages, tools, add_generation_prompt, bos_token, eos_token).
Result<std::string> render_chat(std::string_view template_source, const ChatInputs& inputs,
                                const RenderLimits& limits = {});

}  // namespace ledge::tmpl
