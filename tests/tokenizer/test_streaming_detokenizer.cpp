// Streaming detokenization: characters split across tokens are held back
// until complete, and every emitted chunk is valid UTF-8.
#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "tokenizer/streaming_detokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace ledge::tokenizer {
namespace {

std::unique_ptr<Tokenizer> load(const std::string& name) {
  auto tok = Tokenizer::load(test::fixture("tokenizer/ggml-vocab-" + name + ".gguf").string());
  EXPECT_TRUE(tok.ok()) << tok.message();
  return tok.ok() ? std::move(*tok) : nullptr;
}

bool valid_utf8(const std::string& s) {
  size_t pos = 0;
  char32_t cp = 0;
  while (pos < s.size()) {
    if (!utf8_decode(s, pos, cp)) return false;
  }
  return true;
}

TEST(StreamingDetokenizer, SpmByteTokensAreJoined) {
  auto t = load("llama-spm");
  ASSERT_NE(t, nullptr);
  // U+65E5 '日' = E6 97 A5, fed as three byte tokens.
  const int32_t b0 = t->vocab().byte_token(0xE6), b1 = t->vocab().byte_token(0x97), b2 = t->vocab().byte_token(0xA5);
  ASSERT_NE(b0, kNoToken);
  StreamingDetokenizer s(*t);
  EXPECT_EQ(*s.push(b0), "");
  EXPECT_EQ(s.pending_bytes(), 1u);
  EXPECT_EQ(*s.push(b1), "");
  EXPECT_EQ(*s.push(b2), "日");
  EXPECT_EQ(s.pending_bytes(), 0u);
  EXPECT_EQ(s.finish(), "");
}

TEST(StreamingDetokenizer, SpmLeadingSpaceOptional) {
  auto t = load("llama-spm");
  ASSERT_NE(t, nullptr);
  const auto ids = *t->encode("Hello world", false, false);
  StreamingDetokenizer keep(*t);
  StreamingDetokenizer strip(*t, false, /*strip_leading_space=*/true);
  std::string a, b;
  for (int32_t id : ids) {
    a += *keep.push(id);
    b += *strip.push(id);
  }
  EXPECT_EQ(a, " Hello world");
  EXPECT_EQ(b, "Hello world");
}

TEST(StreamingDetokenizer, BpeEmojiSplitOverTokens) {
  auto t = load("gpt-2");
  ASSERT_NE(t, nullptr);
  const std::string text = "llama 🦙 rocket 🚀 and 日本語 done";
  const auto ids = *t->encode(text, false, false);
  StreamingDetokenizer s(*t);
  std::string out;
  size_t held_some = 0;
  for (int32_t id : ids) {
    const std::string chunk = *s.push(id);
    EXPECT_TRUE(valid_utf8(chunk)) << "chunk is not valid UTF-8";
    if (s.pending_bytes() > 0) ++held_some;
    out += chunk;
  }
  out += s.finish();
  EXPECT_EQ(out, text);
  EXPECT_GT(held_some, 0u) << "the emoji should have been split across tokens";
}

TEST(StreamingDetokenizer, BrokenSequencesBecomeReplacementCharacters) {
  auto t = load("llama-spm");
  ASSERT_NE(t, nullptr);
  const auto byte = [&](uint8_t b) { return t->vocab().byte_token(b); };
  StreamingDetokenizer s(*t);
  EXPECT_EQ(*s.push(byte(0xE6)), "");
  EXPECT_EQ(*s.push(byte(0x97)), "");
  // 'A' cannot continue the sequence: the two held bytes become one U+FFFD.
  const int32_t a = t->vocab().find("A");
  ASSERT_NE(a, kNoToken);
  EXPECT_EQ(*s.push(a), "\xEF\xBF\xBD" "A");
  EXPECT_EQ(*s.push(byte(0x80)), "\xEF\xBF\xBD");  // stray continuation byte
  EXPECT_EQ(*s.push(byte(0xF0)), "");
  EXPECT_EQ(s.finish(), "\xEF\xBF\xBD");  // stream ended mid-character
}

TEST(StreamingDetokenizer, RejectsBadIds) {
  auto t = load("gpt-2");
  ASSERT_NE(t, nullptr);
  StreamingDetokenizer s(*t);
  EXPECT_FALSE(s.push(-1).ok());
  EXPECT_FALSE(s.push(t->n_vocab()).ok());
}

TEST(Utf8, IncompleteTail) {
  EXPECT_EQ(utf8_incomplete_tail(""), 0u);
  EXPECT_EQ(utf8_incomplete_tail("abc"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE6"), 1u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE6\x97"), 2u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE6\x97\xA5"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xF0\x9F\xA6"), 3u);
  EXPECT_EQ(utf8_incomplete_tail("\x80\x80"), 0u);
  EXPECT_EQ(utf8_sanitize("a\xFF" "b\xE6"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

}  // namespace
}  // namespace ledge::tokenizer
