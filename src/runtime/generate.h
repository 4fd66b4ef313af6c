// One-shot generation for one sequence: prompt -> streamed text. The server's
// scheduler uses the same pieces (Engine, Sampler, TextStream) step by step.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "runtime/engine.h"
#include "runtime/sampler.h"
#include "runtime/text_stream.h"
#include "tokenizer/tokenizer.h"

namespace ledge::runtime {

struct GenerateRequest {
  std::vector<int32_t> prompt;
  int32_t max_tokens = 128;
  SamplingParams sampling;
  std::vector<std::string> stop;
  bool ignore_eos = false;
};

struct GenerateResult {
  std::string text;
  std::vector<int32_t> tokens;  // generated ids (including a final EOG token)
  int32_t n_prompt = 0;
  FinishReason finish = FinishReason::kNone;
  double prompt_seconds = 0;    // time to first token
  double generate_seconds = 0;  // remaining decode time
};

// Streams text through on_text (return false to stop early). Fails cleanly if
// the prompt plus max_tokens do not fit in the context.
Result<GenerateResult> generate(Engine& engine, const tokenizer::Tokenizer& tok, const GenerateRequest& req,
                                const std::function<bool(std::string_view)>& on_text = {});

}  // namespace ledge::runtime
