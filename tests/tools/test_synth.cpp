// ledge synth: deterministic output, models that load and run, tokenizers
// that round-trip text, and quantized synthesis equal to quantizing later.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "gguf/gguf.h"
#include "runtime/engine.h"
#include "tokenizer/tokenizer.h"
#include "tools/quantize.h"
#include "tools/synth.h"
#include "tools/synth_vocab.h"
#include "tools_test_util.h"

namespace ledge {
namespace {

tools::SynthOptions options(const std::string& shape, const std::string& type, uint64_t seed = 42) {
  tools::SynthOptions o;
  o.shape = *tools::shape_preset(shape);
  o.type = *tools::find_file_type(type);
  o.seed = seed;
  o.n_threads = 2;
  return o;
}

// Loads the model, encodes a prompt with its own tokenizer, feeds it and
// decodes a few greedy tokens; every logit must be finite.
void expect_runs(const std::string& path) {
  auto engine = runtime::Engine::load(path, runtime::EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.message();
  auto tok = tokenizer::Tokenizer::from_gguf((*engine)->model().file());
  ASSERT_TRUE(tok.ok()) << tok.message();
  const std::string text = "Hello world, the server answered 42 questions.";
  auto ids = (*tok)->encode(text, /*add_special=*/false, /*parse_special=*/false);
  ASSERT_TRUE(ids.ok()) << ids.message();
  auto back = (*tok)->decode(*ids);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, text);
  auto seq = (*engine)->new_sequence();
  ASSERT_TRUE(seq.ok());
  auto logits = (*engine)->feed(*seq, *ids);
  for (int step = 0; step < 4; ++step) {
    ASSERT_TRUE(logits.ok()) << logits.message();
    int32_t best = 0;
    for (size_t i = 0; i < logits->size(); ++i) {
      ASSERT_TRUE(std::isfinite((*logits)[i])) << "logit " << i;
      if ((*logits)[i] > (*logits)[size_t(best)]) best = int32_t(i);
    }
    logits = (*engine)->feed(*seq, std::span<const int32_t>(&best, 1));
  }
}

TEST(Synth, TinyIsDeterministicAndSeeded) {
  test::ScratchDir dir("synth-det");
  ASSERT_TRUE(tools::synthesize(options("tiny", "F16"), dir.file("a.gguf")).ok());
  auto o = options("tiny", "F16");
  o.n_threads = 1;  // the thread count must not change the bytes
  ASSERT_TRUE(tools::synthesize(o, dir.file("b.gguf")).ok());
  ASSERT_TRUE(tools::synthesize(options("tiny", "F16", 7), dir.file("c.gguf")).ok());
  const std::string a = test::read_file(dir.file("a.gguf"));
  EXPECT_EQ(a, test::read_file(dir.file("b.gguf")));
  EXPECT_NE(a, test::read_file(dir.file("c.gguf")));
}

TEST(Synth, TinyLoadsTokenizesAndGenerates) {
  test::ScratchDir dir("synth-tiny");
  auto r = tools::synthesize(options("tiny", "F32"), dir.file("tiny.gguf"));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->n_vocab, 512);
  expect_runs(dir.file("tiny.gguf"));
  auto f = gguf::File::open(dir.file("tiny.gguf"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->get_string("tokenizer.chat_template").ok());
  EXPECT_EQ(*f->get_string("general.size_label"), "131K");
  EXPECT_EQ(f->find_tensor("output.weight"), nullptr);  // tied
}

TEST(Synth, CustomShapesLoad) {
  test::ScratchDir dir("synth-custom");
  auto o = options("custom", "Q8_0");
  o.shape.arch = "qwen2";
  o.shape.qkv_bias = true;
  o.shape.pre = "qwen2";
  o.shape.n_embd = 128, o.shape.n_layer = 3, o.shape.n_head = 4, o.shape.n_head_kv = 1, o.shape.n_ff = 320;
  o.shape.n_vocab = 1000, o.shape.tied = false;
  ASSERT_TRUE(tools::synthesize(o, dir.file("qwen.gguf")).ok());
  expect_runs(dir.file("qwen.gguf"));
  auto f = gguf::File::open(dir.file("qwen.gguf"));
  ASSERT_TRUE(f.ok());
  EXPECT_NE(f->find_tensor("blk.2.attn_v.bias"), nullptr);
  EXPECT_NE(f->find_tensor("output.weight"), nullptr);

  // Llama 3 style: explicit head size and rope_freqs.
  auto l = options("custom", "F16");
  l.shape.n_embd = 256, l.shape.n_head = 4, l.shape.n_head_kv = 2, l.shape.n_ff = 512, l.shape.n_vocab = 700;
  l.shape.llama3_rope = true, l.shape.explicit_head_dim = true, l.shape.rope_base = 500000.0;
  ASSERT_TRUE(tools::synthesize(l, dir.file("llama3.gguf")).ok());
  expect_runs(dir.file("llama3.gguf"));
  auto g = gguf::File::open(dir.file("llama3.gguf"));
  ASSERT_TRUE(g.ok());
  const auto* freqs = g->find_tensor("rope_freqs.weight");
  ASSERT_NE(freqs, nullptr);
  EXPECT_EQ(freqs->ne[0], 32u);
}

TEST(Synth, QuantizedSynthesisEqualsQuantizingTheF32Model) {
  test::ScratchDir dir("synth-quant");
  for (const char* shape : {"tiny", "custom256"}) {
    auto f32 = options("custom", "F32");
    if (std::string(shape) == "custom256") f32.shape.n_embd = 256, f32.shape.n_ff = 768, f32.shape.n_head = 8;
    ASSERT_TRUE(tools::synthesize(f32, dir.file("f32.gguf")).ok());
    for (const char* type : {"Q4_K_M", "Q8_0", "Q3_K_S"}) {
      SCOPED_TRACE(std::string(shape) + " " + type);
      auto ft = *tools::find_file_type(type);
      auto direct = f32;
      direct.type = ft;
      ASSERT_TRUE(tools::synthesize(direct, dir.file("direct.gguf")).ok());
      auto q = tools::quantize_file(dir.file("f32.gguf"), dir.file("later.gguf"), ft, 2);
      ASSERT_TRUE(q.ok()) << q.message();
      EXPECT_EQ(test::read_file(dir.file("direct.gguf")), test::read_file(dir.file("later.gguf")));
    }
  }
}

TEST(Synth, RejectsInconsistentShapes) {
  test::ScratchDir dir("synth-bad");
  auto o = options("custom", "F16");
  o.shape.n_head = 5;  // 64 % 5 != 0
  auto r = tools::synthesize(o, dir.file("x.gguf"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("not a multiple of --n-head 5"), std::string::npos) << r.message();
  o = options("custom", "F16");
  o.shape.n_vocab = 100;
  r = tools::synthesize(o, dir.file("x.gguf"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("vocabulary size 100"), std::string::npos) << r.message();
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.gguf")));
}

TEST(SynthVocab, ExactSizeUniqueTokensValidMerges) {
  for (int64_t n : {int64_t{300}, int64_t{49152}, int64_t{151936}}) {
    auto v = tools::make_synth_vocab(n);
    ASSERT_TRUE(v.ok()) << v.message();
    EXPECT_EQ(int64_t(v->tokens.size()), n);
    std::set<std::string> unique(v->tokens.begin(), v->tokens.end());
    EXPECT_EQ(int64_t(unique.size()), n);
    for (const auto& m : v->merges) {
      auto sp = m.find(' ');
      ASSERT_NE(sp, std::string::npos);
      EXPECT_TRUE(unique.count(m.substr(0, sp)) && unique.count(m.substr(sp + 1)) &&
                  unique.count(m.substr(0, sp) + m.substr(sp + 1)))
          << m;
    }
  }
  EXPECT_FALSE(tools::make_synth_vocab(299).ok());
}

}  // namespace
}  // namespace ledge
