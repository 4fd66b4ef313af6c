// ledge quantize reproduces llama-quantize: quantizing the F32 fixture model
// gives, for every mix among the fixtures, the very file llama-quantize wrote
// (same metadata order, tensor order, per-tensor types and bytes).
#include <gtest/gtest.h>

#include <string>

#include "gguf/gguf.h"
#include "tools/quantize.h"
#include "tools_test_util.h"

namespace ledge {
namespace {

class QuantizeFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(QuantizeFixture, MatchesLlamaQuantizeByteForByte) {
  const std::string type = GetParam();
  test::ScratchDir dir("quantize-" + type);
  const std::string out = dir.file("out.gguf");
  auto ft = tools::find_file_type(type);
  ASSERT_TRUE(ft.has_value());
  auto r = tools::quantize_file(test::fixture("models/synth-llama-spm512-F32.gguf").string(), out, *ft, 2);
  ASSERT_TRUE(r.ok()) << r.message();

  auto want = gguf::File::open(test::fixture("models/synth-llama-spm512-" + type + ".gguf").string());
  auto got = gguf::File::open(out);
  ASSERT_TRUE(want.ok()) << want.message();
  ASSERT_TRUE(got.ok()) << got.message();
  ASSERT_EQ(got->tensors().size(), want->tensors().size());
  for (size_t i = 0; i < want->tensors().size(); ++i) {
    const auto& w = want->tensors()[i];
    const auto& g = got->tensors()[i];
    SCOPED_TRACE("tensor #" + std::to_string(i) + " " + w.name);
    EXPECT_EQ(g.name, w.name);
    EXPECT_EQ(gguf::tensor_type_name(g.type), gguf::tensor_type_name(w.type));
    auto gb = got->tensor_data(g), wb = want->tensor_data(w);
    ASSERT_EQ(gb.size(), wb.size());
    EXPECT_TRUE(std::equal(gb.begin(), gb.end(), wb.begin())) << "tensor bytes differ";
  }
  ASSERT_EQ(got->metadata().size(), want->metadata().size());
  for (size_t i = 0; i < want->metadata().size(); ++i) {
    EXPECT_EQ(got->metadata()[i].key, want->metadata()[i].key);
    EXPECT_TRUE(gguf::same_value(got->metadata()[i].value, want->metadata()[i].value)) << want->metadata()[i].key;
  }
  // Everything above agreeing, the whole files must too (header, padding).
  EXPECT_EQ(test::read_file(out), test::read_file(test::fixture("models/synth-llama-spm512-" + type + ".gguf")));
}

INSTANTIATE_TEST_SUITE_P(AllFixtureMixes, QuantizeFixture,
                         ::testing::Values("F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M",
                                           "Q4_K_M", "Q5_K_M", "Q6_K"));

}  // namespace
}  // namespace ledge
