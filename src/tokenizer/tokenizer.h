// Text <-> token ids for a GGUF vocabulary. One interface, three models:
// SentencePiece-style BPE (`llama`), byte-level BPE (`gpt2`) and WordPiece
// (`bert`), each reproducing llama.cpp's tokenization of the same vocab.
// A Tokenizer is immutable after creation and safe to share across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tokenizer/vocab.h"

namespace ledge::gguf {
class File;
}

namespace ledge::tokenizer {

struct DecodeOptions {
  bool render_special = false;        // control/unknown tokens show their text ("<s>") instead of nothing
  bool remove_bos_eos = false;        // drop the BOS/EOS that encode(add_special) would have added
  std::optional<bool> clean_spaces;   // default: the vocab's clean_up_tokenization_spaces behaviour
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  static Result<std::unique_ptr<Tokenizer>> create(Vocab vocab);
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const gguf::File& file);
  static Result<std::unique_ptr<Tokenizer>> load(const std::string& gguf_path);

  // Largest input encode() accepts: offsets inside the tokenizers (and ICU's
  // UTF-16 indices) are 32-bit.
  static constexpr size_t kMaxEncodeBytes = size_t{1} << 30;

  // add_special: add BOS/EOS/SEP as the vocab asks. parse_special: text that
  // spells a control token ("<|im_end|>") becomes that token; otherwise it is
  // tokenized as plain text (user-defined tokens are always recognised).
  Result<std::vector<int32_t>> encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes a token stands for: may be a fragment of a UTF-8 character
  // (byte tokens, byte-level BPE). Control and unknown tokens give their text
  // when render_special is set, else "". Unknown ids give "".
  std::string token_to_piece(int32_t id, bool render_special = true) const;

  // Concatenated pieces, with the SentencePiece leading space removed and
  // optional clean-up; fails on an id outside the vocab.
  Result<std::string> decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;

  int32_t n_vocab() const { return vocab_.size(); }
  const Vocab& vocab() const { return vocab_; }
  const SpecialTokens& special() const { return vocab_.special(); }
  TokenizerModel model() const { return vocab_.model(); }

 protected:
  explicit Tokenizer(Vocab vocab);
  // Tokenizes text that contains no special tokens. `after_special` is true
  // for the first fragment and for one that follows a special token.
  virtual Status encode_text(std::string_view text, bool after_special, std::vector<int32_t>& out) const = 0;
  // Piece of a normal (or byte) token.
  virtual std::string normal_piece(const TokenData& token) const = 0;
  // Fills pieces_; called by create() once the object is complete.
  void build_piece_cache();

  Vocab vocab_;

 private:
  std::vector<std::string> pieces_;  // token_to_piece(id, render_special = true)
};

// Removes the spaces clean_up_tokenization_spaces removes (" ." " ," " !" " ?"
// " ' " " 's" " 'm" " 're" " 've").
std::string clean_up_spaces(std::string_view text);

}  // namespace ledge::tokenizer
