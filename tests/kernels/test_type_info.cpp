// The kernel type table: geometry agrees with the GGUF table and the block
// structs, and the dispatch entries can be replaced and restored.
#include <gtest/gtest.h>

#include "gguf/tensor_type.h"
#include "kernel_test_util.h"
#include "kernels/blocks.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels {
namespace {

TEST(TypeInfo, GeometryMatchesGgufTableAndStructs) {
  const std::pair<TensorType, size_t> structs[] = {
      {TensorType::Q4_0, sizeof(BlockQ4_0)}, {TensorType::Q4_1, sizeof(BlockQ4_1)},
      {TensorType::Q5_0, sizeof(BlockQ5_0)}, {TensorType::Q5_1, sizeof(BlockQ5_1)},
      {TensorType::Q8_0, sizeof(BlockQ8_0)}, {TensorType::Q8_1, sizeof(BlockQ8_1)},
      {TensorType::Q2_K, sizeof(BlockQ2_K)}, {TensorType::Q3_K, sizeof(BlockQ3_K)},
      {TensorType::Q4_K, sizeof(BlockQ4_K)}, {TensorType::Q5_K, sizeof(BlockQ5_K)},
      {TensorType::Q6_K, sizeof(BlockQ6_K)}, {TensorType::Q8_K, sizeof(BlockQ8_K)},
      {TensorType::F32, sizeof(float)},      {TensorType::F16, 2},
      {TensorType::BF16, 2},
  };
  ASSERT_EQ(supported_types().size(), std::size(structs));
  for (const auto& [t, bytes] : structs) {
    const TypeInfo* info = type_info(t);
    ASSERT_NE(info, nullptr) << test::type_name(t);
    const auto g = gguf::tensor_type_traits(static_cast<uint32_t>(t));
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(info->block_bytes, g->block_bytes) << g->name;
    EXPECT_EQ(info->block_elems, g->block_elems) << g->name;
    EXPECT_EQ(info->name, g->name);
    EXPECT_EQ(bytes, g->block_bytes) << g->name;
    EXPECT_NE(info->kernels.dequantize, nullptr);
    EXPECT_NE(info->kernels.quantize, nullptr);
  }
  EXPECT_EQ(row_bytes(TensorType::Q4_K, 4096), 16u * 144u);
  EXPECT_EQ(row_bytes(TensorType::Q4_K, 100), 0u);
  EXPECT_EQ(row_bytes(TensorType::F16, 7), 14u);
  EXPECT_EQ(type_info(TensorType::IQ4_NL), nullptr);
  EXPECT_EQ(type_info(TensorType::MXFP4), nullptr);
}

float fake_dot(int64_t, const void*, const void*) { return 42.0f; }

TEST(TypeInfo, KernelsCanBeReplacedAndRestored) {
  const auto w = test::quantized(TensorType::Q4_0, test::gaussian(64, 1));
  const auto a = test::quantized(TensorType::Q8_0, test::gaussian(64, 2));
  const float before = vec_dot(TensorType::Q4_0, 64, w.data(), a.data());

  ASSERT_TRUE(install_kernels(TensorType::Q4_0, Kernels{nullptr, nullptr, fake_dot}));
  EXPECT_EQ(vec_dot(TensorType::Q4_0, 64, w.data(), a.data()), 42.0f);
  // Only the given pointer changed; the reference entry is untouched.
  EXPECT_EQ(type_info(TensorType::Q4_0)->kernels.dequantize, &scalar::dequantize_row_q4_0);
  EXPECT_EQ(reference_type_info(TensorType::Q4_0)->kernels.vec_dot, &scalar::vec_dot_q4_0_q8_0);
  EXPECT_FALSE(install_kernels(TensorType::IQ2_S, Kernels{nullptr, nullptr, fake_dot}));

  reset_kernels();
  EXPECT_EQ(vec_dot(TensorType::Q4_0, 64, w.data(), a.data()), before);
}

}  // namespace
}  // namespace ledge::kernels
