// parse_special on/off, add_special (BOS/EOS/CLS/SEP), decode options.
#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {
namespace {

std::unique_ptr<Tokenizer> load(const std::string& name) {
  auto tok = Tokenizer::load(test::fixture("tokenizer/ggml-vocab-" + name + ".gguf").string());
  EXPECT_TRUE(tok.ok()) << tok.message();
  return tok.ok() ? std::move(*tok) : nullptr;
}

std::vector<int32_t> enc(const Tokenizer& t, const std::string& s, bool add_special, bool parse_special) {
  auto r = t.encode(s, add_special, parse_special);
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? *r : std::vector<int32_t>{};
}

bool contains(const std::vector<int32_t>& v, int32_t id) { return std::find(v.begin(), v.end(), id) != v.end(); }

TEST(SpecialTokens, SpmControlTextOnlyParsedWhenAsked) {
  auto t = load("llama-spm");
  ASSERT_NE(t, nullptr);
  const int32_t eos = t->special().eos;
  ASSERT_EQ(t->token_to_piece(eos), "</s>");
  const auto parsed = enc(*t, "Hello</s>world", false, true);
  const auto plain = enc(*t, "Hello</s>world", false, false);
  EXPECT_TRUE(contains(parsed, eos));
  EXPECT_FALSE(contains(plain, eos));
  // Parsed: the text after a special token gets the SentencePiece space prefix.
  const auto hello = enc(*t, "Hello", false, false);
  const auto world = enc(*t, "world", false, false);
  std::vector<int32_t> want = hello;
  want.push_back(eos);
  want.insert(want.end(), world.begin(), world.end());
  EXPECT_EQ(parsed, want);
  // Plain: "</s>" is ordinary text and decodes back to itself.
  DecodeOptions o;
  EXPECT_EQ(*t->decode(plain, o), "Hello</s>world");
}

TEST(SpecialTokens, BpeControlTextOnlyParsedWhenAsked) {
  auto t = load("gpt-2");
  ASSERT_NE(t, nullptr);
  const int32_t eot = t->vocab().find("<|endoftext|>");
  ASSERT_NE(eot, kNoToken);
  EXPECT_TRUE(t->vocab().is_eog(eot));
  EXPECT_EQ(enc(*t, "a<|endoftext|>b", false, true), (std::vector<int32_t>{64, eot, 65}));
  const auto plain = enc(*t, "a<|endoftext|>b", false, false);
  EXPECT_FALSE(contains(plain, eot));
  EXPECT_GT(plain.size(), 3u);
  // Rendering: control tokens are empty unless render_special is set.
  DecodeOptions hidden;
  DecodeOptions shown;
  shown.render_special = true;
  EXPECT_EQ(*t->decode(std::vector<int32_t>{64, eot, 65}, hidden), "ab");
  EXPECT_EQ(*t->decode(std::vector<int32_t>{64, eot, 65}, shown), "a<|endoftext|>b");
}

TEST(SpecialTokens, LongestSpecialTokenWins) {
  auto t = load("deepseek-coder");
  ASSERT_NE(t, nullptr);
  // Find two special tokens where one's text is a prefix of the other's
  // would be vocab-specific; instead check every special token parses to
  // itself and not to a shorter one.
  int checked = 0;
  for (const int32_t id : t->vocab().special_tokens_longest_first()) {
    const std::string& text = t->vocab().token(id).text;
    const auto ids = enc(*t, text, false, true);
    ASSERT_EQ(ids.size(), 1u) << text;
    EXPECT_EQ(t->vocab().token(ids[0]).text, text);
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST(AddSpecial, SpmAddsBosOnly) {
  auto t = load("llama-spm");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->vocab().flags().add_bos);
  EXPECT_FALSE(t->vocab().flags().add_eos);
  const auto with = enc(*t, "Hello world", true, false);
  const auto without = enc(*t, "Hello world", false, false);
  ASSERT_EQ(with.size(), without.size() + 1);
  EXPECT_EQ(with.front(), t->special().bos);
  EXPECT_TRUE(std::equal(without.begin(), without.end(), with.begin() + 1));
  EXPECT_EQ(enc(*t, "", true, false), std::vector<int32_t>{t->special().bos});
  EXPECT_TRUE(enc(*t, "", false, false).empty());
  DecodeOptions o;
  o.remove_bos_eos = true;
  EXPECT_EQ(*t->decode(with, o), " Hello world");  // llama.cpp keeps the space once BOS is removed
  EXPECT_EQ(*t->decode(without, {}), "Hello world");
}

TEST(AddSpecial, Gpt2AddsNothingByDefault) {
  auto t = load("gpt-2");
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->vocab().flags().add_bos);
  EXPECT_EQ(enc(*t, "Hello", true, false), enc(*t, "Hello", false, false));
}

TEST(AddSpecial, DeepseekCoderAddsBos) {
  auto t = load("deepseek-coder");
  ASSERT_NE(t, nullptr);
  const auto ids = enc(*t, "Hello", true, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), t->special().bos);
  EXPECT_EQ(t->vocab().token(ids.front()).text, "<｜begin▁of▁sentence｜>");
}

TEST(AddSpecial, BertWrapsInClsSep) {
  auto t = load("bert-bge");
  ASSERT_NE(t, nullptr);
  const auto ids = enc(*t, "Hello world", true, false);
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(t->vocab().token(ids.front()).text, "[CLS]");
  EXPECT_EQ(t->vocab().token(ids.back()).text, "[SEP]");
  EXPECT_EQ(*t->decode(enc(*t, "Hello, World!", false, false), {}), " hello, world!");
}

TEST(Decode, RejectsOutOfRangeIds) {
  auto t = load("gpt-2");
  ASSERT_NE(t, nullptr);
  auto r = t->decode(std::vector<int32_t>{15496, 50257});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("token id 50257 at position 1"), std::string::npos) << r.message();
  EXPECT_EQ(t->token_to_piece(-5), "");
}

TEST(Decode, CleanUpSpaces) {
  EXPECT_EQ(clean_up_spaces("Hello , world ! It 's fine . I 'm ok"), "Hello, world! It's fine. I'm ok");
  EXPECT_EQ(clean_up_spaces("don 't , they 're"), "don 't, they're");
  EXPECT_EQ(clean_up_spaces("a ' b"), "a'b");
  EXPECT_EQ(clean_up_spaces(""), "");
}

TEST(RoundTrip, EncodeDecodeIsLossless) {
  const std::string samples[] = {
      "Hello world", "  leading and trailing  ", "tabs\tand\nnewlines\r\n", "Café naïve façade — 日本語のテキスト",
      "emoji 🦙🚀 and ñ, ü, ß!", "def f(x):\n    return x ** 2  # square\n", "3.14159 1,000,000 0x1F"};
  for (const char* name : {"llama-spm", "gpt-2", "deepseek-coder", "deepseek-llm", "falcon", "starcoder"}) {
    auto t = load(name);
    ASSERT_NE(t, nullptr);
    DecodeOptions o;
    o.clean_spaces = false;
    for (const auto& s : samples) {
      const auto ids = enc(*t, s, false, false);
      EXPECT_EQ(*t->decode(ids, o), s) << name;
    }
  }
}

}  // namespace
}  // namespace ledge::tokenizer
