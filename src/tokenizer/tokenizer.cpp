#include "tokenizer/tokenizer.h"

#include "gguf/gguf.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/special_partition.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/wpm_tokenizer.h"

namespace ledge::tokenizer {

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)) {}

Result<std::unique_ptr<Tokenizer>> Tokenizer::create(Vocab vocab) {
  Result<std::unique_ptr<Tokenizer>> made = Error{"unreachable"};
  switch (vocab.model()) {
    case TokenizerModel::Spm: made = SpmTokenizer::create(std::move(vocab)); break;
    case TokenizerModel::Bpe: made = BpeTokenizer::create(std::move(vocab)); break;
    case TokenizerModel::Wpm: made = WpmTokenizer::create(std::move(vocab)); break;
  }
  if (made.ok()) (*made)->build_piece_cache();
  return made;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const gguf::File& file) {
  auto vocab = Vocab::from_gguf(file);
  if (!vocab.ok()) return Error{vocab.message()};
  return create(std::move(*vocab));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::load(const std::string& gguf_path) {
  auto vocab = Vocab::load(gguf_path);
  if (!vocab.ok()) return Error{vocab.message()};
  return create(std::move(*vocab));
}

void Tokenizer::build_piece_cache() {
  pieces_.resize(static_cast<size_t>(vocab_.size()));
  for (int32_t id = 0; id < vocab_.size(); ++id) {
    const TokenData& t = vocab_.token(id);
    if (t.attrs & (kAttrControl | kAttrUnknown | kAttrUserDefined)) {
      pieces_[id] = t.text;
    } else if (t.attrs & (kAttrNormal | kAttrByte)) {
      pieces_[id] = normal_piece(t);
    }  // unused / undefined tokens render as nothing
  }
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  if (!vocab_.contains(id)) return {};
  if (!render_special && (vocab_.token(id).attrs & (kAttrControl | kAttrUnknown))) return {};
  return pieces_[static_cast<size_t>(id)];
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  if (text.size() > kMaxEncodeBytes) {
    return Error{"input of " + std::to_string(text.size()) + " bytes is larger than the " +
                 std::to_string(kMaxEncodeBytes) + "-byte limit of encode()"};
  }
  const VocabFlags& flags = vocab_.flags();
  const SpecialTokens& sp = vocab_.special();
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_special && flags.add_bos) out.push_back(sp.bos);

  bool after_special = true;
  for (const Fragment& f : partition_special(vocab_, text, parse_special)) {
    if (f.is_text()) {
      LEDGE_RETURN_IF_ERROR(encode_text(text.substr(f.offset, f.length), after_special, out));
      after_special = false;
    } else {
      out.push_back(f.token);
      after_special = true;
    }
  }

  if (add_special && flags.add_eos) out.push_back(sp.eos);
  if (add_special && flags.add_sep && vocab_.model() == TokenizerModel::Wpm) out.push_back(sp.sep);
  return out;
}

Result<std::string> Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  const VocabFlags& flags = vocab_.flags();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!vocab_.contains(ids[i])) {
      return Error{"token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                   " is outside the vocab (0.." + std::to_string(vocab_.size() - 1) + ")"};
    }
  }
  // SentencePiece adds a space in front of the text; the first piece loses it
  // again, unless a removed BOS stood in front (llama.cpp behaves the same).
  bool strip_space = flags.add_space_prefix;
  if (options.remove_bos_eos && flags.add_bos && !ids.empty() && ids.front() == vocab_.special().bos) {
    strip_space = false;
    ids = ids.subspan(1);
  }
  if (options.remove_bos_eos && flags.add_eos && !ids.empty() && ids.back() == vocab_.special().eos) {
    ids = ids.first(ids.size() - 1);
  }
  std::string text;
  for (const int32_t id : ids) {
    std::string piece = token_to_piece(id, options.render_special);
    if (strip_space && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
    strip_space = false;
    text += piece;
  }
  if (options.clean_spaces.value_or(flags.clean_spaces)) return clean_up_spaces(text);
  return text;
}

std::string clean_up_spaces(std::string_view in) {
  // Three passes, each looking at the output of the previous one.
  std::string a;
  a.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (i > 0 && in[i - 1] == ' ' && (c == '?' || c == '!' || c == '.' || c == ',') && !a.empty()) a.pop_back();
    a.push_back(c);
  }
  // " ' " -> "'" (a lone quote between spaces). The dropped space after the
  // quote is blanked in the input too, so it cannot serve a following quote.
  std::string b;
  b.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = a[i];
    if (i > 0 && c == '\'' && i + 1 < a.size() && a[i - 1] == ' ' && a[i + 1] == ' ') {
      if (!b.empty()) b.pop_back();
      b.push_back(c);
      a[++i] = '\0';
      continue;
    }
    b.push_back(c);
  }
  // " 's" " 'm" " 're" " 've" -> no space ( " 't", " 'd", " 'll" keep it)
  std::string out;
  out.reserve(b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    const char c = b[i];
    if (i > 0 && b[i - 1] == ' ' && c == '\'' && i + 1 < b.size()) {
      const char x1 = b[i + 1];
      const bool two = i + 2 < b.size();
      const char x2 = two ? b[i + 2] : '\0';
      if (x1 == 's' || x1 == 'm' || (two && ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')))) {
        if (!out.empty()) out.pop_back();
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace ledge::tokenizer
