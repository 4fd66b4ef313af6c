// Bad input to ledge quantize fails with a message naming the problem and
// leaves no output file behind.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "gguf/gguf_writer.h"
#include "tools/quantize.h"
#include "tools_test_util.h"

namespace ledge {
namespace {

void expect_error(const Result<tools::QuantizeReport>& r, const std::string& part) {
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find(part), std::string::npos) << r.message();
}

// A minimal llama-like file with one 2-D F32 weight holding `value` once.
std::string write_model(const test::ScratchDir& dir, float value) {
  gguf::Writer w;
  EXPECT_TRUE(w.add_kv("general.architecture", gguf::make_value("llama")).ok());
  EXPECT_TRUE(w.add_kv("llama.block_count", gguf::make_value(uint32_t{1})).ok());
  EXPECT_TRUE(w.add_kv("llama.attention.head_count", gguf::make_value(uint32_t{2})).ok());
  std::vector<float> x(64 * 4, 0.25f);
  x[70] = value;
  std::vector<uint8_t> bytes(x.size() * sizeof(float));
  std::memcpy(bytes.data(), x.data(), bytes.size());
  const uint64_t ne[2] = {64, 4};
  EXPECT_TRUE(w.add_tensor("blk.0.attn_q.weight", gguf::TensorType::F32, ne, std::move(bytes)).ok());
  const std::string path = dir.file("model.gguf");
  EXPECT_TRUE(w.write(path).ok());
  return path;
}

TEST(QuantizeErrors, MissingInput) {
  test::ScratchDir dir("qerr-missing");
  expect_error(tools::quantize_file(dir.file("nope.gguf"), dir.file("out.gguf"), *tools::find_file_type("Q8_0"), 1),
               "nope.gguf");
}

TEST(QuantizeErrors, QuantizedSourceIsRefused) {
  test::ScratchDir dir("qerr-requant");
  expect_error(tools::quantize_file(test::fixture("models/synth-llama-spm512-Q4_0.gguf").string(),
                                    dir.file("out.gguf"), *tools::find_file_type("Q8_0"), 1),
               "tensor 'output.weight' is Q6_K; only F32, F16 and BF16 tensors can be quantized");
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.gguf")));
}

TEST(QuantizeErrors, NonFiniteWeightsAreRefused) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    test::ScratchDir dir("qerr-nan");
    const std::string in = write_model(dir, bad);
    for (const char* type : {"Q4_0", "F16"}) {
      auto r = tools::quantize_file(in, dir.file("out.gguf"), *tools::find_file_type(type), 2);
      expect_error(r, "tensor 'blk.0.attn_q.weight': non-finite value");
      expect_error(r, "row 1, column 6");
      EXPECT_FALSE(std::filesystem::exists(dir.file("out.gguf")));
    }
  }
}

TEST(QuantizeErrors, FiniteVersionOfTheSameModelWorks) {
  test::ScratchDir dir("qerr-ok");
  const std::string in = write_model(dir, 1.5f);
  auto r = tools::quantize_file(in, dir.file("out.gguf"), *tools::find_file_type("Q4_0"), 2);
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r->tensors.size(), 1u);
  EXPECT_EQ(r->tensors[0].to, gguf::TensorType::Q4_0);
}

TEST(QuantizeErrors, MetadataWithoutArchitecture) {
  test::ScratchDir dir("qerr-meta");
  gguf::Writer w;
  ASSERT_TRUE(w.add_kv("general.name", gguf::make_value("x")).ok());
  ASSERT_TRUE(w.write(dir.file("in.gguf")).ok());
  expect_error(tools::quantize_file(dir.file("in.gguf"), dir.file("out.gguf"), *tools::find_file_type("Q8_0"), 1),
               "general.architecture");
}

TEST(QuantizeErrors, SameInputAndOutput) {
  test::ScratchDir dir("qerr-same");
  const std::string in = write_model(dir, 1.0f);
  expect_error(tools::quantize_file(in, in, *tools::find_file_type("Q8_0"), 1), "same file");
}

}  // namespace
}  // namespace ledge
