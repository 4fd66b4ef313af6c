// gemv / matmul: quantize the input once, then one vec_dot per row.
#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "kernels/gemv.h"

namespace ledge::kernels {
namespace {

std::vector<uint8_t> quantize_matrix(TensorType t, const std::vector<float>& w, int64_t rows, int64_t n) {
  std::vector<uint8_t> q(row_bytes(t, n) * rows);
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_TRUE(quantize_row(t, w.data() + r * n, q.data() + r * row_bytes(t, n), n).ok());
  }
  return q;
}

TEST(Gemv, EqualsRowWiseVecDotForEveryWeightType) {
  const int64_t rows = 12, n = 512;
  GemvScratch scratch;
  for (TensorType t : supported_types()) {
    const TypeInfo* info = type_info(t);
    if (!info->kernels.vec_dot) continue;
    SCOPED_TRACE(test::type_name(t));
    const auto w = test::gaussian(rows * n, 5);
    const auto wq = quantize_matrix(t, w, rows, n);
    const auto x = test::gaussian(n, 6);
    std::vector<float> y(rows, -1.0f);
    ASSERT_TRUE(gemv(t, wq.data(), rows, n, x.data(), y.data(), scratch).ok());
    const auto xq = test::quantized(info->vec_dot_type, x);
    for (int64_t r = 0; r < rows; ++r) {
      // Bit-identical: same kernels, same quantized input.
      EXPECT_EQ(y[r], vec_dot(t, n, wq.data() + r * row_bytes(t, n), xq.data())) << "row " << r;
      double exact = 0;
      for (int64_t i = 0; i < n; ++i) exact += static_cast<double>(w[r * n + i]) * x[i];
      const double e = test::relative_rmse_budget(t) + test::relative_rmse_budget(info->vec_dot_type);
      // + f32 rounding of the result (F32 weights are otherwise exact).
      EXPECT_NEAR(y[r], exact, 6 * e * std::sqrt(static_cast<double>(n)) + 1e-6 * std::fabs(exact)) << "row " << r;
    }
  }
}

TEST(Gemv, MatmulEqualsGemvPerToken) {
  const int64_t rows = 8, n = 256, tokens = 5;
  GemvScratch scratch;
  for (TensorType t : {TensorType::Q4_K, TensorType::Q8_0, TensorType::F16, TensorType::Q5_1}) {
    SCOPED_TRACE(test::type_name(t));
    const auto wq = quantize_matrix(t, test::gaussian(rows * n, 9), rows, n);
    const auto x = test::gaussian(tokens * n, 10);
    std::vector<float> y(tokens * rows);
    ASSERT_TRUE(matmul(t, wq.data(), rows, n, x.data(), tokens, y.data(), scratch).ok());
    for (int64_t k = 0; k < tokens; ++k) {
      std::vector<float> yk(rows);
      ASSERT_TRUE(gemv(t, wq.data(), rows, n, x.data() + k * n, yk.data(), scratch).ok());
      for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(y[k * rows + r], yk[r]);
    }
  }
}

TEST(Gemv, RejectsMisuse) {
  GemvScratch scratch;
  std::vector<uint8_t> w(4096);
  std::vector<float> x(512), y(8);
  Status s = gemv(TensorType::Q8_K, w.data(), 1, 256, x.data(), y.data(), scratch);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("activation format"), std::string::npos) << s.message();
  s = gemv(TensorType::Q4_0, w.data(), 1, 48, x.data(), y.data(), scratch);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("48"), std::string::npos) << s.message();
  s = gemv(TensorType::IQ3_S, w.data(), 1, 256, x.data(), y.data(), scratch);
  EXPECT_FALSE(s.ok());
  s = gemv(TensorType::F32, w.data(), -1, 16, x.data(), y.data(), scratch);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(gemv(TensorType::F32, w.data(), 0, 16, x.data(), y.data(), scratch).ok());
}

}  // namespace
}  // namespace ledge::kernels
