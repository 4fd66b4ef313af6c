// Every vec_dot the dispatcher installs, at every ISA level this CPU runs
// (scalar, avx2, avx512 in one test run), against the scalar reference:
//  * unit scales: all partial sums are integers below 2^24, so any summation
//    order is exact and the results must be equal -- this pins down the
//    per-block integer sums (quant unpacking, signs, -128 weights, scales);
//  * random / largest / subnormal fp16 scales and realistic quantized rows:
//    equal up to float reordering, bounded by the summed term magnitudes.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <string>

#include "kernel_test_util.h"
#include "kernels/dispatch.h"
#include "kernels/type_traits.h"
#include "simd_test_data.h"

namespace ledge::kernels {
namespace {

using test::Scales;

class SimdVecDot : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    if (!isa_level_supported(GetParam()))
      GTEST_SKIP() << "CPU lacks " << isa_level_requirements(GetParam()) << " (has " << cpu_features_string() << ")";
    reset_kernels();
    ASSERT_TRUE(set_isa_level(GetParam()).ok());
  }
  void TearDown() override { reset_kernels(); }
  static std::string cpu_features_string();
};

std::string SimdVecDot::cpu_features_string() {
  std::string s;
  for (IsaLevel l : kAllIsaLevels)
    if (isa_level_supported(l)) s += std::string(isa_level_name(l)) + " ";
  return s;
}

std::vector<TensorType> weight_types() {
  std::vector<TensorType> v;
  for (TensorType t : supported_types())
    if (reference_type_info(t)->kernels.vec_dot) v.push_back(t);
  return v;
}

// Largest activation quant for which the unit-scale sums stay below 2^24.
int exact_amax(TensorType t) {
  switch (t) {
    case TensorType::Q4_K: return 48;
    case TensorType::Q5_K: return 24;
    case TensorType::Q6_K: return 15;
    case TensorType::F32:
    case TensorType::F16:
    case TensorType::BF16: return 64;
    default: return 127;
  }
}

int64_t exact_n(const TypeInfo& ti) {
  if (ti.block_elems == 1) return 259;          // exercises every tail path
  if (ti.block_elems == kQK) return kQK * 9;    // odd block count
  return kQK_K;
}

TEST_P(SimdVecDot, EveryWeightTypeHasASimdKernelAboveScalar) {
  if (GetParam() == IsaLevel::kScalar) {
    for (TensorType t : weight_types()) EXPECT_EQ(type_info(t)->kernels.vec_dot, reference_type_info(t)->kernels.vec_dot);
    return;
  }
  for (TensorType t : weight_types())
    EXPECT_NE(type_info(t)->kernels.vec_dot, reference_type_info(t)->kernels.vec_dot) << test::type_name(t);
}

TEST_P(SimdVecDot, IntegerSumsAreExact) {
  for (TensorType t : weight_types()) {
    const TypeInfo& ti = *type_info(t);
    const int64_t n = exact_n(ti);
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      const auto w = test::weight_row(t, n, Scales::kUnit, seed);
      const auto a = test::activation_row(ti.vec_dot_type, n, Scales::kUnit, exact_amax(t), seed + 1000);
      const double m = test::magnitude(t, w, a, n);
      ASSERT_LT(m, 16777216.0) << test::type_name(t) << ": test data too large to be exact";
      const float ref = reference_type_info(t)->kernels.vec_dot(n, w.data(), a.data());
      const float got = ti.kernels.vec_dot(n, w.data(), a.data());
      ASSERT_EQ(got, ref) << test::type_name(t) << " seed " << seed;
    }
  }
}

TEST_P(SimdVecDot, ExtremeScalesWithinReorderingBound) {
  int checked = 0;
  for (TensorType t : weight_types()) {
    const TypeInfo& ti = *type_info(t);
    const int64_t blk = ti.block_elems == 1 ? 16 : ti.block_elems;
    for (Scales s : {Scales::kRandom, Scales::kMax, Scales::kSubnormal}) {
      for (int64_t nb : {int64_t{1}, int64_t{3}, int64_t{16}, int64_t{33}}) {
        const int64_t n = blk * nb;
        for (uint32_t seed = 1; seed <= 4; ++seed) {
          const auto w = test::weight_row(t, n, s, seed);
          const auto a = test::activation_row(ti.vec_dot_type, n, s, 127, seed + 77);
          const double m = test::magnitude(t, w, a, n);
          const double ref = reference_type_info(t)->kernels.vec_dot(n, w.data(), a.data());
          // Largest scales times large sums can overflow f32 in any order
          // (e.g. Q8_1's s field); such rows say nothing about the kernel.
          if (!std::isfinite(ref) || m > 1e37) continue;
          ++checked;
          const double got = ti.kernels.vec_dot(n, w.data(), a.data());
          const double bound = double(n / ti.block_elems + 16) * 2 * FLT_EPSILON * m + 1e-37;
          ASSERT_LE(std::fabs(got - ref), bound) << test::type_name(t) << " n=" << n << " seed " << seed
                                                 << " scales " << int(s) << " ref " << ref << " got " << got;
        }
      }
    }
  }
  EXPECT_GT(checked, 13 * 3 * 4 * 4 * 3 / 4);  // most rows are finite
}

TEST_P(SimdVecDot, ZeroBlocksGiveZero) {
  for (TensorType t : weight_types()) {
    const TypeInfo& ti = *type_info(t);
    const int64_t n = ti.block_elems == 1 ? 64 : 4 * ti.block_elems;
    const std::vector<uint8_t> w(row_bytes(t, n), 0);
    const auto a = test::activation_row(ti.vec_dot_type, n, Scales::kRandom, 127, 5);
    EXPECT_EQ(ti.kernels.vec_dot(n, w.data(), a.data()), 0.0f) << test::type_name(t);
  }
}

// Realistic rows (reference-quantized normals, 4096 wide) agree to 1e-6 of
// the summed |w*a|, the numerics budget of the SIMD kernels.
TEST_P(SimdVecDot, QuantizedGaussianRowsWithinOnePpm) {
  const int64_t n = 4096;
  for (TensorType t : weight_types()) {
    const TypeInfo& ti = *type_info(t);
    const TypeInfo& ri = *reference_type_info(t);
    const auto wf = test::gaussian(n, 11, 0.05f);
    const auto af = test::gaussian(n, 12, 2.0f);
    std::vector<uint8_t> w(row_bytes(t, n)), a(row_bytes(ti.vec_dot_type, n));
    ri.kernels.quantize(wf.data(), w.data(), n);
    reference_type_info(ti.vec_dot_type)->kernels.quantize(af.data(), a.data(), n);
    const double m = test::magnitude(t, w, a, n);
    const double ref = ri.kernels.vec_dot(n, w.data(), a.data());
    const double got = ti.kernels.vec_dot(n, w.data(), a.data());
    EXPECT_LE(std::fabs(got - ref), 1e-6 * m) << test::type_name(t) << " ref " << ref << " got " << got;
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsaLevels, SimdVecDot, ::testing::ValuesIn(kAllIsaLevels),
                         [](const auto& info) { return std::string(isa_level_name(info.param)); });

}  // namespace
}  // namespace ledge::kernels
