// A tokenizer vocabulary built from GGUF `tokenizer.ggml.*` metadata:
// token texts, scores and attributes, BPE merge ranks, special token ids and
// the flags that steer encoding/decoding, resolved the way llama.cpp
// resolves them (per-model defaults, then keys, then name-based fixes).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "tokenizer/pre_tokenizer_presets.h"
#include "tokenizer/vocab_metadata.h"

namespace ledge::gguf {
class File;
}

namespace ledge::tokenizer {

inline constexpr int32_t kNoToken = -1;

enum class TokenizerModel { Spm, Bpe, Wpm };
std::string_view tokenizer_model_name(TokenizerModel m);  // "llama", "gpt2", "bert"

// `tokenizer.ggml.token_type` values.
enum class TokenType : int32_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

// Token attributes: a bit set, because the loader may add Control to a
// user-defined token that looks like an end-of-turn marker.
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrLStrip = 1u << 6,  // eat whitespace left of the token when it is matched in text
  kAttrRStrip = 1u << 7,  // ... and right of it
};

struct TokenData {
  std::string text;
  float score = 0.0f;
  uint32_t attrs = kAttrNormal;
};

struct SpecialTokens {
  int32_t bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken, sep = kNoToken,
          pad = kNoToken, mask = kNoToken;
  int32_t fim_pre = kNoToken, fim_suf = kNoToken, fim_mid = kNoToken, fim_pad = kNoToken, fim_rep = kNoToken,
          fim_sep = kNoToken;
};

struct VocabFlags {
  bool add_bos = false;           // add_special puts BOS (WordPiece: [CLS]) first
  bool add_eos = false;           // add_special puts EOS last
  bool add_sep = false;           // add_special puts SEP last (WordPiece, RoBERTa-style BPE)
  bool add_space_prefix = false;  // SPM: prepend a space to text that follows BOS/a special token
  bool clean_spaces = false;      // decode: " ," -> ",", " 's" -> "'s" (clean_up_tokenization_spaces)
  bool ignore_merges = false;     // BPE: a pre-token that is already a token is emitted as is
  bool lowercase = false;         // WordPiece normalizer
  bool strip_accents = false;     // WordPiece normalizer: NFD, then drop combining marks
};

class Vocab {
 public:
  // Validates `meta` (array lengths, token types, ids in range, merges
  // well-formed, supported model and pre-tokenizer) and builds the lookups.
  static Result<Vocab> build(VocabMetadata meta);
  static Result<Vocab> from_gguf(const gguf::File& file);
  static Result<Vocab> load(const std::string& gguf_path);

  TokenizerModel model() const { return model_; }
  // `tokenizer.ggml.pre` as found ("" when absent).
  const std::string& pre_name() const { return pre_name_; }
  // BPE only: the pre-tokenizer regexes and flags (nullptr for SPM/WPM).
  const PreTokenizerPreset* pre_tokenizer() const { return preset_; }

  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  bool contains(int32_t id) const { return id >= 0 && id < size(); }
  // Precondition: contains(id).
  const TokenData& token(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
  // Id of the token with exactly this text (the last one when texts repeat,
  // as llama.cpp does), or kNoToken.
  int32_t find(std::string_view text) const;
  size_t max_token_bytes() const { return max_token_bytes_; }

  // BPE merge rank of (left, right), or -1. The id form covers merges whose
  // halves are both tokens and also returns the merged token's id.
  struct MergeHit {
    int32_t rank = -1;
    int32_t merged = kNoToken;
  };
  MergeHit merge(int32_t left_id, int32_t right_id) const;
  int32_t merge_rank(std::string_view left, std::string_view right) const;

  // SPM byte fallback: the `<0xNN>` token for `byte` (or a token whose text
  // is that single byte), or kNoToken.
  int32_t byte_token(uint8_t byte) const { return byte_tokens_[byte]; }

  const SpecialTokens& special() const { return special_; }
  const VocabFlags& flags() const { return flags_; }
  // Tokens matched in text before model tokenization (control, user-defined
  // and unknown), longest text first.
  const std::vector<int32_t>& special_tokens_longest_first() const { return special_by_length_; }
  // End-of-generation tokens (EOS, EOT, EOM and the usual end-of-turn texts).
  bool is_eog(int32_t id) const { return eog_.count(id) != 0; }
  const std::set<int32_t>& eog_tokens() const { return eog_; }

 private:
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Status init_merges(const std::vector<std::string>& merges);
  Status init_special_ids(const VocabMetadata& meta);
  void detect_special_by_text();
  void apply_name_fixes(const VocabMetadata& meta);

  TokenizerModel model_ = TokenizerModel::Spm;
  std::string pre_name_;
  const PreTokenizerPreset* preset_ = nullptr;
  std::vector<TokenData> tokens_;
  std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>> by_text_;
  size_t max_token_bytes_ = 0;
  std::unordered_map<uint64_t, MergeHit> merges_by_id_;
  std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>> merges_by_text_;  // "left right"
  int32_t byte_tokens_[256];
  SpecialTokens special_;
  VocabFlags flags_;
  std::vector<int32_t> special_by_length_;
  std::set<int32_t> eog_;
};

}  // namespace ledge::tokenizer
