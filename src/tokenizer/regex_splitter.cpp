#include "tokenizer/regex_splitter.h"

#include <unicode/regex.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <climits>
#include <string>

#include "tokenizer/utf8.h"

namespace ledge::tokenizer {

struct RegexSplitter::Patterns {
  std::vector<std::unique_ptr<icu::RegexPattern>> list;
};

Result<RegexSplitter> RegexSplitter::compile(const std::vector<std::string_view>& regexes) {
  auto patterns = std::make_shared<Patterns>();
  for (auto re : regexes) {
    UErrorCode status = U_ZERO_ERROR;
    UParseError where{};
    const auto pattern_text = icu::UnicodeString::fromUTF8(icu::StringPiece(re.data(), static_cast<int32_t>(re.size())));
    std::unique_ptr<icu::RegexPattern> p(icu::RegexPattern::compile(pattern_text, 0, where, status));
    if (U_FAILURE(status) || p == nullptr) {
      return Error{"pre-tokenizer regex '" + std::string(re) + "' does not compile (ICU " + u_errorName(status) +
                   " at offset " + std::to_string(where.offset) + ")"};
    }
    patterns->list.push_back(std::move(p));
  }
  RegexSplitter s;
  s.patterns_ = std::move(patterns);
  return s;
}

Status RegexSplitter::split(std::string_view text, std::vector<std::pair<size_t, size_t>>& pieces) const {
  if (text.empty()) return Status::Ok();
  // UTF-16 copy for ICU plus, per UTF-16 unit, the byte offset it came from.
  std::vector<uint32_t> byte_at;
  byte_at.reserve(text.size() + 1);
  std::u16string units;
  units.reserve(text.size());
  {
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t start = pos;
      char32_t cp = 0;
      if (!utf8_decode(text, pos, cp)) cp = kReplacementChar;  // callers sanitize; stay safe anyway
      if (cp > 0x7F && u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_WHITE_SPACE)) cp = 0x0B;
      if (cp >= 0x10000) {
        units.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
        units.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
        byte_at.push_back(static_cast<uint32_t>(start));
        byte_at.push_back(static_cast<uint32_t>(start));
      } else {
        units.push_back(static_cast<char16_t>(cp));
        byte_at.push_back(static_cast<uint32_t>(start));
      }
    }
    byte_at.push_back(static_cast<uint32_t>(text.size()));
  }
  const icu::UnicodeString u16(units.data(), static_cast<int32_t>(units.size()));

  // Piece lengths in UTF-16 units; starts as one piece, refined per regex.
  std::vector<int32_t> lengths{u16.length()};
  std::vector<int32_t> refined;
  for (const auto& pattern : patterns_->list) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexMatcher> m(pattern->matcher(u16, status));
    if (U_FAILURE(status)) return Error{std::string("pre-tokenizer: ICU matcher failed: ") + u_errorName(status)};
    // Loops over lookahead groups (gpt-4o, tekken) keep one backtrack frame
    // per character; ICU's default 8 MB frame stack overflows near 100 KB of
    // letters. Allow what the longest piece can need, within ICU's int32 cap.
    int64_t longest = 0;
    for (const int32_t len : lengths) longest = std::max<int64_t>(longest, len);
    m->setStackLimit(static_cast<int32_t>(std::min<int64_t>(INT32_MAX, std::max<int64_t>(8 << 20, longest * 512))),
                     status);
    refined.clear();
    refined.reserve(lengths.size() * 2);
    int32_t start = 0;
    for (const int32_t len : lengths) {
      const int32_t end = start + len;
      m->region(start, end, status);
      int32_t pos = start;
      while (m->find(status) && U_SUCCESS(status)) {
        const int32_t ms = m->start(status), me = m->end(status);
        if (ms > pos) refined.push_back(ms - pos);
        if (me > ms) refined.push_back(me - ms);
        pos = me;
      }
      if (U_FAILURE(status)) {
        return Error{std::string("pre-tokenizer: regex matching failed (ICU ") + u_errorName(status) +
                     ") near byte " + std::to_string(byte_at[static_cast<size_t>(pos)])};
      }
      if (pos < end) refined.push_back(end - pos);
      start = end;
    }
    lengths.swap(refined);
  }

  int32_t start = 0;
  for (const int32_t len : lengths) {
    const size_t b0 = byte_at[static_cast<size_t>(start)], b1 = byte_at[static_cast<size_t>(start + len)];
    pieces.emplace_back(b0, b1 - b0);
    start += len;
  }
  return Status::Ok();
}

}  // namespace ledge::tokenizer
