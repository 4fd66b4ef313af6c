// Messages -> prompt text for one model: its GGUF chat template when it has
// one, else a ChatML-style fallback ("<|im_start|>role\ncontent<|im_end|>\n"
// per message, then "<|im_start|>assistant\n"), which the model list reports
// so clients know the model was not trained on it.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "tokenizer/tokenizer.h"

namespace ledge::server {

class ChatPrompt {
 public:
  ChatPrompt(std::optional<std::string> template_source, const tokenizer::Tokenizer& tok);

  bool uses_fallback() const { return !template_.has_value(); }
  const char* format_name() const { return uses_fallback() ? "chatml-fallback" : "gguf"; }
  // Stop strings that end an assistant turn in the fallback format.
  std::vector<std::string> extra_stops() const;

  // Token ids of the rendered conversation, ready for generation. `tools`
  // (OpenAI's list) are handed to the template as `tools`; without a
  // template they cannot be rendered and are an error.
  Result<std::vector<int32_t>> tokenize(const nlohmann::ordered_json& messages,
                                        const std::optional<nlohmann::ordered_json>& tools = std::nullopt) const;
  // The rendered text (what tokenize() encodes).
  Result<std::string> render(const nlohmann::ordered_json& messages,
                             const std::optional<nlohmann::ordered_json>& tools = std::nullopt) const;

 private:
  std::optional<std::string> template_;
  const tokenizer::Tokenizer& tok_;
  std::string bos_, eos_;
};

}  // namespace ledge::server
