// quantize -> dequantize round trips for every type: error budget on random
// data and behaviour on adversarial blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "kernel_test_util.h"
#include "kernels/fp16.h"

namespace ledge::kernels {
namespace {

using test::rms;
using test::rmse;
using test::round_trip;

class RoundTrip : public ::testing::TestWithParam<TensorType> {};

std::string param_name(const ::testing::TestParamInfo<TensorType>& info) { return test::type_name(info.param); }

TEST_P(RoundTrip, GaussianWithinBudget) {
  const TensorType t = GetParam();
  const double budget = test::relative_rmse_budget(t);
  ASSERT_GE(budget, 0.0);
  const auto x = test::gaussian(256 * 64, 7);
  const auto y = round_trip(t, x);
  const double rel = rmse(x, y) / rms(x);
  std::printf("  %-5s relative RMSE on N(0,1): %.6f (budget %.6f)\n", test::type_name(t).c_str(), rel, budget);
  EXPECT_LE(rel, budget);
  if (t != TensorType::F32) {
    EXPECT_GT(rel, 0.0) << "a lossy format cannot be exact on random data";
  }
  // Scale invariance: the relative error does not depend on the magnitude
  // (scales are floating point) while the fp16 scales stay normal numbers.
  for (float sigma : {0.25f, 30.0f}) {
    const auto xs = test::gaussian(256 * 16, 8, sigma);
    EXPECT_LE(rmse(xs, round_trip(t, xs)) / rms(xs), budget * 1.1) << "sigma " << sigma;
  }
}

TEST_P(RoundTrip, AllZeroBlocksStayZero) {
  const TensorType t = GetParam();
  const std::vector<float> x(512, 0.0f);
  for (float v : round_trip(t, x)) ASSERT_EQ(v, 0.0f);
}

TEST_P(RoundTrip, ConstantRows) {
  const TensorType t = GetParam();
  for (float c : {1.0f, -3.5f, 0.0123f, 1000.0f}) {
    const std::vector<float> x(512, c);
    const auto y = round_trip(t, x);
    // A constant is the easiest possible block; the fp16 scale/min rounding
    // is the only expected error.
    EXPECT_LE(rmse(x, y), std::fabs(c) * std::max(4e-3, test::relative_rmse_budget(t) / 4)) << "c = " << c;
  }
}

TEST_P(RoundTrip, OneHugeValue) {
  const TensorType t = GetParam();
  auto x = test::gaussian(512, 11, 0.01f);
  x[37] = 5000.0f;
  x[300] = -4000.0f;
  const auto y = round_trip(t, x);
  for (float v : y) ASSERT_TRUE(std::isfinite(v));
  // The outliers dominate their blocks' scales; they themselves must survive
  // within the format's relative precision.
  EXPECT_NEAR(y[37], 5000.0f, 5000.0f * 2 * test::relative_rmse_budget(t) + 1e-3f);
  EXPECT_NEAR(y[300], -4000.0f, 4000.0f * 2 * test::relative_rmse_budget(t) + 1e-3f);
  // Overall error stays within budget relative to the row's RMS.
  EXPECT_LE(rmse(x, y), rms(x) * test::relative_rmse_budget(t) * 1.5);
}

TEST_P(RoundTrip, LargestMagnitudes) {
  const TensorType t = GetParam();
  // Values whose block scales are close to the largest finite fp16 scale
  // (65504): the reference quantizers must not overflow to inf. The Q8_K
  // scale is f32, and F16 itself tops out at 65504.
  double peak = 65504.0 * 4;  // block formats: |x| ~ 2^2 .. 2^7 times their scale
  // F16 itself, and Q4_1/Q5_1 which store the block minimum as fp16.
  if (t == TensorType::F16 || t == TensorType::Q4_1 || t == TensorType::Q5_1) peak = 60000.0;
  if (t == TensorType::BF16 || t == TensorType::F32 || t == TensorType::Q8_K) peak = 1e30;
  auto x = test::gaussian(512, 12);
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  for (auto& v : x) v = static_cast<float>(v / m * peak);
  const auto y = round_trip(t, x);
  for (float v : y) ASSERT_TRUE(std::isfinite(v));
  EXPECT_LE(rmse(x, y), rms(x) * test::relative_rmse_budget(t) * 1.5);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTrip, ::testing::ValuesIn(supported_types()), param_name);

// Subnormal fp16 scales must decode exactly: a block whose d (and dmin) is the
// subnormal 2^-24 must dequantize to exactly 2^-24 times the same block with
// d = dmin = 1.0. Exercised on a real block of each type.
TEST(SubnormalScales, DecodeExactly) {
  for (TensorType t : supported_types()) {
    if (t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16 || t == TensorType::Q8_K) continue;
    SCOPED_TRACE(test::type_name(t));
    const TypeInfo* info = type_info(t);
    const int64_t n = info->block_elems;
    auto q = test::quantized(t, test::gaussian(static_cast<size_t>(n), 21));
    // Offsets of the fp16 scale fields per layout (blocks.h).
    std::vector<size_t> fields;
    switch (t) {
      case TensorType::Q4_0: case TensorType::Q5_0: case TensorType::Q8_0: fields = {0}; break;
      case TensorType::Q4_1: case TensorType::Q5_1: fields = {0, 2}; break;  // d, m
      case TensorType::Q8_1: fields = {0}; break;  // s is only used by vec_dot
      case TensorType::Q2_K: fields = {80, 82}; break;
      case TensorType::Q3_K: fields = {108}; break;
      case TensorType::Q4_K: case TensorType::Q5_K: fields = {0, 2}; break;
      case TensorType::Q6_K: fields = {208}; break;
      default: FAIL();
    }
    auto set_fields = [&](uint16_t bits) {
      for (size_t off : fields) std::memcpy(q.data() + off, &bits, 2);
      return test::dequantized(t, q, n);
    };
    const auto unit = set_fields(0x3c00);   // 1.0
    const auto tiny = set_fields(0x0001);   // 2^-24, subnormal
    const auto tiny3 = set_fields(0x0003);  // 3 * 2^-24, subnormal
    bool any_nonzero = false;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(tiny[i], std::ldexp(unit[i], -24)) << i;
      ASSERT_EQ(tiny3[i], 3 * std::ldexp(unit[i], -24)) << i;
      any_nonzero |= unit[i] != 0.0f;
    }
    EXPECT_TRUE(any_nonzero);
  }
}

// Q8_0's reference quantizer on tiny inputs: the scale rounds into the fp16
// subnormal range and the block must still reconstruct to within half a
// (subnormal) scale step per element.
TEST(SubnormalScales, TinyInputsQuantizeSensibly) {
  auto x = test::gaussian(64, 5, 1e-4f);
  const auto q = test::quantized(TensorType::Q8_0, x);
  const auto y = test::dequantized(TensorType::Q8_0, q, 64);
  for (int b = 0; b < 2; ++b) {
    uint16_t d;
    std::memcpy(&d, q.data() + 34 * b, 2);
    EXPECT_LT(d, 0x0400) << "scale is subnormal";
    EXPECT_GT(d, 0);
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * b + j]));
    for (int j = 0; j < 32; ++j) {
      // quants are round(x * 127/amax); the stored fp16 d differs from
      // amax/127 by up to half a subnormal step (2^-25).
      const float err = std::fabs(y[32 * b + j] - x[32 * b + j]);
      EXPECT_LE(err, 0.5f * amax / 127 + 127 * std::ldexp(1.0f, -25)) << j;
    }
  }
}

TEST(RowApi, RejectsBadArguments) {
  std::vector<float> x(40, 1.0f);
  std::vector<uint8_t> q(1024);
  const Status s = quantize_row(TensorType::Q4_0, x.data(), q.data(), 40);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Q4_0"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("40"), std::string::npos) << s.message();
  const Status u = dequantize_row(TensorType::IQ2_XXS, q.data(), x.data(), 256);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.message().find("IQ2_XXS"), std::string::npos) << u.message();
  EXPECT_FALSE(check_row(TensorType::Q4_K, 128).ok());
  EXPECT_FALSE(check_row(TensorType::F32, -1).ok());
  EXPECT_TRUE(check_row(TensorType::F32, 7).ok());
  EXPECT_TRUE(check_row(TensorType::Q4_K, 512).ok());
}

}  // namespace
}  // namespace ledge::kernels
