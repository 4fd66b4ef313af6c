// GPT-2 style byte-level alphabet: every byte 0..255 is shown as one printable
// code point, so byte-level BPE vocabularies can be stored as text. Printable
// Latin-1 bytes (! .. ~, ¡ .. ¬, ® .. ÿ) stand for themselves; the other 68
// bytes take U+0100, U+0101, ... in byte order (so ' ' is 'Ġ', '\n' is 'Ċ').
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledge::tokenizer {

class ByteUnicode {
 public:
  static const ByteUnicode& instance();

  // UTF-8 text of the code point standing for `byte`.
  const std::string& encode_byte(uint8_t byte) const { return utf8_[byte]; }
  // Appends the encoding of every byte of `bytes`.
  void encode(std::string_view bytes, std::string& out) const;
  // The byte a code point stands for, if it is part of the alphabet.
  std::optional<uint8_t> decode_code_point(char32_t cp) const;

 private:
  ByteUnicode();
  std::array<char32_t, 256> code_point_{};
  std::array<std::string, 256> utf8_{};
  // Inverse map, indexed by code point (all alphabet code points are < U+0144); -1 = not a byte.
  std::array<int16_t, 0x144> byte_of_{};
};

}  // namespace ledge::tokenizer
