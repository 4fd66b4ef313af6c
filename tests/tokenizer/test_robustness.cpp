// Hostile and pathological inputs: no crashes, no quadratic blow-ups.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "support/fixtures.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {
namespace {

std::unique_ptr<Tokenizer> load(const std::string& name) {
  auto tok = Tokenizer::load(test::fixture("tokenizer/ggml-vocab-" + name + ".gguf").string());
  EXPECT_TRUE(tok.ok()) << tok.message();
  return tok.ok() ? std::move(*tok) : nullptr;
}

class LongInput : public ::testing::TestWithParam<std::string> {};

TEST_P(LongInput, HundredKilobytesWithoutSpacesIsFastAndLossless) {
  auto t = load(GetParam());
  ASSERT_NE(t, nullptr);
  std::mt19937 rng(7);
  std::string text;
  while (text.size() < 100000) text.push_back(static_cast<char>('a' + rng() % 26));
  const std::string same(100000, 'a');
  for (const std::string* input : std::initializer_list<const std::string*>{&text, &same}) {
    const auto start = std::chrono::steady_clock::now();
    auto ids = t->encode(*input, false, false);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(ids.ok()) << ids.message();
    EXPECT_LT(seconds, 10.0) << GetParam() << " took " << seconds << " s";
    if (t->model() != TokenizerModel::Wpm) {
      DecodeOptions o;
      o.clean_spaces = false;
      EXPECT_EQ(*t->decode(*ids, o), *input);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs, LongInput,
                         ::testing::Values("llama-spm", "gpt-2", "deepseek-coder", "bert-bge"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = (c == '-') ? '_' : c;
                           return n;
                         });

TEST(Robustness, InvalidUtf8NeverCrashes) {
  std::mt19937 rng(11);
  for (const char* name : {"llama-spm", "gpt-2", "deepseek-llm", "bert-bge", "falcon"}) {
    auto t = load(name);
    ASSERT_NE(t, nullptr);
    for (int round = 0; round < 200; ++round) {
      std::string s;
      const int n = static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(rng() % 256));
      auto ids = t->encode(s, true, true);
      ASSERT_TRUE(ids.ok()) << name << ": " << ids.message();
      for (int32_t id : *ids) ASSERT_TRUE(t->vocab().contains(id));
      ASSERT_TRUE(t->decode(*ids).ok());
    }
  }
}

TEST(Robustness, SpmByteFallbackRoundTripsArbitraryBytes) {
  auto t = load("llama-spm");
  ASSERT_NE(t, nullptr);
  std::string all;
  for (int b = 1; b < 256; ++b) all.push_back(static_cast<char>(b));
  auto ids = t->encode(all, false, false);
  ASSERT_TRUE(ids.ok());
  DecodeOptions o;
  EXPECT_EQ(*t->decode(*ids, o), all);
}

// A Tokenizer is shared by request threads: concurrent encodes must agree
// with a serial run.
TEST(Robustness, ConcurrentEncodesAgree) {
  for (const char* name : {"llama-spm", "deepseek-coder", "bert-bge"}) {
    auto t = load(name);
    ASSERT_NE(t, nullptr);
    std::vector<std::string> texts;
    for (int i = 0; i < 16; ++i) {
      texts.push_back("Request " + std::to_string(i) + ": Café naïve 日本語 🦙 <|im_end|> fn(x) { return x*" +
                      std::to_string(i * 37) + "; }");
    }
    std::vector<std::vector<int32_t>> serial;
    for (const auto& s : texts) serial.push_back(*t->encode(s, true, true));
    std::vector<std::vector<std::vector<int32_t>>> got(4);
    std::vector<std::thread> threads;
    for (size_t k = 0; k < got.size(); ++k) {
      threads.emplace_back([&, k] {
        for (int rep = 0; rep < 20; ++rep) {
          for (const auto& s : texts) {
            auto ids = t->encode(s, true, true);
            if (rep == 0) got[k].push_back(ids.ok() ? *ids : std::vector<int32_t>{});
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    for (const auto& g : got) EXPECT_EQ(g, serial) << name;
  }
}

// SPM merges words one by one only when that cannot change the result. Check
// it on real text: the same vocab plus one token that glues words (and never
// occurs in the text) forces whole-text merging; both must agree.
TEST(Robustness, SpmWordByWordEqualsWholeTextMerging) {
  auto file = gguf::File::open(test::fixture("tokenizer/ggml-vocab-llama-spm.gguf").string());
  ASSERT_TRUE(file.ok()) << file.message();
  auto meta = read_vocab_metadata(*file);
  ASSERT_TRUE(meta.ok()) << meta.message();
  auto glued = *meta;
  glued.tokens.push_back("\x7F\xE2\x96\x81\x7F");
  glued.scores->push_back(-1.0f);
  glued.token_types->push_back(1);
  auto fast = Tokenizer::create(*Vocab::build(std::move(*meta)));
  auto whole = Tokenizer::create(*Vocab::build(std::move(glued)));
  ASSERT_TRUE(fast.ok() && whole.ok());

  std::string text = test::read_file(test::fixture("text/story.txt"));
  text += test::read_file(test::fixture("tokenizer/ggml-vocab-llama-spm.gguf.inp"));
  std::mt19937 rng(5);
  const char32_t alphabet[] = {U' ', U' ', U'a', U'e', U't', U'\n', U'\u00e9', U'\u65e5', U'\U0001F999', U'.', U'7'};
  for (int i = 0; i < 20000; ++i) {
    const char32_t cp = alphabet[rng() % std::size(alphabet)];
    std::string utf8;
    if (cp < 0x80) {
      utf8.push_back(static_cast<char>(cp));
    } else {
      utf8 = cp == U'\u00e9' ? "\xC3\xA9" : cp == U'\u65e5' ? "\xE6\x97\xA5" : "\xF0\x9F\xA6\x99";
    }
    text += utf8;
  }
  for (size_t at = 0; at < text.size(); at += 4096) {
    const std::string chunk = text.substr(at, 4096);
    EXPECT_EQ(*(*fast)->encode(chunk, true, false), *(*whole)->encode(chunk, true, false)) << "offset " << at;
  }
}

}  // namespace
}  // namespace ledge::tokenizer
