// Hand-made vocabs that pin down behaviours the fixture vocabs do not reach:
// SPM merging across words, <unk> without byte tokens, BPE ignore_merges,
// WordPiece normaliser switches.
#include <gtest/gtest.h>

#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {
namespace {

const std::string kU = "\xE2\x96\x81";  // U+2581

std::unique_ptr<Tokenizer> make(VocabMetadata meta) {
  auto vocab = Vocab::build(std::move(meta));
  EXPECT_TRUE(vocab.ok()) << vocab.message();
  if (!vocab.ok()) return nullptr;
  auto tok = Tokenizer::create(std::move(*vocab));
  EXPECT_TRUE(tok.ok()) << tok.message();
  return tok.ok() ? std::move(*tok) : nullptr;
}

std::vector<int32_t> enc(const Tokenizer& t, const std::string& s) {
  auto r = t.encode(s, false, false);
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? *r : std::vector<int32_t>{};
}

VocabMetadata spm(std::vector<std::string> tokens, std::vector<float> scores) {
  VocabMetadata m;
  m.model = "llama";
  m.tokens = std::move(tokens);
  m.scores = std::move(scores);
  return m;
}

TEST(SmallVocab, SpmMergesAcrossWordsWhenATokenSpansThem) {
  // "a▁b" glues two words together, so words cannot be merged one by one.
  auto t = make(spm({"<unk>", "<s>", "</s>", kU, "a", "b", kU + "a", "a" + kU, "a" + kU + "b"},
                    {0, 0, 0, -5, -5, -5, -2, -1, -0.5f}));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(enc(*t, "a b"), (std::vector<int32_t>{3, 8}));
  // Highest score first: "a▁" (-1) beats "▁a" (-2), then "a▁b" (-0.5).
}

TEST(SmallVocab, SpmScoreOrderAndLeftmostTie) {
  auto t = make(spm({"<unk>", "<s>", "</s>", kU, "a", kU + "a", "aa", kU + "aa"}, {0, 0, 0, -5, -5, -1, -1, -0.5f}));
  ASSERT_NE(t, nullptr);
  // "▁aaa": "▁a" and both "aa" tie at -1; the leftmost ("▁a") merges first,
  // then "▁aa" (-0.5) wins, leaving "a": [▁aa, a]. Rightmost-first would give
  // [▁a, aa].
  EXPECT_EQ(enc(*t, "aaa"), (std::vector<int32_t>{7, 4}));
}

TEST(SmallVocab, SpmWithoutByteTokensUsesUnkPerCharacter) {
  auto t = make(spm({"<unk>", "<s>", "</s>", kU, "a"}, {0, 0, 0, -1, -1}));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(enc(*t, "aé"), (std::vector<int32_t>{3, 4, 0}));
}

VocabMetadata bpe(const std::string& pre) {
  VocabMetadata m;
  m.model = "gpt2";
  m.pre = pre;
  m.tokens = {"a", "b", "c", "ab", "abc"};
  m.merges = std::vector<std::string>{"a b"};
  m.add_bos = false;
  return m;
}

TEST(SmallVocab, BpeIgnoreMergesTakesWholeWordTokens) {
  auto merging = make(bpe("gpt-2"));
  auto whole = make(bpe("llama-bpe"));
  ASSERT_NE(merging, nullptr);
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(enc(*merging, "abc"), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(enc(*whole, "abc"), (std::vector<int32_t>{4}));
}

TEST(SmallVocab, BpeDropsBytesWithoutTokens) {
  auto t = make(bpe("gpt-2"));
  ASSERT_NE(t, nullptr);
  // 'd' has no token and no byte token: llama.cpp drops it.
  EXPECT_EQ(enc(*t, "abd"), (std::vector<int32_t>{3}));
}

VocabMetadata wpm() {
  VocabMetadata m;
  m.model = "bert";
  m.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", kU + "cafe", kU + "caf", "\xC3\xA9", "e", kU + "hello", kU + ","};
  m.token_types = std::vector<int64_t>{3, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1};
  m.special_ids = {{"tokenizer.ggml.bos_token_id", 2}, {"tokenizer.ggml.seperator_token_id", 3},
                   {"tokenizer.ggml.unknown_token_id", 1}, {"tokenizer.ggml.padding_token_id", 0},
                   {"tokenizer.ggml.mask_token_id", 4}};
  return m;
}

TEST(SmallVocab, WordPieceLowercasesAndStripsAccentsByDefault) {
  auto t = make(wpm());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(enc(*t, "Café, HELLO"), (std::vector<int32_t>{5, 10, 9}));
  EXPECT_EQ(enc(*t, "xyz hello"), (std::vector<int32_t>{1, 9}));
  auto r = t->encode("hello", true, false);
  EXPECT_EQ(*r, (std::vector<int32_t>{2, 9, 3}));
}

TEST(SmallVocab, WordPieceNormaliserSwitches) {
  auto keep_accents = wpm();
  keep_accents.strip_accents = false;
  auto t = make(std::move(keep_accents));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(enc(*t, "Café"), (std::vector<int32_t>{6, 7}));  // "▁caf" + "é"

  auto cased = wpm();
  cased.lowercase = false;
  auto c = make(std::move(cased));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(enc(*c, "Cafe cafe"), (std::vector<int32_t>{1, 5}));
}

TEST(SmallVocab, Phi3SpecialTokensEatFollowingWhitespace) {
  const auto meta = [](const std::string& name) {
    auto m = spm({"<unk>", "<s>", "</s>", "<|end|>", kU, "x", "y", kU + "x", kU + "y"}, {0, 0, 0, 0, -3, -3, -3, -1, -1});
    m.token_types = std::vector<int64_t>{2, 3, 3, 3, 1, 1, 1, 1, 1};
    m.general_name = name;
    return m;
  };
  auto phi = make(meta("Phi-3 Mini"));
  auto other = make(meta("Some Model"));
  ASSERT_NE(phi, nullptr);
  ASSERT_NE(other, nullptr);
  const auto parse = [](const Tokenizer& t, const std::string& s) { return *t.encode(s, false, true); };
  // Phi-3: whitespace right of a special token is dropped (rstrip).
  EXPECT_EQ(parse(*phi, "x<|end|>  y"), (std::vector<int32_t>{7, 3, 8}));
  // Otherwise the two spaces stay, after the space prefix added behind a special token.
  EXPECT_EQ(parse(*other, "x<|end|>  y"), (std::vector<int32_t>{7, 3, 4, 4, 8}));
}

}  // namespace
}  // namespace ledge::tokenizer
