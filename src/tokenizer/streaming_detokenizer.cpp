#include "tokenizer/streaming_detokenizer.h"

#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace ledge::tokenizer {

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, bool render_special, bool strip_leading_space)
    : tokenizer_(tokenizer),
      render_special_(render_special),
      strip_space_(strip_leading_space && tokenizer.vocab().flags().add_space_prefix) {}

Result<std::string> StreamingDetokenizer::push(int32_t id) {
  if (!tokenizer_.vocab().contains(id)) {
    return Error{"token id " + std::to_string(id) + " is outside the vocab (0.." +
                 std::to_string(tokenizer_.n_vocab() - 1) + ")"};
  }
  std::string piece = tokenizer_.token_to_piece(id, render_special_);
  if (strip_space_ && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
  strip_space_ = false;
  pending_ += piece;
  return drain(false);
}

std::string StreamingDetokenizer::finish() { return drain(true); }

std::string StreamingDetokenizer::drain(bool at_end) {
  const size_t keep = at_end ? 0 : utf8_incomplete_tail(pending_);
  const std::string_view ready(pending_.data(), pending_.size() - keep);
  std::string out;
  out.reserve(ready.size());
  size_t pos = 0;
  while (pos < ready.size()) {
    const size_t start = pos;
    char32_t cp = 0;
    if (utf8_decode(ready, pos, cp)) {
      out.append(ready.substr(start, pos - start));
    } else {
      utf8_append(out, kReplacementChar);
      pos = start + utf8_maximal_subpart(ready, start);
    }
  }
  pending_.erase(0, pending_.size() - keep);
  return out;
}

}  // namespace ledge::tokenizer
