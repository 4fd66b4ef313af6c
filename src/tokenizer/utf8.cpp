#include "tokenizer/utf8.h"

#include "common/utf8_append.h"

namespace ledge::tokenizer {

size_t utf8_sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

bool utf8_decode(std::string_view text, size_t& pos, char32_t& cp) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(pos);
  if (lead < 0x80) {
    cp = lead;
    ++pos;
    return true;
  }
  size_t n = 0;
  char32_t value = 0;
  char32_t min_value = 0;
  if ((lead & 0xE0) == 0xC0) {
    n = 2, value = lead & 0x1F, min_value = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3, value = lead & 0x0F, min_value = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4, value = lead & 0x07, min_value = 0x10000;
  } else {
    ++pos;
    return false;
  }
  if (text.size() - pos < n) {
    ++pos;
    return false;
  }
  for (size_t i = 1; i < n; ++i) {
    const uint8_t c = byte(pos + i);
    if ((c & 0xC0) != 0x80) {
      ++pos;
      return false;
    }
    value = (value << 6) | (c & 0x3F);
  }
  if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++pos;
    return false;
  }
  cp = value;
  pos += n;
  return true;
}

size_t utf8_maximal_subpart(std::string_view text, size_t pos) {
  const uint8_t lead = static_cast<uint8_t>(text[pos]);
  const size_t need = utf8_sequence_length(lead);
  if (need == 1 || lead < 0xC2 || lead > 0xF4) return 1;
  // The second byte's valid range excludes overlongs, surrogates and > U+10FFFF.
  uint8_t lo = 0x80, hi = 0xBF;
  if (lead == 0xE0) lo = 0xA0;
  if (lead == 0xED) hi = 0x9F;
  if (lead == 0xF0) lo = 0x90;
  if (lead == 0xF4) hi = 0x8F;
  size_t n = 1;
  while (n < need && pos + n < text.size()) {
    const uint8_t c = static_cast<uint8_t>(text[pos + n]);
    if (c < lo || c > hi) break;
    lo = 0x80, hi = 0xBF;
    ++n;
  }
  return n;
}

void utf8_append(std::string& out, char32_t cp) { ledge::append_utf8(out, cp); }

std::string utf8_sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    char32_t cp = 0;
    if (utf8_decode(text, pos, cp)) {
      out.append(text.substr(start, pos - start));
    } else {
      utf8_append(out, kReplacementChar);
    }
  }
  return out;
}

size_t utf8_incomplete_tail(std::string_view bytes) {
  // Walk back over at most 3 continuation bytes to the last lead byte.
  const size_t n = bytes.size();
  size_t back = 0;
  while (back < 3 && back < n && (static_cast<uint8_t>(bytes[n - 1 - back]) & 0xC0) == 0x80) ++back;
  if (back == n) return 0;  // only continuation bytes: nothing can complete them
  const uint8_t lead = static_cast<uint8_t>(bytes[n - 1 - back]);
  if (lead < 0x80 || (lead & 0xC0) == 0x80) return 0;
  const size_t need = utf8_sequence_length(lead);
  if (need == 1) return 0;  // invalid lead byte: will be replaced, not held
  return (back + 1 < need) ? back + 1 : 0;
}

}  // namespace ledge::tokenizer
