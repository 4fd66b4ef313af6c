#include "tokenizer/spm_tokenizer.h"

#include <queue>
#include <unordered_map>

#include "tokenizer/utf8.h"

namespace ledge::tokenizer {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

struct Symbol {
  int32_t prev;
  int32_t next;
  size_t offset;  // into the escaped text
  size_t length;  // 0 once merged into its left neighbour
};

struct Bigram {
  int32_t left;
  int32_t right;
  float score;
  size_t length;  // bytes of the merged text when queued; stale if it changed
};

struct WorseBigram {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

SpmTokenizer::SpmTokenizer(Vocab vocab) : Tokenizer(std::move(vocab)) {
  // Words can be merged independently unless some token has a "▁" right
  // after another character (it would join the end of one word to the next).
  splits_at_word_starts_ = true;
  for (int32_t id = 0; id < vocab_.size() && splits_at_word_starts_; ++id) {
    const std::string& t = vocab_.token(id).text;
    for (size_t at = t.find(kSpace, 1); at != std::string::npos; at = t.find(kSpace, at + 1)) {
      if (at < kSpace.size() || t.compare(at - kSpace.size(), kSpace.size(), kSpace) != 0) {
        splits_at_word_starts_ = false;
        break;
      }
    }
  }
}

Result<std::unique_ptr<Tokenizer>> SpmTokenizer::create(Vocab vocab) {
  return std::unique_ptr<Tokenizer>(new SpmTokenizer(std::move(vocab)));
}

std::string SpmTokenizer::normal_piece(const TokenData& token) const {
  if (token.attrs & kAttrByte) {
    // "<0xNN>"
    if (token.text.size() == 6 && token.text.compare(0, 3, "<0x") == 0) {
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
      };
      const int hi = hex(token.text[3]), lo = hex(token.text[4]);
      if (hi >= 0 && lo >= 0) return std::string(1, static_cast<char>(hi * 16 + lo));
    }
    return token.text;
  }
  std::string out;
  out.reserve(token.text.size());
  for (size_t i = 0; i < token.text.size();) {
    if (token.text.compare(i, kSpace.size(), kSpace) == 0) {
      out.push_back(' ');
      i += kSpace.size();
    } else {
      out.push_back(token.text[i++]);
    }
  }
  return out;
}

Status SpmTokenizer::encode_text(std::string_view raw, bool after_special, std::vector<int32_t>& out) const {
  std::string text;
  text.reserve(raw.size() + 8);
  if (vocab_.flags().add_space_prefix && after_special) text += kSpace;
  for (char c : raw) {
    if (c == ' ') {
      text += kSpace;
    } else {
      text.push_back(c);
    }
  }
  if (text.empty()) return Status::Ok();
  const std::string_view view = text;
  if (!splits_at_word_starts_) return encode_chunk(view, out);

  // No token joins a word to the "▁" of the next word, so each word (with its
  // leading "▁" run) merges on its own and the result equals merging the
  // whole text at once. Repeated words are looked up in a per-call cache.
  std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> cache;
  std::vector<int32_t> word_ids;
  size_t begin = 0;
  while (begin < view.size()) {
    size_t end = begin;
    while (end < view.size() && view.compare(end, kSpace.size(), kSpace) == 0) end += kSpace.size();
    while (end < view.size() && view.compare(end, kSpace.size(), kSpace) != 0) ++end;
    const std::string_view word = view.substr(begin, end - begin);
    begin = end;
    if (word.size() > kMaxCachedWordBytes) {
      LEDGE_RETURN_IF_ERROR(encode_chunk(word, out));
      continue;
    }
    if (auto hit = cache.find(word); hit != cache.end()) {
      out.insert(out.end(), word_ids.begin() + hit->second.first,
                 word_ids.begin() + hit->second.first + hit->second.second);
      continue;
    }
    const size_t before = out.size();
    LEDGE_RETURN_IF_ERROR(encode_chunk(word, out));
    cache.emplace(word, std::make_pair(static_cast<uint32_t>(word_ids.size()), static_cast<uint32_t>(out.size() - before)));
    word_ids.insert(word_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
  }
  return Status::Ok();
}

Status SpmTokenizer::encode_chunk(std::string_view view, std::vector<int32_t>& out) const {
  std::vector<Symbol> symbols;
  symbols.reserve(view.size());
  for (size_t off = 0; off < view.size();) {
    const size_t len = std::min(utf8_sequence_length(static_cast<uint8_t>(view[off])), view.size() - off);
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({index - 1, off + len == view.size() ? -1 : index + 1, off, len});
    off += len;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, WorseBigram> queue;
  const auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    const int32_t id = vocab_.find(view.substr(l.offset, l.length + r.length));
    if (id == kNoToken) return;
    queue.push({left, right, vocab_.token(id).score, l.length + r.length});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& l = symbols[b.left];
    Symbol& r = symbols[b.right];
    if (l.length == 0 || r.length == 0 || l.length + r.length != b.length) continue;  // stale
    l.length += r.length;
    r.length = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[r.next].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }

  const int32_t unk = vocab_.special().unk;
  for (int32_t i = 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    const std::string_view piece = view.substr(s.offset, s.length);
    const int32_t id = vocab_.find(piece);
    if (id != kNoToken) {
      out.push_back(id);
      continue;
    }
    bool all_bytes = true;
    for (char c : piece) all_bytes = all_bytes && vocab_.byte_token(static_cast<uint8_t>(c)) != kNoToken;
    if (all_bytes) {
      for (char c : piece) out.push_back(vocab_.byte_token(static_cast<uint8_t>(c)));
    } else if (unk != kNoToken) {
      out.push_back(unk);  // no byte fallback: one <unk> per unknown character
    } else {
      return Error{"SentencePiece vocab has neither byte tokens nor an unknown token for the input character at byte " +
                   std::to_string(s.offset) + " of the escaped text"};
    }
  }
  return Status::Ok();
}

}  // namespace ledge::tokenizer
