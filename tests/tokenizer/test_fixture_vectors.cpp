// Every llama.cpp test vector in the shared fixtures, for each of the 7
// vocabs (add_special = false, parse_special = false), plus decode checks.
#include <gtest/gtest.h>

#include <string>

#include "support/fixtures.h"
#include "tokenizer/test_vectors.h"
#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {
namespace {

class FixtureVectors : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Tokenizer> load() {
    auto tok = Tokenizer::load(test::fixture("tokenizer/" + GetParam() + ".gguf").string());
    EXPECT_TRUE(tok.ok()) << tok.message();
    return tok.ok() ? std::move(*tok) : nullptr;
  }
  std::vector<TestVector> vectors() {
    const std::string base = test::fixture("tokenizer/" + GetParam() + ".gguf").string();
    auto cases = read_test_vectors(base + ".inp", base + ".out");
    EXPECT_TRUE(cases.ok()) << cases.message();
    return cases.ok() ? *cases : std::vector<TestVector>{};
  }
};

TEST_P(FixtureVectors, EncodesEveryCaseExactly) {
  auto tok = load();
  ASSERT_NE(tok, nullptr);
  const auto cases = vectors();
  ASSERT_EQ(cases.size(), 46u);
  int failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    auto got = tok->encode(cases[i].input, false, false);
    ASSERT_TRUE(got.ok()) << got.message();
    if (*got != cases[i].expected) {
      ++failures;
      ADD_FAILURE() << GetParam() << " case " << i << " input '" << cases[i].input << "'\n"
                    << ::testing::PrintToString(*got) << "\n vs expected\n"
                    << ::testing::PrintToString(cases[i].expected);
    }
  }
  EXPECT_EQ(failures, 0);
}

// Byte-level and byte-fallback vocabs lose nothing: decoding the expected ids
// gives the input back (clean-up of spaces disabled, since it is lossy).
// WordPiece is not in this list: lowercasing and accent stripping are lossy.
class FixtureRoundTrip : public FixtureVectors {};

TEST_P(FixtureRoundTrip, DecodesExpectedIdsBackToInput) {
  auto tok = load();
  ASSERT_NE(tok, nullptr);
  DecodeOptions options;
  options.clean_spaces = false;
  for (const auto& c : vectors()) {
    auto text = tok->decode(c.expected, options);
    ASSERT_TRUE(text.ok()) << text.message();
    EXPECT_EQ(*text, c.input) << GetParam();
  }
}

std::string vocab_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(std::string("ggml-vocab-").size());
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vocabs, FixtureVectors,
                         ::testing::Values("ggml-vocab-bert-bge", "ggml-vocab-deepseek-coder",
                                           "ggml-vocab-deepseek-llm", "ggml-vocab-falcon", "ggml-vocab-gpt-2",
                                           "ggml-vocab-llama-spm", "ggml-vocab-starcoder"),
                         vocab_test_name);
INSTANTIATE_TEST_SUITE_P(Vocabs, FixtureRoundTrip,
                         ::testing::Values("ggml-vocab-deepseek-coder", "ggml-vocab-deepseek-llm", "ggml-vocab-falcon",
                                           "ggml-vocab-gpt-2", "ggml-vocab-llama-spm", "ggml-vocab-starcoder"),
                         vocab_test_name);

}  // namespace
}  // namespace ledge::tokenizer
