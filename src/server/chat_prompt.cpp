#include "server/chat_prompt.h"

#include <ctime>

#include "template/template.h"

namespace ledge::server {

ChatPrompt::ChatPrompt(std::optional<std::string> template_source, const tokenizer::Tokenizer& tok)
    : template_(std::move(template_source)), tok_(tok) {
  const auto& sp = tok.special();
  bos_ = sp.bos >= 0 ? tok.token_to_piece(sp.bos) : "";
  eos_ = sp.eos >= 0 ? tok.token_to_piece(sp.eos) : "";
}

std::vector<std::string> ChatPrompt::extra_stops() const {
  if (uses_fallback()) return {"<|im_end|>", "<|im_start|>"};
  return {};
}

Result<std::vector<int32_t>> ChatPrompt::tokenize(const nlohmann::ordered_json& messages,
                                                  const std::optional<nlohmann::ordered_json>& tools) const {
  auto text = render(messages, tools);
  if (!text.ok()) return text.status();
  // Templates usually spell BOS themselves; adding another would double it.
  const bool has_bos = !bos_.empty() && text->starts_with(bos_);
  return tok_.encode(*text, /*add_special=*/!has_bos, /*parse_special=*/template_.has_value());
}

Result<std::string> ChatPrompt::render(const nlohmann::ordered_json& messages,
                                       const std::optional<nlohmann::ordered_json>& tools) const {
  std::string text;
  if (tools && !template_)
    return Error{"this model has no chat template, so 'tools' cannot be given to it"};
  if (template_) {
    tmpl::ChatInputs in;
    in.messages = messages;
    in.tools = tools;
    in.add_generation_prompt = true;
    in.bos_token = bos_;
    in.eos_token = eos_;
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    in.now = buf;
    auto r = tmpl::render_chat(*template_, in);
    if (!r.ok()) return Error{"chat template: " + r.message()};
    text = std::move(r).value();
  } else {
    for (const auto& m : messages)
      text += "<|im_start|>" + m["role"].get<std::string>() + "\n" + m["content"].get<std::string>() + "<|im_end|>\n";
    text += "<|im_start|>assistant\n";
  }
  return text;
}

}  // namespace ledge::server
