// Turns sampled tokens into the text a client sees: streaming detokenization
// (never broken UTF-8), end-of-generation tokens, and stop strings. Text that
// could still become a stop string is held back until it can't, so a stop
// string never leaks into a stream. Used by one-shot generation and by the
// server's scheduler alike (one TextStream per sequence).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "tokenizer/streaming_detokenizer.h"
#include "tokenizer/tokenizer.h"

namespace ledge::runtime {

enum class FinishReason { kNone, kStop, kLength };
const char* finish_reason_name(FinishReason r);

// Token ids that end generation: EOS, EOT, EOM and control tokens whose text
// marks the end of a turn in common chat formats.
std::vector<int32_t> end_of_generation_tokens(const tokenizer::Tokenizer& tok);

class TextStream {
 public:
  TextStream(const tokenizer::Tokenizer& tok, std::vector<std::string> stop, bool ignore_eos = false);

  // Adds a token; returns the text that may be shown now. Sets finished()
  // when the token ends generation (EOG token or stop string).
  Result<std::string> push(int32_t token);
  // Ends the stream (length limit or cancellation): releases held-back text.
  std::string finish(FinishReason reason);

  bool finished() const { return reason_ != FinishReason::kNone; }
  FinishReason reason() const { return reason_; }
  const std::string& text() const { return emitted_; }  // everything emitted so far

 private:
  std::string release(bool all);

  const tokenizer::Tokenizer& tok_;
  tokenizer::StreamingDetokenizer detok_;
  std::vector<std::string> stop_;
  std::vector<int32_t> eog_;
  bool ignore_eos_;
  std::string held_;     // decoded but not yet shown (could start a stop string)
  std::string emitted_;
  FinishReason reason_ = FinishReason::kNone;
};

}  // namespace ledge::runtime
