#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "runtime/engine.h"
#include "runtime/perplexity.h"
#include "support/fixtures.h"

namespace ledge::runtime {
namespace {

using nlohmann::json;

std::unique_ptr<Engine> load(const std::string& model, kv::KvType kv = kv::KvType::F32, int n_parallel = 1,
                             int max_batch = 512) {
  EngineOptions o;
  o.n_ctx = 512;
  o.kv_type = kv;
  o.n_parallel = n_parallel;
  o.max_batch = max_batch;
  auto e = Engine::load(test::fixture("models/" + model).string(), o);
  EXPECT_TRUE(e.ok()) << e.message();
  return e.ok() ? std::move(e).value() : nullptr;
}

std::vector<double> probs(std::span<const float> logits) {
  std::vector<double> p(logits.size());
  float mx = logits[0];
  for (float l : logits) mx = std::max(mx, l);
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i) s += p[i] = std::exp(double(logits[i]) - mx);
  for (double& v : p) v /= s;
  return p;
}

// First-step distribution of every case against llama.cpp's numerically clean
// run (no flash attention, F32 KV cache).
TEST(Engine, Stories260KMatchesCleanReferenceAtFirstStep) {
  auto e = load("stories260K.gguf");
  ASSERT_TRUE(e);
  json g = json::parse(test::read_file(test::fixture("golden/stories260K.fa-off.kv-f32.json")));
  for (const json& c : g["cases"]) {
    auto seq = e->new_sequence();
    ASSERT_TRUE(seq.ok());
    std::vector<int32_t> toks = c["prompt_tokens"];
    auto logits = e->feed(*seq, toks);
    ASSERT_TRUE(logits.ok()) << logits.message();
    auto p = probs(*logits);
    for (const json& entry : c["steps"][0]["top"])
      EXPECT_NEAR(p[entry[0].get<size_t>()], entry[1].get<double>(), 1e-4) << c["prompt"];
    e->free_sequence(*seq);
  }
}

TEST(Engine, PrefillEqualsTokenByTokenDecode) {
  auto e = load("synth-llama-spm512-F32.gguf");
  ASSERT_TRUE(e);
  const std::vector<int32_t> toks = {1, 403, 407, 261, 378, 286, 261, 399, 17, 300};
  auto a = e->new_sequence();
  auto la = e->feed(*a, toks);
  ASSERT_TRUE(la.ok()) << la.message();
  std::vector<float> batched(la->begin(), la->end());
  auto b = e->new_sequence();
  ASSERT_FALSE(b.ok()) << "n_parallel = 1 must refuse a second live sequence";
  e->free_sequence(*a);
  b = e->new_sequence();
  ASSERT_TRUE(b.ok());
  std::span<const float> lb;
  for (int32_t t : toks) {
    auto r = e->feed(*b, std::span<const int32_t>(&t, 1));
    ASSERT_TRUE(r.ok());
    lb = *r;
  }
  for (size_t i = 0; i < batched.size(); ++i) ASSERT_NEAR(batched[i], lb[i], 1e-4) << i;
}

TEST(Engine, SequencesInOneBatchEqualSeparateRuns) {
  auto e = load("synth-qwen2-bpe-dscoder-Q8_0.gguf", kv::KvType::F16, 2);
  ASSERT_TRUE(e);
  const std::vector<int32_t> p1 = {32013, 100, 2000, 31000}, p2 = {32013, 7, 8};
  auto s1 = e->new_sequence(), s2 = e->new_sequence();
  auto l1 = e->feed(*s1, p1);
  std::vector<float> ref1(l1->begin(), l1->end());
  auto l2 = e->feed(*s2, p2);
  std::vector<float> ref2(l2->begin(), l2->end());
  e->free_sequence(*s1);
  e->free_sequence(*s2);

  s1 = e->new_sequence();
  s2 = e->new_sequence();
  std::vector<model::BatchToken> batch;
  // Interleave the two prompts in one forward pass.
  for (size_t i = 0; i < std::max(p1.size(), p2.size()); ++i) {
    if (i < p1.size()) batch.push_back({p1[i], int32_t(i), *s1, i + 1 == p1.size()});
    if (i < p2.size()) batch.push_back({p2[i], int32_t(i), *s2, i + 1 == p2.size()});
  }
  std::vector<float> logits;
  ASSERT_TRUE(e->decode(batch, logits).ok());
  const size_t V = size_t(e->n_vocab());
  ASSERT_EQ(logits.size(), 2 * V);
  // Logit rows come in batch order: p2 finishes first (index 5), then p1.
  for (size_t i = 0; i < V; ++i) {
    ASSERT_NEAR(logits[i], ref2[i], 1e-4);
    ASSERT_NEAR(logits[V + i], ref1[i], 1e-4);
  }
}

TEST(Engine, RejectsBadInputWithoutChangingState) {
  auto e = load("stories260K.gguf");
  ASSERT_TRUE(e);
  auto s = e->new_sequence();
  std::vector<int32_t> bad = {1, 512};
  auto r = e->feed(*s, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("512"), std::string::npos) << r.message();
  EXPECT_EQ(e->length(*s), 0);
  std::vector<int32_t> neg = {-1};
  EXPECT_FALSE(e->feed(*s, neg).ok());
  std::vector<int32_t> too_long(513, 5);
  r = e->feed(*s, too_long);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("context"), std::string::npos) << r.message();
  EXPECT_EQ(e->length(*s), 0);
  std::vector<int32_t> ok = {1, 403};
  EXPECT_TRUE(e->feed(*s, ok).ok());
  EXPECT_EQ(e->length(*s), 2);
}

TEST(Engine, MissingFileAndUnsupportedArchitectureAreClearErrors) {
  auto e = Engine::load("/nonexistent/model.gguf", {});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("/nonexistent/model.gguf"), std::string::npos);
  // A vocab-only file: architecture "bert" is not a supported generator.
  auto b = Engine::load(test::fixture("tokenizer/ggml-vocab-bert-bge.gguf").string(), {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.message().find("bert"), std::string::npos) << b.message();
}

TEST(Perplexity, Stories260KWithinOnePercentOfPeer) {
  auto e = load("stories260K.gguf", kv::KvType::F16);
  ASSERT_TRUE(e);
  json g = json::parse(test::read_file(test::fixture("golden/stories260K.perplexity.json")));
  std::vector<int32_t> toks = g["text_tokens_with_bos"];
  auto r = perplexity(*e, toks, 128, 1);
  ASSERT_TRUE(r.ok()) << r.message();
  const double peer = g["runs"][0]["ppl"].get<double>();
  EXPECT_EQ(r->n_chunks, 13);
  EXPECT_EQ(r->n_scored, 13 * 63);
  EXPECT_NEAR(r->ppl, peer, 0.01 * peer);
}

}  // namespace
}  // namespace ledge::runtime
