// Mix rules: processing order, file type names, and — against llama.cpp's
// own numbers for the real model shapes (../shared/peer) — the per-tensor
// type choices including the fallbacks for rows that are not a multiple of
// 256 (SmolLM2's 576, Qwen2.5's 896): the tensor bytes of every synthesized
// layout must equal llama-bench's model_size for the same shape and mix.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "gguf/tensor_type.h"
#include "tools/quant_mix.h"
#include "tools/synth.h"
#include "tools_test_util.h"

namespace ledge {
namespace {

using gguf::TensorType;

uint64_t decl_bytes(const gguf::TensorDecl& d) {
  auto tr = gguf::tensor_type_traits(static_cast<uint32_t>(d.type));
  uint64_t n = 1;
  for (uint64_t x : d.ne) n *= x;
  return n / tr->block_elems * tr->block_bytes;
}

TEST(QuantMix, OrderIsBlockNumericThenName) {
  std::vector<tools::MixTensor> t = {{"blk.10.attn_q.weight", 2, 64, TensorType::F32},
                                     {"output_norm.weight", 1, 64, TensorType::F32},
                                     {"blk.2.ffn_up.weight", 2, 64, TensorType::F32},
                                     {"blk.2.attn_k.weight", 2, 64, TensorType::F32},
                                     {"token_embd.weight", 2, 64, TensorType::F32},
                                     {"output.weight", 2, 64, TensorType::F32}};
  std::vector<std::string> names;
  for (size_t i : tools::quantize_order(t)) names.push_back(t[i].name);
  EXPECT_EQ(names, (std::vector<std::string>{"output.weight", "output_norm.weight", "token_embd.weight",
                                             "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight"}));
}

TEST(QuantMix, FileTypeLookup) {
  auto q = tools::find_file_type("q4_k_m");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->id, 15u);
  EXPECT_EQ(q->default_type, TensorType::Q4_K);
  EXPECT_EQ(tools::find_file_type("BF16")->id, 32u);
  EXPECT_FALSE(tools::find_file_type("Q4_K_X").has_value());
  EXPECT_FALSE(tools::find_file_type("").has_value());
}

TEST(QuantMix, SmolLM2FallbacksForRowsOf576) {
  auto shape = tools::shape_preset("smollm2-135m");
  auto layout = tools::synth_layout(*shape, *tools::find_file_type("Q4_K_M"));
  ASSERT_TRUE(layout.ok()) << layout.message();
  std::map<std::string, TensorType> type;
  for (const auto& d : *layout) type[d.name] = d.type;
  EXPECT_EQ(type["token_embd.weight"], TensorType::Q8_0);    // tied output, 576 % 256 != 0
  EXPECT_EQ(type["blk.5.attn_q.weight"], TensorType::Q5_0);  // Q4_K -> Q5_0
  EXPECT_EQ(type["blk.0.attn_v.weight"], TensorType::Q8_0);  // Q6_K (more bits) -> Q8_0
  EXPECT_EQ(type["blk.4.attn_v.weight"], TensorType::Q5_0);  // no extra bits in layer 4 of 30
  EXPECT_EQ(type["blk.0.ffn_down.weight"], TensorType::Q6_K);  // rows of 1536 keep the k-quants
  EXPECT_EQ(type["blk.4.ffn_down.weight"], TensorType::Q4_K);
  EXPECT_EQ(type["blk.0.attn_norm.weight"], TensorType::F32);
}

TEST(QuantMix, LayoutsMatchLlamaBenchModelSizes) {
  const auto path = test::fixtures_dir().parent_path() / "peer" / "llama-cpp-cpu.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  const auto peer = nlohmann::json::parse(in);
  const std::map<std::string, std::string> preset = {{"HuggingFaceTB/SmolLM2-135M", "smollm2-135m"},
                                                     {"Qwen/Qwen2.5-0.5B", "qwen2.5-0.5b"},
                                                     {"meta-llama/Llama-3.2-1B", "llama3.2-1b"}};
  int checked = 0;
  for (const auto& m : peer.at("models")) {
    const std::string shape_of = m.at("shape_of"), quant = m.at("quant");
    SCOPED_TRACE(shape_of + " " + quant);
    ASSERT_EQ(preset.count(shape_of), 1u);
    auto shape = tools::shape_preset(preset.at(shape_of));
    ASSERT_TRUE(shape.has_value());
    auto ft = tools::find_file_type(quant);
    ASSERT_TRUE(ft.has_value());
    auto layout = tools::synth_layout(*shape, *ft);
    ASSERT_TRUE(layout.ok()) << layout.message();
    uint64_t bytes = 0, params = 0;
    for (const auto& d : *layout) {
      bytes += decl_bytes(d);
      uint64_t n = 1;
      for (uint64_t x : d.ne) n *= x;
      params += n;
    }
    EXPECT_EQ(bytes, m.at("model_size_bytes_llama_bench").get<uint64_t>());
    EXPECT_EQ(params, m.at("n_params").get<uint64_t>());
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

}  // namespace
}  // namespace ledge
