#include "tokenizer/vocab.h"

#include <algorithm>
#include <limits>

#include "gguf/gguf.h"

namespace ledge::tokenizer {

std::string_view tokenizer_model_name(TokenizerModel m) {
  switch (m) {
    case TokenizerModel::Spm: return "llama";
    case TokenizerModel::Bpe: return "gpt2";
    case TokenizerModel::Wpm: return "bert";
  }
  return "?";
}

namespace {

uint32_t attrs_from_type(int64_t type) {
  switch (static_cast<TokenType>(type)) {
    case TokenType::Normal: return kAttrNormal;
    case TokenType::Unknown: return kAttrUnknown;
    case TokenType::Control: return kAttrControl;
    case TokenType::UserDefined: return kAttrUserDefined;
    case TokenType::Unused: return kAttrUnused;
    case TokenType::Byte: return kAttrByte;
    case TokenType::Undefined: return kAttrUndefined;
  }
  return kAttrUndefined;
}

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

bool contains_any(const std::string& s, std::initializer_list<std::string_view> parts) {
  for (auto p : parts) {
    if (s.find(p) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

Result<Vocab> Vocab::load(const std::string& gguf_path) {
  auto file = gguf::File::open(gguf_path);
  if (!file.ok()) return Error{file.message()};
  auto vocab = from_gguf(*file);
  if (!vocab.ok()) return Error{gguf_path + ": " + vocab.message()};
  return vocab;
}

Result<Vocab> Vocab::from_gguf(const gguf::File& file) {
  auto meta = read_vocab_metadata(file);
  if (!meta.ok()) return Error{meta.message()};
  return build(std::move(*meta));
}

Result<Vocab> Vocab::build(VocabMetadata meta) {
  Vocab v;
  // Per-model defaults (llama.cpp's), overridden by keys further down.
  if (meta.model == "llama") {
    v.model_ = TokenizerModel::Spm;
    v.special_.bos = 1, v.special_.eos = 2, v.special_.unk = 0;
    v.flags_.add_space_prefix = true;
    v.flags_.add_bos = true;
  } else if (meta.model == "gpt2") {
    v.model_ = TokenizerModel::Bpe;
    v.special_.bos = 11, v.special_.eos = 11;
  } else if (meta.model == "bert") {
    v.model_ = TokenizerModel::Wpm;
    v.special_.bos = 101, v.special_.unk = 100, v.special_.sep = 102, v.special_.pad = 0, v.special_.mask = 103;
    v.flags_.add_bos = true;
    v.flags_.add_sep = true;
    v.flags_.clean_spaces = true;
    v.flags_.lowercase = true;
  } else {
    return Error{"tokenizer.ggml.model: unsupported tokenizer model '" + meta.model +
                 "' (supported: llama = SentencePiece BPE, gpt2 = byte-level BPE, bert = WordPiece)"};
  }
  v.pre_name_ = meta.pre.value_or("");
  if (v.model_ == TokenizerModel::Bpe) {
    auto preset = find_pre_tokenizer(v.pre_name_);
    if (!preset.ok()) return Error{preset.message()};
    v.preset_ = *preset;
    v.flags_.clean_spaces = v.preset_->clean_spaces;
    v.flags_.ignore_merges = v.preset_->ignore_merges;
    v.flags_.add_bos = v.preset_->add_bos;
    v.flags_.add_sep = v.preset_->add_sep;
    if (!v.preset_->has_bos) v.special_.bos = kNoToken;
  }

  // Tokens, scores, types.
  const size_t n = meta.tokens.size();
  if (n == 0) return Error{"tokenizer.ggml.tokens: empty token list"};
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Error{"tokenizer.ggml.tokens: " + std::to_string(n) + " tokens is more than ids can address"};
  }
  if (meta.scores && meta.scores->size() != n) {
    return Error{"tokenizer.ggml.scores has " + std::to_string(meta.scores->size()) +
                 " entries but tokenizer.ggml.tokens has " + std::to_string(n)};
  }
  if (meta.token_types && meta.token_types->size() != n) {
    return Error{"tokenizer.ggml.token_type has " + std::to_string(meta.token_types->size()) +
                 " entries but tokenizer.ggml.tokens has " + std::to_string(n)};
  }
  v.tokens_.resize(n);
  v.by_text_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    TokenData& t = v.tokens_[i];
    t.text = std::move(meta.tokens[i]);
    if (t.text.empty()) t.text = "[EMPTY_" + std::to_string(i) + "]";  // keeps every id addressable by text
    if (meta.scores) t.score = (*meta.scores)[i];
    if (meta.token_types) {
      const int64_t type = (*meta.token_types)[i];
      if (type < 0 || type > static_cast<int64_t>(TokenType::Byte)) {
        return Error{"tokenizer.ggml.token_type[" + std::to_string(i) + "] = " + std::to_string(type) +
                     " is not a token type (0..6)"};
      }
      t.attrs = attrs_from_type(type);
    }
    v.by_text_.insert_or_assign(t.text, static_cast<int32_t>(i));
    v.max_token_bytes_ = std::max(v.max_token_bytes_, t.text.size());
  }

  if (v.model_ == TokenizerModel::Bpe) {
    if (!meta.merges) return Error{"missing key tokenizer.ggml.merges (required by tokenizer.ggml.model 'gpt2')"};
    LEDGE_RETURN_IF_ERROR(v.init_merges(*meta.merges));
  }

  // Byte fallback tokens (SPM): "<0xNN>", else the single byte as text.
  static const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const char name[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
    int32_t id = v.find(name);
    if (id == kNoToken) id = v.find(std::string(1, static_cast<char>(b)));
    v.byte_tokens_[b] = id;
  }

  LEDGE_RETURN_IF_ERROR(v.init_special_ids(meta));
  if (meta.add_bos) v.flags_.add_bos = *meta.add_bos;
  if (meta.add_eos) v.flags_.add_eos = *meta.add_eos;
  if (meta.add_sep) v.flags_.add_sep = *meta.add_sep;
  if (meta.add_space_prefix) v.flags_.add_space_prefix = *meta.add_space_prefix;
  if (meta.lowercase) v.flags_.lowercase = *meta.lowercase;
  v.flags_.strip_accents = v.flags_.lowercase;
  if (meta.strip_accents) v.flags_.strip_accents = *meta.strip_accents;
  if (v.flags_.add_bos && v.special_.bos == kNoToken) {
    return Error{"tokenizer.ggml.add_bos_token is true but the vocab has no BOS token"};
  }
  if (v.flags_.add_eos && v.special_.eos == kNoToken) {
    return Error{"tokenizer.ggml.add_eos_token is true but the vocab has no EOS token"};
  }
  if (v.model_ == TokenizerModel::Wpm && v.special_.sep == kNoToken && v.flags_.add_sep) {
    return Error{"WordPiece vocab without a separator token (tokenizer.ggml.seperator_token_id)"};
  }

  v.detect_special_by_text();
  v.apply_name_fixes(meta);

  for (int32_t id = 0; id < v.size(); ++id) {
    if (v.tokens_[id].attrs & (kAttrControl | kAttrUserDefined | kAttrUnknown)) v.special_by_length_.push_back(id);
  }
  std::stable_sort(v.special_by_length_.begin(), v.special_by_length_.end(), [&](int32_t a, int32_t b) {
    return v.tokens_[a].text.size() > v.tokens_[b].text.size();
  });
  return v;
}

int32_t Vocab::find(std::string_view text) const {
  auto it = by_text_.find(text);
  return it == by_text_.end() ? kNoToken : it->second;
}

Status Vocab::init_merges(const std::vector<std::string>& merges) {
  merges_by_id_.reserve(merges.size());
  merges_by_text_.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string& m = merges[i];
    // The separator is the first space after the first byte (a half may
    // itself start with a space in non byte-level vocabs).
    const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
    if (space == std::string::npos) {
      return Error{"tokenizer.ggml.merges[" + std::to_string(i) + "] = '" + m +
                   "': expected two tokens separated by a space"};
    }
    if (i > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return Error{"tokenizer.ggml.merges: too many merges"};
    }
    const int32_t rank = static_cast<int32_t>(i);
    std::string_view left(m.data(), space);
    std::string_view right(m.data() + space + 1, m.size() - space - 1);
    merges_by_text_.try_emplace(m, rank);  // first occurrence wins, as in llama.cpp
    const int32_t l = find(left), r = find(right);
    if (l != kNoToken && r != kNoToken) {
      std::string joined;
      joined.reserve(left.size() + right.size());
      joined.append(left).append(right);
      merges_by_id_.try_emplace(pair_key(l, r), MergeHit{rank, find(joined)});
    }
  }
  return Status::Ok();
}

Vocab::MergeHit Vocab::merge(int32_t left_id, int32_t right_id) const {
  auto it = merges_by_id_.find(pair_key(left_id, right_id));
  return it == merges_by_id_.end() ? MergeHit{} : it->second;
}

int32_t Vocab::merge_rank(std::string_view left, std::string_view right) const {
  std::string key;
  key.reserve(left.size() + right.size() + 1);
  key.append(left).append(" ").append(right);
  auto it = merges_by_text_.find(std::string_view(key));
  return it == merges_by_text_.end() ? -1 : it->second;
}

Status Vocab::init_special_ids(const VocabMetadata& meta) {
  // Defaults that do not fit this vocab are dropped (llama.cpp does the same).
  int32_t* slots[] = {&special_.bos, &special_.eos, &special_.eot, &special_.eom, &special_.unk, &special_.sep,
                      &special_.pad, &special_.mask, &special_.fim_pre, &special_.fim_suf, &special_.fim_mid,
                      &special_.fim_pad, &special_.fim_rep, &special_.fim_sep, &special_.fim_pre, &special_.fim_suf,
                      &special_.fim_mid};
  for (int32_t* s : slots) {
    if (!contains(*s)) *s = kNoToken;
  }
  const auto& keys = special_id_keys();
  for (const auto& [key, raw] : meta.special_ids) {
    auto k = std::find(keys.begin(), keys.end(), key);
    if (k == keys.end()) return Error{"unexpected special token key '" + key + "'"};
    // -1 (or -1 stored as uint32) is how converters write "no such token".
    if (raw == -1 || raw == 0xFFFFFFFFLL) continue;
    if (raw < 0 || raw >= size()) {
      return Error{key + " = " + std::to_string(raw) + " is out of range (vocab has " + std::to_string(size()) +
                   " tokens)"};
    }
    *slots[k - keys.begin()] = static_cast<int32_t>(raw);
  }
  return Status::Ok();
}

void Vocab::detect_special_by_text() {
  // Converters do not always write the end-of-turn and FIM ids; llama.cpp
  // finds them by their usual texts and forces them to be control tokens.
  struct Rule {
    int32_t* slot;
    std::initializer_list<std::string_view> texts;
  };
  const Rule rules[] = {
      {&special_.eot,
       {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
        "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}},
      {&special_.eom, {"<|eom_id|>"}},
      {&special_.fim_pre,
       {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>"}},
      {&special_.fim_suf,
       {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>"}},
      {&special_.fim_mid,
       {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>"}},
      {&special_.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>"}},
      {&special_.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}},
      {&special_.fim_sep, {"<|file_sep|>"}},
  };
  for (const Rule& rule : rules) {
    if (*rule.slot != kNoToken) continue;
    for (auto text : rule.texts) {
      const int32_t id = find(text);
      if (id == kNoToken) continue;
      *rule.slot = id;
      tokens_[id].attrs |= kAttrControl;
      break;
    }
  }

  static constexpr std::string_view kEogTexts[] = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
      "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "<|end_of_text|>", "<end_of_utterance>"};
  for (auto text : kEogTexts) {
    const int32_t id = find(text);
    if (id == kNoToken) continue;
    eog_.insert(id);
    tokens_[id].attrs |= kAttrControl;
  }
  for (int32_t id : {special_.eos, special_.eot, special_.eom, special_.fim_pad, special_.fim_rep, special_.fim_sep}) {
    if (id != kNoToken) eog_.insert(id);
  }
  // gpt-oss renders its channel markers; they must stay plain user-defined.
  for (auto text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    const int32_t id = find(text);
    if (id != kNoToken) tokens_[id].attrs = kAttrUserDefined;
  }
}

void Vocab::apply_name_fixes(const VocabMetadata& meta) {
  std::string name = meta.general_name;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto set_attr = [&](std::string_view text, uint32_t attr, bool on) {
    const int32_t id = find(text);
    if (id == kNoToken) return;
    tokens_[id].attrs = on ? (tokens_[id].attrs | attr) : (tokens_[id].attrs & ~attr);
  };
  if (contains_any(pre_name_, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      contains_any(meta.architecture, {"nomic-bert-moe", "jina-bert-v3"})) {
    set_attr("<mask>", kAttrLStrip, true);
  } else if (contains_any(name, {"phi-3", "phi3"})) {
    for (auto& t : tokens_) {
      if (t.attrs & (kAttrControl | kAttrUserDefined | kAttrUnknown)) t.attrs |= kAttrRStrip;
    }
    set_attr("</s>", kAttrRStrip, true);
    for (auto text : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(text, kAttrRStrip, false);
  }
}

}  // namespace ledge::tokenizer
