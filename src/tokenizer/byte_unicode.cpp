#include "tokenizer/byte_unicode.h"

#include "tokenizer/utf8.h"

namespace ledge::tokenizer {

namespace {
bool stands_for_itself(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}
}  // namespace

ByteUnicode::ByteUnicode() {
  byte_of_.fill(-1);
  char32_t next_extra = 0x100;
  for (int b = 0; b < 256; ++b) {
    code_point_[b] = stands_for_itself(b) ? static_cast<char32_t>(b) : next_extra++;
    utf8_append(utf8_[b], code_point_[b]);
    byte_of_[code_point_[b]] = static_cast<int16_t>(b);
  }
}

const ByteUnicode& ByteUnicode::instance() {
  static const ByteUnicode table;
  return table;
}

void ByteUnicode::encode(std::string_view bytes, std::string& out) const {
  for (char c : bytes) out += utf8_[static_cast<uint8_t>(c)];
}

std::optional<uint8_t> ByteUnicode::decode_code_point(char32_t cp) const {
  if (cp >= byte_of_.size() || byte_of_[cp] < 0) return std::nullopt;
  return static_cast<uint8_t>(byte_of_[cp]);
}

}  // namespace ledge::tokenizer
