// SentencePiece-style BPE (`tokenizer.ggml.model = llama`), as llama.cpp runs
// it: spaces become U+2581 (with one prepended after BOS / a special token
// when add_space_prefix is set), the text is split into UTF-8 characters and
// adjacent pieces are merged greedily, highest token score first (leftmost
// on ties), as long as the merged text is a token. Pieces that are not
// tokens fall back to <0xNN> byte tokens, or to <unk> without them.
#pragma once

#include <memory>

#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {

class SpmTokenizer final : public Tokenizer {
 public:
  static Result<std::unique_ptr<Tokenizer>> create(Vocab vocab);

 protected:
  Status encode_text(std::string_view text, bool after_special, std::vector<int32_t>& out) const override;
  std::string normal_piece(const TokenData& token) const override;

 private:
  explicit SpmTokenizer(Vocab vocab);
  // Merges one escaped chunk (no token may span its ends) and appends its ids.
  Status encode_chunk(std::string_view chunk, std::vector<int32_t>& out) const;

  static constexpr size_t kMaxCachedWordBytes = 64;
  bool splits_at_word_starts_ = false;
};

}  // namespace ledge::tokenizer
