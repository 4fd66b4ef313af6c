// Byte-level BPE (`tokenizer.ggml.model = gpt2`): the pre-tokenizer regexes
// cut the text into words, each word's bytes are mapped to the byte-level
// alphabet, and within a word adjacent symbols are merged by merge rank
// (lowest rank first, leftmost on ties) until no listed merge applies. Each
// merge costs O(log n), so long words without spaces stay fast.
#pragma once

#include <memory>

#include "tokenizer/regex_splitter.h"
#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {

class BpeTokenizer final : public Tokenizer {
 public:
  static Result<std::unique_ptr<Tokenizer>> create(Vocab vocab);

 protected:
  Status encode_text(std::string_view text, bool after_special, std::vector<int32_t>& out) const override;
  std::string normal_piece(const TokenData& token) const override;

 private:
  BpeTokenizer(Vocab vocab, RegexSplitter splitter);
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;

  static constexpr size_t kMaxCachedWordBytes = 64;
  RegexSplitter splitter_;
};

}  // namespace ledge::tokenizer
