// UTF-8 helpers shared by the tokenizers. Input text is untrusted: nothing
// here assumes valid UTF-8, and malformed bytes are reported or replaced,
// never read past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ledge::tokenizer {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Length of the sequence announced by a lead byte (1 for ASCII and for bytes
// that cannot start a sequence, so a scan always makes progress).
size_t utf8_sequence_length(uint8_t lead);

// Decodes one code point at `pos`. On success advances `pos` past it and
// returns true. On malformed input (bad lead, truncated, overlong, surrogate,
// > U+10FFFF) advances `pos` by one byte and returns false.
bool utf8_decode(std::string_view text, size_t& pos, char32_t& cp);

// Length of the malformed sequence starting at `pos` (where utf8_decode just
// failed) that one U+FFFD should replace: the lead byte plus the continuation
// bytes that were still valid ("maximal subpart", what Python, ICU and
// browsers do). At least 1.
size_t utf8_maximal_subpart(std::string_view text, size_t pos);

// Appends the UTF-8 encoding of `cp` (must be a valid scalar value).
void utf8_append(std::string& out, char32_t cp);

// Copy of `text` where every malformed byte is replaced by U+FFFD, matching
// how llama.cpp reads text into code points before pre-tokenizing.
std::string utf8_sanitize(std::string_view text);

// Number of bytes at the end of `bytes` that form the start of a valid but
// incomplete sequence (0..3): what a streaming decoder must hold back.
size_t utf8_incomplete_tail(std::string_view bytes);

}  // namespace ledge::tokenizer
