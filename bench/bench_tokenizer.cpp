// Tokenizer throughput on ~1 MiB of mixed text (English prose, Jinja/code,
// the multilingual/emoji/whitespace strings of the llama.cpp test vectors),
// built deterministically from the shared fixtures. Reports bytes/s.
//   build/release/bench/bench_tokenizer --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/streaming_detokenizer.h"
#include "tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using ledge::tokenizer::Tokenizer;

fs::path fixtures() {
  const char* env = std::getenv("LEDGE_FIXTURES");
  return (env != nullptr && *env != '\0') ? fs::path(env) : fs::path(LEDGE_DEFAULT_FIXTURES);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Prose + code + unicode, repeated up to 1 MiB. Sources are sorted so the
// text is identical on every machine.
const std::string& corpus() {
  static const std::string text = [] {
    std::vector<std::string> parts;
    parts.push_back(slurp(fixtures() / "text/story.txt"));
    std::vector<fs::path> templates;
    for (const auto& e : fs::directory_iterator(fixtures() / "chat-templates/templates")) templates.push_back(e.path());
    std::sort(templates.begin(), templates.end());
    for (size_t i = 0; i < templates.size() && i < 8; ++i) parts.push_back(slurp(templates[i]));
    std::string vectors = slurp(fixtures() / "tokenizer/ggml-vocab-gpt-2.gguf.inp");
    for (size_t at = 0; (at = vectors.find("__ggml_vocab_test__", at)) != std::string::npos;) {
      vectors.replace(at, 19, "\n");
    }
    parts.push_back(vectors);
    std::string all;
    constexpr size_t kTarget = 1 << 20;
    while (all.size() < kTarget) {
      for (const auto& p : parts) all += p;
    }
    all.resize(kTarget);
    // Do not end in the middle of a UTF-8 character.
    while (!all.empty() && (static_cast<unsigned char>(all.back()) & 0xC0) == 0x80) all.pop_back();
    if (!all.empty() && static_cast<unsigned char>(all.back()) >= 0xC0) all.pop_back();
    return all;
  }();
  return text;
}

const Tokenizer* tokenizer(const std::string& vocab) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[vocab];
  if (!slot) {
    auto t = Tokenizer::load((fixtures() / ("tokenizer/ggml-vocab-" + vocab + ".gguf")).string());
    if (!t.ok()) {
      std::fprintf(stderr, "bench_tokenizer: %s\n", t.message().c_str());
      return nullptr;
    }
    slot = std::move(*t);
  }
  return slot.get();
}

void BM_Encode(benchmark::State& state, const std::string& vocab) {
  const Tokenizer* t = tokenizer(vocab);
  if (t == nullptr) {
    state.SkipWithError("vocab not found (set LEDGE_FIXTURES)");
    return;
  }
  const std::string& text = corpus();
  size_t n_tokens = 0;
  for (auto _ : state) {
    auto ids = t->encode(text, /*add_special=*/false, /*parse_special=*/false);
    if (!ids.ok()) {
      state.SkipWithError(ids.message().c_str());
      return;
    }
    n_tokens = ids->size();
    benchmark::DoNotOptimize(ids->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
  state.counters["bytes"] = static_cast<double>(text.size());
}

void BM_StreamDecode(benchmark::State& state, const std::string& vocab) {
  const Tokenizer* t = tokenizer(vocab);
  if (t == nullptr) {
    state.SkipWithError("vocab not found (set LEDGE_FIXTURES)");
    return;
  }
  const auto ids = t->encode(corpus(), false, false);
  if (!ids.ok()) {
    state.SkipWithError(ids.message().c_str());
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    ledge::tokenizer::StreamingDetokenizer stream(*t);
    bytes = 0;
    for (int32_t id : *ids) bytes += stream.push(id)->size();
    bytes += stream.finish().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
}

BENCHMARK_CAPTURE(BM_Encode, spm_llama, std::string("llama-spm"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_gpt2, std::string("gpt-2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_deepseek_coder, std::string("deepseek-coder"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_deepseek_llm, std::string("deepseek-llm"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_falcon, std::string("falcon"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, bpe_starcoder, std::string("starcoder"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, wpm_bert_bge, std::string("bert-bge"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_StreamDecode, spm_llama, std::string("llama-spm"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_StreamDecode, bpe_gpt2, std::string("gpt-2"))->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
