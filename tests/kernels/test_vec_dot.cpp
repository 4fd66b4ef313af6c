// vec_dot for every weight type: equal (to float rounding) to the dot product
// of the dequantized operands, and within the formats' error budget of the
// exact f32 dot product.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernel_test_util.h"
#include "kernels/fp16.h"

namespace ledge::kernels {
namespace {

struct Case {
  TensorType type;
  int64_t n;
  float w_mean;  // shifts the weights so offset/min terms matter
};

class VecDot : public ::testing::TestWithParam<Case> {};

// fp16 rounding of the Q8_1 "s" field (d * sum q) is the one place where
// vec_dot and the dequantized product legitimately differ by more than float
// rounding: budget half an fp16 ulp of |m_w * s_a| per block.
double q8_1_s_slack(TensorType wtype, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n) {
  if (wtype != TensorType::Q4_1 && wtype != TensorType::Q5_1) return 0.0;
  const size_t wb = type_info(wtype)->block_bytes;
  double slack = 0;
  for (int64_t b = 0; b < n / 32; ++b) {
    uint16_t m, s;
    std::memcpy(&m, w.data() + b * wb + 2, 2);
    std::memcpy(&s, a.data() + b * 36 + 2, 2);
    slack += std::fabs(static_cast<double>(fp16_to_fp32(m)) * fp16_to_fp32(s)) * std::ldexp(1.0, -11);
  }
  return slack;
}

TEST_P(VecDot, MatchesDequantizedAndExactDot) {
  const Case c = GetParam();
  const TypeInfo* wi = type_info(c.type);
  ASSERT_NE(wi, nullptr);
  ASSERT_NE(wi->kernels.vec_dot, nullptr);
  const TensorType at = wi->vec_dot_type;
  for (uint32_t seed : {1u, 2u, 3u}) {
    auto w = test::gaussian(static_cast<size_t>(c.n), 100 + seed);
    for (auto& v : w) v += c.w_mean;
    const auto x = test::gaussian(static_cast<size_t>(c.n), 200 + seed);
    const auto wq = test::quantized(c.type, w);
    const auto xq = test::quantized(at, x);
    const float got = vec_dot(c.type, c.n, wq.data(), xq.data());

    // 1) Same numbers as dequantize(w) . dequantize(x_q), up to float rounding.
    const auto wd = test::dequantized(c.type, wq, c.n);
    const auto xd = test::dequantized(at, xq, c.n);
    double ref = 0, abs_sum = 0;
    for (int64_t i = 0; i < c.n; ++i) {
      ref += static_cast<double>(wd[i]) * xd[i];
      abs_sum += std::fabs(static_cast<double>(wd[i]) * xd[i]);
    }
    const double tol = 3e-6 * abs_sum + q8_1_s_slack(c.type, wq, xq, c.n);
    EXPECT_NEAR(got, ref, tol) << "seed " << seed;

    // 2) Close to the exact dot: quantization errors of both operands are
    // independent of the data, so their effect is ~ e * |w| |x| / sqrt(n);
    // allow 6 standard deviations with the per-type budgets.
    double exact = 0, ww = 0, xx = 0;
    for (int64_t i = 0; i < c.n; ++i) {
      exact += static_cast<double>(w[i]) * x[i];
      ww += static_cast<double>(w[i]) * w[i];
      xx += static_cast<double>(x[i]) * x[i];
    }
    const double ew = test::relative_rmse_budget(c.type), ea = test::relative_rmse_budget(at);
    const double bound = 6 * std::sqrt(ew * ew + ea * ea) * std::sqrt(ww * xx / static_cast<double>(c.n)) + tol;
    EXPECT_NEAR(got, exact, bound) << "seed " << seed;
  }
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (TensorType t : supported_types()) {
    if (!type_info(t)->kernels.vec_dot) continue;
    for (int64_t n : {256, 768, 4096}) v.push_back({t, n, 0.0f});
    v.push_back({t, 1024, 2.5f});
  }
  return v;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return test::type_name(info.param.type) + "_n" + std::to_string(info.param.n) +
         (info.param.w_mean != 0.0f ? "_shifted" : "");
}

INSTANTIATE_TEST_SUITE_P(AllWeightTypes, VecDot, ::testing::ValuesIn(cases()), case_name);

TEST(VecDotTypes, ActivationFormatsFollowLlamaCpp) {
  const std::pair<TensorType, TensorType> expected[] = {
      {TensorType::F32, TensorType::F32},   {TensorType::F16, TensorType::F16},   {TensorType::BF16, TensorType::BF16},
      {TensorType::Q4_0, TensorType::Q8_0}, {TensorType::Q5_0, TensorType::Q8_0}, {TensorType::Q8_0, TensorType::Q8_0},
      {TensorType::Q4_1, TensorType::Q8_1}, {TensorType::Q5_1, TensorType::Q8_1}, {TensorType::Q2_K, TensorType::Q8_K},
      {TensorType::Q3_K, TensorType::Q8_K}, {TensorType::Q4_K, TensorType::Q8_K}, {TensorType::Q5_K, TensorType::Q8_K},
      {TensorType::Q6_K, TensorType::Q8_K},
  };
  for (const auto& [w, a] : expected) {
    ASSERT_NE(type_info(w), nullptr);
    EXPECT_EQ(type_info(w)->vec_dot_type, a) << test::type_name(w);
  }
  EXPECT_EQ(type_info(TensorType::Q8_1)->kernels.vec_dot, nullptr);
  EXPECT_EQ(type_info(TensorType::Q8_K)->kernels.vec_dot, nullptr);
}

// All-zero weights or activations give exactly 0 (no NaN from 0 * inf etc.).
TEST(VecDotTypes, ZeroOperands) {
  for (TensorType t : supported_types()) {
    const TypeInfo* wi = type_info(t);
    if (!wi->kernels.vec_dot) continue;
    const int64_t n = 512;
    const std::vector<float> zero(n, 0.0f);
    const auto x = test::gaussian(n, 3);
    const auto wz = test::quantized(t, zero), wx = test::quantized(t, x);
    const auto az = test::quantized(wi->vec_dot_type, zero), ax = test::quantized(wi->vec_dot_type, x);
    EXPECT_EQ(vec_dot(t, n, wz.data(), ax.data()), 0.0f) << test::type_name(t);
    EXPECT_EQ(vec_dot(t, n, wx.data(), az.data()), 0.0f) << test::type_name(t);
  }
}

}  // namespace
}  // namespace ledge::kernels
