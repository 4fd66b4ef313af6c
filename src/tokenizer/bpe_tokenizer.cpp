#include "tokenizer/bpe_tokenizer.h"

#include <queue>
#include <unordered_map>

#include "tokenizer/byte_unicode.h"
#include "tokenizer/utf8.h"

namespace ledge::tokenizer {

namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t offset;  // into the byte-encoded word
  uint32_t length;  // 0 once merged into its left neighbour
  int32_t id;       // token id of the symbol's text, or kNoToken
};

struct Candidate {
  int32_t rank;
  int32_t left;
  int32_t right;
  uint32_t length;  // bytes of the merged text when queued; stale if it changed
  int32_t merged;   // token id of the merged text (kNoToken: look it up)
};

struct WorseCandidate {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

bool is_valid_utf8(std::string_view s) {
  size_t pos = 0;
  char32_t cp = 0;
  while (pos < s.size()) {
    if (!utf8_decode(s, pos, cp)) return false;
  }
  return true;
}

}  // namespace

BpeTokenizer::BpeTokenizer(Vocab vocab, RegexSplitter splitter)
    : Tokenizer(std::move(vocab)), splitter_(std::move(splitter)) {}

Result<std::unique_ptr<Tokenizer>> BpeTokenizer::create(Vocab vocab) {
  auto splitter = RegexSplitter::compile(vocab.pre_tokenizer()->regexes);
  if (!splitter.ok()) return Error{splitter.message()};
  return std::unique_ptr<Tokenizer>(new BpeTokenizer(std::move(vocab), std::move(*splitter)));
}

std::string BpeTokenizer::normal_piece(const TokenData& token) const {
  // Map each code point back to its byte; a code point outside the byte
  // alphabet (a malformed vocab) is kept as its own UTF-8.
  const ByteUnicode& bu = ByteUnicode::instance();
  std::string out;
  out.reserve(token.text.size());
  size_t pos = 0;
  while (pos < token.text.size()) {
    const size_t start = pos;
    char32_t cp = 0;
    if (utf8_decode(token.text, pos, cp)) {
      if (auto b = bu.decode_code_point(cp)) {
        out.push_back(static_cast<char>(*b));
        continue;
      }
    }
    out.append(token.text, start, pos - start);
  }
  return out;
}

Status BpeTokenizer::encode_text(std::string_view raw, bool, std::vector<int32_t>& out) const {
  // Malformed bytes become U+FFFD before splitting, as llama.cpp does.
  std::string sanitized;
  std::string_view text = raw;
  if (!is_valid_utf8(raw)) {
    sanitized = utf8_sanitize(raw);
    text = sanitized;
  }
  std::vector<std::pair<size_t, size_t>> pieces;
  LEDGE_RETURN_IF_ERROR(splitter_.split(text, pieces));

  // Words repeat a lot in real text; a per-call cache (no sharing between
  // threads) skips the merge loop for repeats.
  const ByteUnicode& bu = ByteUnicode::instance();
  std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> cache;
  std::vector<int32_t> word_ids;
  std::string word;
  for (const auto& [offset, length] : pieces) {
    const std::string_view raw_word = text.substr(offset, length);
    const bool cacheable = length <= kMaxCachedWordBytes;
    if (cacheable) {
      if (auto hit = cache.find(raw_word); hit != cache.end()) {
        out.insert(out.end(), word_ids.begin() + hit->second.first,
                   word_ids.begin() + hit->second.first + hit->second.second);
        continue;
      }
    }
    word.clear();
    bu.encode(raw_word, word);
    const size_t before = out.size();
    encode_word(word, out);
    if (cacheable) {
      cache.emplace(raw_word, std::make_pair(static_cast<uint32_t>(word_ids.size()),
                                             static_cast<uint32_t>(out.size() - before)));
      word_ids.insert(word_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
    }
  }
  return Status::Ok();
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (vocab_.flags().ignore_merges) {
    if (const int32_t id = vocab_.find(word); id != kNoToken) {
      out.push_back(id);
      return;
    }
  }

  std::vector<Symbol> symbols;
  symbols.reserve(word.size() / 2 + 1);
  for (size_t off = 0; off < word.size();) {
    const size_t len = std::min(utf8_sequence_length(static_cast<uint8_t>(word[off])), word.size() - off);
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({index - 1, off + len == word.size() ? -1 : index + 1, static_cast<uint32_t>(off),
                       static_cast<uint32_t>(len), vocab_.find(word.substr(off, len))});
    off += len;
  }

  std::priority_queue<Candidate, std::vector<Candidate>, WorseCandidate> queue;
  const auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    Candidate c{-1, left, right, l.length + r.length, kNoToken};
    if (l.id != kNoToken && r.id != kNoToken) {
      const Vocab::MergeHit hit = vocab_.merge(l.id, r.id);
      c.rank = hit.rank;
      c.merged = hit.merged;
    } else {
      c.rank = vocab_.merge_rank(word.substr(l.offset, l.length), word.substr(r.offset, r.length));
      if (c.rank >= 0) c.merged = vocab_.find(word.substr(l.offset, c.length));
    }
    if (c.rank >= 0) queue.push(c);
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& l = symbols[c.left];
    Symbol& r = symbols[c.right];
    if (l.length == 0 || r.length == 0 || l.length + r.length != c.length) continue;  // stale
    l.length += r.length;
    l.id = c.merged;
    r.length = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[r.next].prev = c.left;
    try_add(l.prev, c.left);
    try_add(c.left, l.next);
  }

  for (int32_t i = 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    if (s.id != kNoToken) {
      out.push_back(s.id);
      continue;
    }
    // Not a token (a vocab without the full byte alphabet): llama.cpp tries
    // each byte of the symbol's text as a token and drops the ones missing.
    for (char c : word.substr(s.offset, s.length)) {
      const int32_t id = vocab_.find(std::string_view(&c, 1));
      if (id != kNoToken) out.push_back(id);
    }
  }
}

}  // namespace ledge::tokenizer
