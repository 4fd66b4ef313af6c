#include "runtime/text_stream.h"

#include <algorithm>

namespace ledge::runtime {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    default: return "none";
  }
}

std::vector<int32_t> end_of_generation_tokens(const tokenizer::Tokenizer& tok) {
  const auto& sp = tok.special();
  std::vector<int32_t> ids;
  for (int32_t id : {sp.eos, sp.eot, sp.eom})
    if (id >= 0) ids.push_back(id);
  // Chat formats whose turn terminator is not declared as EOS/EOT in older files.
  static const char* kTurnEnds[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                                    "<|eom_id|>", "<EOT>", "<|end_of_text|>", "</s>"};
  for (const char* text : kTurnEnds) {
    auto r = tok.encode(text, /*add_special=*/false, /*parse_special=*/true);
    if (r.ok() && r->size() == 1 && tok.token_to_piece((*r)[0]) == text) ids.push_back((*r)[0]);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

TextStream::TextStream(const tokenizer::Tokenizer& tok, std::vector<std::string> stop, bool ignore_eos)
    : tok_(tok), detok_(tok), stop_(std::move(stop)), eog_(end_of_generation_tokens(tok)), ignore_eos_(ignore_eos) {
  stop_.erase(std::remove(stop_.begin(), stop_.end(), std::string()), stop_.end());
}

std::string TextStream::release(bool all) {
  size_t keep = 0;
  if (!all) {
    // Hold back the longest tail of held_ that is a proper prefix of a stop string.
    for (const std::string& s : stop_) {
      for (size_t n = std::min(s.size() - 1, held_.size()); n > keep; --n) {
        if (held_.compare(held_.size() - n, n, s, 0, n) == 0) {
          keep = n;
          break;
        }
      }
    }
  }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  emitted_ += out;
  return out;
}

Result<std::string> TextStream::push(int32_t token) {
  if (finished()) return std::string();
  if (!ignore_eos_ && std::binary_search(eog_.begin(), eog_.end(), token)) {
    held_ += detok_.finish();
    reason_ = FinishReason::kStop;
    return release(true);
  }
  auto piece = detok_.push(token);
  if (!piece.ok()) return piece.status();
  held_ += *piece;
  // A stop string may now be complete somewhere in held_ (it can span pieces).
  size_t cut = std::string::npos;
  for (const std::string& s : stop_) cut = std::min(cut, held_.find(s));
  if (cut != std::string::npos) {
    held_.resize(cut);
    reason_ = FinishReason::kStop;
    return release(true);
  }
  return release(false);
}

std::string TextStream::finish(FinishReason reason) {
  if (finished()) return std::string();
  held_ += detok_.finish();
  reason_ = reason;
  // A stop string could complete only with more tokens; now it can't.
  return release(true);
}

}  // namespace ledge::runtime
