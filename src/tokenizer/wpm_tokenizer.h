// WordPiece (`tokenizer.ggml.model = bert`), as llama.cpp runs it on GGUF
// vocabs, where word-initial pieces carry a U+2581 prefix and "##"
// continuations are stored bare. Normalisation follows BertNormalizer:
// optional NFD + dropping of combining marks (strip_accents), optional
// lowercasing, removal of control characters; words are split on whitespace,
// and every punctuation mark, ASCII symbol and CJK ideograph is a word of
// its own. Each word is cut greedily into the longest matching pieces; a
// word that cannot be cut completely becomes [UNK].
#pragma once

#include <memory>

#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {

class WpmTokenizer final : public Tokenizer {
 public:
  static Result<std::unique_ptr<Tokenizer>> create(Vocab vocab);

 protected:
  Status encode_text(std::string_view text, bool after_special, std::vector<int32_t>& out) const override;
  std::string normal_piece(const TokenData& token) const override;

 private:
  using Tokenizer::Tokenizer;
  // Normalised words of `text`.
  Result<std::vector<std::string>> split_words(std::string_view text) const;
};

}  // namespace ledge::tokenizer
