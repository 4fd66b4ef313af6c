// Broken vocab metadata is rejected with an error that names the problem.
#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace ledge::tokenizer {
namespace {

// A small but valid SentencePiece-style vocab.
VocabMetadata spm_meta() {
  VocabMetadata m;
  m.model = "llama";
  m.tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab"};
  m.scores = std::vector<float>{0, 0, 0, -1, -2, -3, -0.5f, -0.25f};
  m.token_types = std::vector<int64_t>{2, 3, 3, 1, 1, 1, 1, 1};
  return m;
}

VocabMetadata bpe_meta() {
  VocabMetadata m;
  m.model = "gpt2";
  m.pre = "gpt-2";
  m.tokens = {"a", "b", "ab", "<|endoftext|>"};
  m.token_types = std::vector<int64_t>{1, 1, 1, 3};
  m.merges = std::vector<std::string>{"a b"};
  return m;
}

void expect_error(VocabMetadata m, const std::string& fragment) {
  auto v = Vocab::build(std::move(m));
  ASSERT_FALSE(v.ok()) << "expected an error mentioning: " << fragment;
  EXPECT_NE(v.message().find(fragment), std::string::npos) << v.message();
}

TEST(VocabErrors, ValidMetadataBuilds) {
  auto v = Vocab::build(spm_meta());
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(v->size(), 8);
  EXPECT_EQ(v->special().bos, 1);  // SPM default ids fit this vocab
  EXPECT_EQ(v->special().eos, 2);
  EXPECT_EQ(v->special().unk, 0);
  EXPECT_TRUE(v->flags().add_bos);  // SPM: add BOS when the key is absent
  auto b = Vocab::build(bpe_meta());
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->merge(0, 1).rank, 0);
  EXPECT_EQ(b->merge(0, 1).merged, 2);
  EXPECT_EQ(b->merge(1, 0).rank, -1);
}

TEST(VocabErrors, MismatchedScores) {
  auto m = spm_meta();
  m.scores->pop_back();
  expect_error(std::move(m), "tokenizer.ggml.scores has 7 entries but tokenizer.ggml.tokens has 8");
}

TEST(VocabErrors, MismatchedTokenTypes) {
  auto m = spm_meta();
  m.token_types->push_back(1);
  expect_error(std::move(m), "tokenizer.ggml.token_type has 9 entries");
}

TEST(VocabErrors, BadTokenTypeValue) {
  auto m = spm_meta();
  (*m.token_types)[5] = 42;
  expect_error(std::move(m), "tokenizer.ggml.token_type[5] = 42");
}

TEST(VocabErrors, UnknownModelNamed) {
  auto m = spm_meta();
  m.model = "t5";
  expect_error(m, "unsupported tokenizer model 't5'");
  m.model = "rwkv";
  expect_error(m, "'rwkv'");
}

TEST(VocabErrors, UnknownPreTokenizerNamed) {
  auto m = bpe_meta();
  m.pre = "no-such-pre";
  expect_error(std::move(m), "unknown or unsupported pre-tokenizer 'no-such-pre'");
}

TEST(VocabErrors, SpecialIdOutOfRangeNamesKey) {
  auto m = spm_meta();
  m.special_ids.emplace_back("tokenizer.ggml.eos_token_id", 8);
  expect_error(std::move(m), "tokenizer.ggml.eos_token_id = 8 is out of range");
  auto n = spm_meta();
  n.special_ids.emplace_back("tokenizer.ggml.padding_token_id", -7);
  expect_error(std::move(n), "tokenizer.ggml.padding_token_id = -7");
}

TEST(VocabErrors, MinusOneMeansNotSet) {
  auto m = spm_meta();
  m.special_ids.emplace_back("tokenizer.ggml.seperator_token_id", 0xFFFFFFFFLL);
  m.special_ids.emplace_back("tokenizer.ggml.padding_token_id", -1);
  m.special_ids.emplace_back("tokenizer.ggml.bos_token_id", -1);
  auto v = Vocab::build(std::move(m));
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(v->special().sep, kNoToken);
  EXPECT_EQ(v->special().pad, kNoToken);
  EXPECT_EQ(v->special().bos, 1);  // "not set" keeps the model default
}

TEST(VocabErrors, MergesMissingOrMalformed) {
  auto m = bpe_meta();
  m.merges.reset();
  expect_error(std::move(m), "missing key tokenizer.ggml.merges");
  auto n = bpe_meta();
  n.merges->push_back("abc");
  expect_error(std::move(n), "tokenizer.ggml.merges[1] = 'abc'");
}

TEST(VocabErrors, EmptyTokenList) {
  auto m = spm_meta();
  m.tokens.clear();
  m.scores.reset();
  m.token_types.reset();
  expect_error(std::move(m), "empty token list");
}

TEST(VocabErrors, AddBosWithoutBosToken) {
  auto m = bpe_meta();
  m.add_bos = true;  // gpt2's default BOS id 11 does not exist in a 4-token vocab
  expect_error(std::move(m), "add_bos_token is true but the vocab has no BOS token");
}

// The same checks reached through a GGUF file: wrong key types are named.
TEST(VocabErrors, FromGgufWrongTypesAndMissingKeys) {
  using gguf::make_array;
  using gguf::make_value;
  using gguf::ValueType;
  const auto parse = [](gguf::Writer& w) -> Result<Vocab> {
    auto bytes = w.serialize();
    if (!bytes.ok()) return Error{bytes.message()};
    static std::vector<uint8_t> keep;  // File::parse views the caller's bytes
    keep = std::move(*bytes);
    auto file = gguf::File::parse(keep);
    if (!file.ok()) return Error{file.message()};
    return Vocab::from_gguf(*file);
  };
  {
    gguf::Writer w;
    ASSERT_TRUE(w.add_kv("general.architecture", make_value("llama")).ok());
    auto v = parse(w);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.message().find("tokenizer.ggml.model"), std::string::npos) << v.message();
  }
  {
    gguf::Writer w;
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.model", make_value("llama")).ok());
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.tokens", make_array(ValueType::STRING, {make_value("a"), make_value("b")})).ok());
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.scores", make_value(1.0f)).ok());  // scalar where an array belongs
    auto v = parse(w);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.message().find("tokenizer.ggml.scores"), std::string::npos) << v.message();
  }
  {
    gguf::Writer w;
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.model", make_value("llama")).ok());
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.tokens", make_array(ValueType::STRING, {make_value("a"), make_value("b")})).ok());
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.bos_token_id", make_value(uint32_t{5})).ok());
    auto v = parse(w);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.message().find("tokenizer.ggml.bos_token_id = 5 is out of range"), std::string::npos) << v.message();
  }
  {
    gguf::Writer w;
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.model", make_value("llama")).ok());
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.tokens", make_array(ValueType::STRING, {make_value("a"), make_value("b")})).ok());
    ASSERT_TRUE(w.add_kv("tokenizer.ggml.add_bos_token", make_value("yes")).ok());  // string, not bool
    auto v = parse(w);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.message().find("tokenizer.ggml.add_bos_token"), std::string::npos) << v.message();
  }
}

TEST(VocabErrors, MissingFileIsAnError) {
  auto t = Tokenizer::load("/nonexistent/vocab.gguf");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.message().find("/nonexistent/vocab.gguf"), std::string::npos) << t.message();
}

}  // namespace
}  // namespace ledge::tokenizer
