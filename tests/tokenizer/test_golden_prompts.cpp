// The prompts of every llama-server golden file tokenize to its
// `prompt_tokens` (add_special = true, parse_special = true, as /tokenize
// does), pieces match `prompt_pieces`, and streaming the generated tokens
// reproduces the server's `content`.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "tokenizer/streaming_detokenizer.h"
#include "tokenizer/tokenizer.h"

namespace ledge::tokenizer {
namespace {

using nlohmann::json;

const Tokenizer& tokenizer_for(const std::string& model_rel) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[model_rel];
  if (!slot) {
    auto tok = Tokenizer::load(test::fixture(model_rel).string());
    if (!tok.ok()) {
      ADD_FAILURE() << model_rel << ": " << tok.message();
      std::abort();
    }
    slot = std::move(*tok);
  }
  return *slot;
}

std::vector<std::filesystem::path> golden_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(test::fixtures_dir() / "golden")) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(GoldenPrompts, EveryPromptTokenizesLikeLlamaServer) {
  size_t files = 0, cases = 0;
  for (const auto& path : golden_files()) {
    const json doc = json::parse(test::read_file(path));
    if (!doc.contains("cases")) continue;  // e.g. the perplexity file (checked below)
    ++files;
    const Tokenizer& tok = tokenizer_for(doc.at("model").get<std::string>());
    for (const auto& c : doc.at("cases")) {
      ++cases;
      const std::string prompt = c.at("prompt").get<std::string>();
      const auto expected = c.at("prompt_tokens").get<std::vector<int32_t>>();
      auto got = tok.encode(prompt, /*add_special=*/true, /*parse_special=*/true);
      ASSERT_TRUE(got.ok()) << got.message();
      EXPECT_EQ(*got, expected) << path.filename() << " prompt: " << prompt;

      const auto& pieces = c.at("prompt_pieces");
      ASSERT_EQ(pieces.size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        std::string want;
        if (pieces[i].is_string()) {
          want = pieces[i].get<std::string>();
        } else {
          for (const auto& b : pieces[i]) want.push_back(static_cast<char>(b.get<int>()));
        }
        EXPECT_EQ(tok.token_to_piece(expected[i]), want) << path.filename() << " token " << expected[i];
      }
    }
  }
  EXPECT_GE(files, 20u);
  EXPECT_EQ(cases, files * 6);
}

TEST(GoldenPrompts, StreamingGeneratedTokensReproducesContent) {
  size_t checked = 0;
  for (const auto& path : golden_files()) {
    const json doc = json::parse(test::read_file(path));
    if (!doc.contains("cases")) continue;
    const Tokenizer& tok = tokenizer_for(doc.at("model").get<std::string>());
    for (const auto& c : doc.at("cases")) {
      StreamingDetokenizer stream(tok);
      std::string text;
      for (const auto& step : c.at("steps")) {
        const auto id = step.at("token").get<int32_t>();
        if (c.at("stop_type") == "eos" && tok.vocab().is_eog(id)) break;  // the server does not print EOS
        auto chunk = stream.push(id);
        ASSERT_TRUE(chunk.ok()) << chunk.message();
        text += *chunk;
      }
      text += stream.finish();
      EXPECT_EQ(text, c.at("content").get<std::string>()) << path.filename() << " prompt: " << c.at("prompt");
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST(GoldenPrompts, PerplexityTextTokensMatch) {
  const json doc = json::parse(test::read_file(test::fixture("golden/stories260K.perplexity.json")));
  const Tokenizer& tok = tokenizer_for(doc.at("model").get<std::string>());
  const std::string text = test::read_file(test::fixture(doc.at("text").get<std::string>()));
  auto got = tok.encode(text, /*add_special=*/true, /*parse_special=*/false);
  ASSERT_TRUE(got.ok()) << got.message();
  EXPECT_EQ(*got, doc.at("text_tokens_with_bos").get<std::vector<int32_t>>());
}

}  // namespace
}  // namespace ledge::tokenizer
