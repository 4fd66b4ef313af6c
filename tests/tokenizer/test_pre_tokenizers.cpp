// Pre-tokenizer presets: every supported name compiles under ICU, and the
// regex splitter cuts text the way llama.cpp's regex lists do.
#include <gtest/gtest.h>

#include "tokenizer/pre_tokenizer_presets.h"
#include "tokenizer/regex_splitter.h"

namespace ledge::tokenizer {
namespace {

std::vector<std::string> split(std::string_view pre, const std::string& text) {
  auto preset = find_pre_tokenizer(pre);
  EXPECT_TRUE(preset.ok()) << preset.message();
  auto splitter = RegexSplitter::compile((*preset)->regexes);
  EXPECT_TRUE(splitter.ok()) << splitter.message();
  std::vector<std::pair<size_t, size_t>> pieces;
  EXPECT_TRUE(splitter->split(text, pieces).ok());
  std::vector<std::string> out;
  for (auto [o, n] : pieces) out.emplace_back(text.substr(o, n));
  return out;
}

using V = std::vector<std::string>;

TEST(PreTokenizers, EveryPresetCompiles) {
  const auto names = supported_pre_tokenizers();
  EXPECT_GE(names.size(), 60u);
  for (auto name : names) {
    auto preset = find_pre_tokenizer(name);
    ASSERT_TRUE(preset.ok()) << name;
    auto splitter = RegexSplitter::compile((*preset)->regexes);
    EXPECT_TRUE(splitter.ok()) << name << ": " << splitter.message();
    // Splitting never loses or reorders text.
    const std::string text = "It's 2024!  Naïve café\n\n\tx=y+1; 日本語 🦙 ‘quoted’ 12345678";
    std::vector<std::pair<size_t, size_t>> pieces;
    ASSERT_TRUE(splitter->split(text, pieces).ok()) << name;
    size_t at = 0;
    for (auto [o, n] : pieces) {
      EXPECT_EQ(o, at) << name;
      at = o + n;
    }
    EXPECT_EQ(at, text.size()) << name;
  }
}

TEST(PreTokenizers, UnknownNameIsAnError) {
  auto p = find_pre_tokenizer("made-up");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.message().find("'made-up'"), std::string::npos);
  EXPECT_TRUE(find_pre_tokenizer("").ok());  // missing key: llama.cpp's default regexes
}

TEST(PreTokenizers, Gpt2) {
  EXPECT_EQ(split("gpt-2", "Hello world's 12345  x"), (V{"Hello", " world", "'s", " 12345", " ", " x"}));
}

TEST(PreTokenizers, Llama3GroupsDigitsByThree) {
  EXPECT_EQ(split("llama-bpe", "Hello world's 12345\n\n  x"),
            (V{"Hello", " world", "'s", " ", "123", "45", "\n\n", " ", " x"}));
  EXPECT_EQ(split("llama-bpe", "'RE"), (V{"'RE"}));  // case-insensitive contractions
}

TEST(PreTokenizers, Qwen2SplitsSingleDigits) {
  EXPECT_EQ(split("qwen2", "a 123"), (V{"a", " ", "1", "2", "3"}));
}

TEST(PreTokenizers, StarcoderDigitsFirst) {
  EXPECT_EQ(split("starcoder", "ab12 c"), (V{"ab", "1", "2", " c"}));
}

TEST(PreTokenizers, DeepseekCoderCjkAndPunctuation) {
  EXPECT_EQ(split("deepseek-coder", "我想在apple工作1314"),
            (V{"我想在", "apple", "工作", "1", "3", "1", "4"}));
}

TEST(PreTokenizers, NonAsciiWhitespaceIsWhitespace) {
  // U+3000 ideographic space is \s for the GPT-2 regex (llama.cpp maps it to \v).
  EXPECT_EQ(split("gpt-2", "a\xE3\x80\x80" "b"), (V{"a", "\xE3\x80\x80", "b"}));
}

// Presets with lookahead loops need a backtrack frame per character; long
// runs must still split (ICU's default frame stack gives up near 100 KB).
TEST(PreTokenizers, LongRunsDoNotOverflowTheMatcher) {
  for (const char* name : {"gpt-4o", "tekken", "llama-bpe", "deepseek-v3"}) {
    for (const std::string& run : {std::string(300000, 'a'), std::string(300000, ' ')}) {
      const auto pieces = split(name, run);
      ASSERT_EQ(pieces.size(), 1u) << name;
      EXPECT_EQ(pieces[0].size(), run.size()) << name;
    }
  }
}

}  // namespace
}  // namespace ledge::tokenizer
