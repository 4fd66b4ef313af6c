// The activation quantizers the dispatcher installs (Q8_0, Q8_1, Q8_K) must
// be bit-exact with the scalar quantizer they replace, whichever rounding
// variant start-up code selected, at every ISA level this CPU runs. Inputs
// target the rounding rules: exact ties, neighbours of ties, 0.49999997,
// repeated +-max, zeros, subnormals, huge and tiny block ranges.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/scalar_kernels.h"
#include "kernels/type_traits.h"

namespace ledge::kernels {
namespace {

struct QuantizerCase {
  TensorType type;
  QuantizeRowFn scalar;
  const char* name;
};

const QuantizerCase kCases[] = {
    {TensorType::Q8_0, scalar::quantize_row_q8_0, "q8_0_ref"},
    {TensorType::Q8_0, scalar::quantize_row_q8_0_x86, "q8_0_x86"},
    {TensorType::Q8_1, scalar::quantize_row_q8_1, "q8_1_ref"},
    {TensorType::Q8_1, scalar::quantize_row_q8_1_x86, "q8_1_x86"},
    {TensorType::Q8_K, scalar::quantize_row_q8_k, "q8_k_ref"},
};

// Rows of 4 super-blocks (1024 floats) that stress the rounding rules.
std::vector<std::vector<float>> adversarial_rows() {
  const int n = 4 * kQK_K;
  std::vector<std::vector<float>> rows;
  std::mt19937 rng(7);
  rows.push_back(test::gaussian(n, 1));
  rows.push_back(test::gaussian(n, 2, 1e-3f));
  rows.push_back(test::gaussian(n, 3, 3e4f));
  // Block max 127 => d = 1, multiplier 1: quants are the rounding rule itself.
  {
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = (i % 32 == 0) ? 127.0f : static_cast<float>(int(rng() % 255) - 127) + 0.5f;
    rows.push_back(x);
  }
  // Neighbours of ties and 0.49999997f.
  {
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) {
      const float tie = static_cast<float>(int(rng() % 200) - 100) + 0.5f;
      const int k = static_cast<int>(rng() % 3);
      x[i] = k == 0 ? tie : (k == 1 ? std::nextafter(tie, 1e9f) : std::nextafter(tie, -1e9f));
      if (i % 32 == 0) x[i] = 127.0f;
      if (i % 64 == 5) x[i] = 0.49999997f;
    }
    rows.push_back(x);
  }
  // Max magnitude repeated with both signs (Q8_K takes the first one), zero
  // blocks, subnormal-only blocks, a single non-zero.
  {
    std::vector<float> x(n, 0.0f);
    for (int i = 0; i < kQK_K; ++i) x[i] = (i % 7 == 3) ? -2.5f : (i % 7 == 5 ? 2.5f : 0.1f * (i % 5));
    for (int i = kQK_K; i < 2 * kQK_K; ++i) x[i] = std::numeric_limits<float>::denorm_min() * float(i % 13 - 6);
    x[3 * kQK_K + 77] = -3.0f;
    rows.push_back(x);
  }
  // Random magnitudes over many octaves in every block.
  {
    std::vector<float> x(n);
    for (auto& v : x) v = std::ldexp(static_cast<float>(rng() % 2000) / 1000.0f - 1.0f, int(rng() % 60) - 30);
    rows.push_back(x);
  }
  return rows;
}

class SimdQuantize : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    if (!isa_level_supported(GetParam()))
      GTEST_SKIP() << "CPU lacks " << isa_level_requirements(GetParam());
  }
  void TearDown() override { reset_kernels(); }
};

TEST_P(SimdQuantize, BitExactWithTheScalarVariantItReplaces) {
  const auto rows = adversarial_rows();
  for (const QuantizerCase& c : kCases) {
    reset_kernels();
    ASSERT_TRUE(install_kernels(c.type, {nullptr, c.scalar, nullptr}));
    ASSERT_TRUE(set_isa_level(GetParam()).ok());
    const QuantizeRowFn active = type_info(c.type)->kernels.quantize;
    if (GetParam() == IsaLevel::kScalar)
      EXPECT_EQ(active, c.scalar) << c.name;
    else
      EXPECT_NE(active, c.scalar) << c.name << ": no SIMD variant installed";
    for (size_t r = 0; r < rows.size(); ++r) {
      const auto n = static_cast<int64_t>(rows[r].size());
      std::vector<uint8_t> want(row_bytes(c.type, n), 0xa5), got(row_bytes(c.type, n), 0x5a);
      c.scalar(rows[r].data(), want.data(), n);
      active(rows[r].data(), got.data(), n);
      const size_t bb = type_info(c.type)->block_bytes;
      for (size_t b = 0; b < want.size() / bb; ++b)
        ASSERT_EQ(0, std::memcmp(want.data() + b * bb, got.data() + b * bb, bb))
            << c.name << " row " << r << " block " << b;
    }
  }
}

// Switching levels back and forth keeps the selected rounding variant.
TEST_P(SimdQuantize, LevelChangesKeepTheSelectedVariant) {
  reset_kernels();
  ASSERT_TRUE(install_kernels(TensorType::Q8_0, {nullptr, scalar::quantize_row_q8_0_x86, nullptr}));
  ASSERT_TRUE(set_isa_level(GetParam()).ok());
  ASSERT_TRUE(set_isa_level(IsaLevel::kScalar).ok());
  EXPECT_EQ(type_info(TensorType::Q8_0)->kernels.quantize, scalar::quantize_row_q8_0_x86);
  EXPECT_EQ(type_info(TensorType::Q8_1)->kernels.quantize, scalar::quantize_row_q8_1);
}

// A quantizer the dispatcher has no bit-exact twin for is left alone.
void custom_q8_0(const float* src, void* dst, int64_t n) { scalar::quantize_row_q8_0(src, dst, n); }

TEST_P(SimdQuantize, UnknownScalarVariantIsNotReplaced) {
  reset_kernels();
  ASSERT_TRUE(install_kernels(TensorType::Q8_0, {nullptr, custom_q8_0, nullptr}));
  ASSERT_TRUE(set_isa_level(GetParam()).ok());
  EXPECT_EQ(type_info(TensorType::Q8_0)->kernels.quantize, custom_q8_0);
}

INSTANTIATE_TEST_SUITE_P(AllIsaLevels, SimdQuantize, ::testing::ValuesIn(kAllIsaLevels),
                         [](const auto& info) { return std::string(isa_level_name(info.param)); });

}  // namespace
}  // namespace ledge::kernels
