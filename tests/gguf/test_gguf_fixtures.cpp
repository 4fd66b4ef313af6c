// Positive tests: the reader opens every shared fixture and sees what
// ../shared/fixtures/README.md documents.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "gguf/gguf.h"
#include "support/fixtures.h"

namespace ledge::gguf {
namespace {

using ledge::test::fixture;
using ledge::test::fixtures_dir;

TEST(GgufFixtures, Stories260K) {
  auto f = File::open(fixture("models/stories260K.gguf").string());
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->tensors().size(), 48u);
  for (const auto& t : f->tensors()) EXPECT_EQ(t.type, TensorType::F32) << t.name;
  auto arch = f->get_string("general.architecture");
  ASSERT_TRUE(arch.ok()) << arch.message();
  EXPECT_EQ(*arch, "llama");
  auto n_embd = f->get_uint("llama.embedding_length");
  ASSERT_TRUE(n_embd.ok()) << n_embd.message();
  EXPECT_EQ(*n_embd, 64u);
  EXPECT_EQ(*f->get_uint("llama.block_count"), 5u);
  EXPECT_EQ(*f->get_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(*f->get_uint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(*f->get_uint("llama.feed_forward_length"), 172u);
  EXPECT_EQ(*f->get_uint("llama.context_length"), 2048u);
  auto eps = f->get_float("llama.attention.layer_norm_rms_epsilon");
  ASSERT_TRUE(eps.ok()) << eps.message();
  EXPECT_NEAR(*eps, 1e-5, 1e-9);
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens.ok()) << tokens.message();
  EXPECT_EQ(tokens->size(), 512u);
  EXPECT_EQ((*tokens)[1], "<s>");
  auto scores = f->get_float_array("tokenizer.ggml.scores");
  ASSERT_TRUE(scores.ok()) << scores.message();
  EXPECT_EQ(scores->size(), 512u);
  auto types = f->get_int_array("tokenizer.ggml.token_type");
  ASSERT_TRUE(types.ok()) << types.message();
  EXPECT_EQ(types->size(), 512u);
  // -1 stored as uint32 (README): reads back as 4294967295.
  auto sep = f->get_uint("tokenizer.ggml.seperator_token_id");
  ASSERT_TRUE(sep.ok()) << sep.message();
  EXPECT_EQ(*sep, 4294967295u);

  const TensorInfo* emb = f->find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->n_dims, 2u);
  EXPECT_EQ(emb->ne[0], 64u);
  EXPECT_EQ(emb->ne[1], 512u);
  EXPECT_EQ(emb->n_elements, 64u * 512u);
  EXPECT_EQ(emb->n_bytes, 64u * 512u * 4u);
  auto data = f->tensor_data(*emb);
  EXPECT_EQ(data.size(), emb->n_bytes);
  EXPECT_EQ(data.data(), f->bytes().data() + f->data_offset() + emb->offset);  // zero copy
  EXPECT_EQ(f->find_tensor("no.such.tensor"), nullptr);
  EXPECT_EQ(f->find("no.such.key"), nullptr);

  uint64_t params = 0;
  for (const auto& t : f->tensors()) params += t.n_elements;
  EXPECT_EQ(params * 4, f->file_size() - f->data_offset());
}

TEST(GgufFixtures, GetterErrorsNameKeyAndType) {
  auto f = File::open(fixture("models/stories260K.gguf").string());
  ASSERT_TRUE(f.ok()) << f.message();
  auto a = f->get_uint("general.architecture");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.message().find("general.architecture"), std::string::npos) << a.message();
  EXPECT_NE(a.message().find("STRING"), std::string::npos) << a.message();
  auto b = f->get_string("llama.embedding_length");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.message().find("llama.embedding_length"), std::string::npos) << b.message();
  EXPECT_NE(b.message().find("UINT32"), std::string::npos) << b.message();
  auto c = f->get_string_array("tokenizer.ggml.scores");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.message().find("ARRAY of FLOAT32"), std::string::npos) << c.message();
  auto d = f->get_bool("missing.key");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.message().find("missing.key"), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("not found"), std::string::npos) << d.message();
}

// Token counts from the table in fixtures/README.md (tokenizer/).
TEST(GgufFixtures, VocabFiles) {
  const std::map<std::string, std::pair<std::string, size_t>> expected = {
      {"ggml-vocab-bert-bge.gguf", {"bert", 30522}},
      {"ggml-vocab-deepseek-coder.gguf", {"llama", 32256}},
      {"ggml-vocab-deepseek-llm.gguf", {"llama", 102400}},
      {"ggml-vocab-falcon.gguf", {"falcon", 65024}},
      {"ggml-vocab-gpt-2.gguf", {"gpt2", 50257}},
      {"ggml-vocab-llama-spm.gguf", {"llama", 32000}},
      {"ggml-vocab-starcoder.gguf", {"starcoder2", 49152}},
  };
  for (const auto& [file, want] : expected) {
    SCOPED_TRACE(file);
    auto f = File::open(fixture("tokenizer/" + file).string());
    ASSERT_TRUE(f.ok()) << f.message();
    EXPECT_TRUE(f->tensors().empty());
    EXPECT_EQ(*f->get_string("general.architecture"), want.first);
    auto tokens = f->get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.message();
    EXPECT_EQ(tokens->size(), want.second);
  }
}

// Every model in models/ opens, every tensor's bytes are inside the file and
// the parameter counts match the README's table for the synthetic families.
TEST(GgufFixtures, EveryModelOpens) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(fixtures_dir() / "models")) {
    if (e.path().extension() != ".gguf") continue;
    SCOPED_TRACE(e.path().filename().string());
    auto f = File::open(e.path().string());
    ASSERT_TRUE(f.ok()) << f.message();
    ++n;
    uint64_t params = 0;
    for (const auto& t : f->tensors()) {
      params += t.n_elements;
      EXPECT_EQ(f->tensor_data(t).size(), t.n_bytes) << t.name;
    }
    std::string name = e.path().filename().string();
    if (name.starts_with("synth-llama-spm512")) {
      EXPECT_EQ(params, 1836288u);
    } else if (name.starts_with("synth-llama-bpe-dscoder")) {
      EXPECT_EQ(params, 9766144u);
    } else if (name.starts_with("synth-qwen2-bpe-dscoder")) {
      EXPECT_EQ(params, 9832704u);
    }
  }
  EXPECT_EQ(n, 18u);
}

TEST(GgufFixtures, QuantMixQ4KM) {
  auto f = File::open(fixture("models/synth-llama-spm512-Q4_K_M.gguf").string());
  ASSERT_TRUE(f.ok()) << f.message();
  std::map<TensorType, int> mix;
  for (const auto& t : f->tensors()) mix[t.type]++;
  EXPECT_EQ(mix[TensorType::Q6_K], 3);
  EXPECT_EQ(mix[TensorType::F32], 5);
  EXPECT_EQ(mix[TensorType::Q4_K], 13);
  EXPECT_EQ(f->find_tensor("output.weight")->type, TensorType::Q6_K);
}

}  // namespace
}  // namespace ledge::gguf
