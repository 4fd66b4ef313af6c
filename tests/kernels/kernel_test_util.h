// Shared helpers for the kernel tests: data generators, error metrics and the
// per-type error budget.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/type_traits.h"

namespace ledge::kernels::test {

inline std::vector<float> gaussian(size_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

inline double rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return v.empty() ? 0.0 : std::sqrt(s / static_cast<double>(v.size()));
}

inline double rmse(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    s += d * d;
  }
  return a.empty() ? 0.0 : std::sqrt(s / static_cast<double>(a.size()));
}

// quantize -> dequantize through the active table.
inline std::vector<float> round_trip(TensorType t, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(t, n));
  std::vector<float> y(x.size());
  EXPECT_TRUE(quantize_row(t, x.data(), q.data(), n).ok());
  EXPECT_TRUE(dequantize_row(t, q.data(), y.data(), n).ok());
  return y;
}

inline std::vector<uint8_t> quantized(TensorType t, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(row_bytes(t, n));
  EXPECT_TRUE(quantize_row(t, x.data(), q.data(), n).ok());
  return q;
}

inline std::vector<float> dequantized(TensorType t, const std::vector<uint8_t>& q, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  EXPECT_TRUE(dequantize_row(t, q.data(), y.data(), n).ok());
  return y;
}

// Error budget of each format: an upper bound on RMSE(x - dequant(quant(x)))
// / RMS(x) for N(0,1) rows with the reference quantizers. Set ~30% above what
// the reference quantizers measure (printed by RoundTrip.GaussianWithinBudget;
// e.g. Q4_0 0.0856, Q4_K 0.0711, Q6_K 0.0177, Q8_0 0.0053), so a layout or
// rounding bug (which typically costs a factor of 2 or more) fails.
inline double relative_rmse_budget(TensorType t) {
  switch (t) {
    case TensorType::F32: return 0.0;
    case TensorType::F16: return 2.7e-4;
    case TensorType::BF16: return 2.1e-3;
    case TensorType::Q8_0: return 0.0070;
    case TensorType::Q8_1: return 0.0070;
    case TensorType::Q8_K: return 0.0090;
    case TensorType::Q6_K: return 0.0230;
    case TensorType::Q5_0: return 0.0550;
    case TensorType::Q5_1: return 0.0490;
    case TensorType::Q5_K: return 0.0470;
    case TensorType::Q4_0: return 0.1100;
    case TensorType::Q4_1: return 0.1000;
    case TensorType::Q4_K: return 0.0920;
    case TensorType::Q3_K: return 0.1950;
    case TensorType::Q2_K: return 0.3800;
    default: return -1.0;
  }
}

inline std::string type_name(TensorType t) { return std::string(gguf::tensor_type_name(t)); }

}  // namespace ledge::kernels::test
