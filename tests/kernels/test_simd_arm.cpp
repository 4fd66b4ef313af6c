// ARM levels (neon, neon_dotprod): support follows the CPU's HWCAP bits, and
// every dot product a level installs is bit-identical to the scalar
// reference it replaces -- not just close: the ARM kernels keep the
// reference's float order (arm_kernels.h), so on ARM results never depend
// on the level. (The peer-order twins and the activation quantizers are
// checked bit for bit at every level by test_simd_peer / test_simd_quantize.)
// On x86 builds the parametrised tests skip and only the support checks run.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/peer_order.h"
#include "kernels/type_traits.h"
#include "simd_test_data.h"

namespace ledge::kernels {
namespace {

using test::Scales;

TEST(ArmDispatch, SupportFollowsHwcap) {
  const CpuFeatures& f = cpu_features();
#if defined(__aarch64__)
  EXPECT_TRUE(f.asimd) << "AArch64 Linux always reports Advanced SIMD";
  EXPECT_EQ(isa_level_supported(IsaLevel::kNeon), f.asimd);
  EXPECT_EQ(isa_level_supported(IsaLevel::kNeonDotprod), f.asimd && f.asimddp);
  EXPECT_FALSE(isa_level_supported(IsaLevel::kAvx2));
  EXPECT_FALSE(isa_level_supported(IsaLevel::kAvx512));
  EXPECT_NE(f.to_string().find("asimd"), std::string::npos) << f.to_string();
  EXPECT_NE(best_isa_level(), IsaLevel::kScalar);
#else
  EXPECT_FALSE(f.asimd);
  EXPECT_FALSE(f.asimddp);
  EXPECT_FALSE(isa_level_supported(IsaLevel::kNeon));
  EXPECT_FALSE(isa_level_supported(IsaLevel::kNeonDotprod));
  const Status s = set_isa_level(IsaLevel::kNeon);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("asimd"), std::string::npos) << s.message();
#endif
}

// $LEDGE_ISA naming a level of the other family (or one this CPU lacks) is
// ignored rather than obeyed.
TEST(ArmDispatch, EnvironmentIgnoresUnsupportedLevels) {
  const IsaLevel best = best_isa_level();
  for (IsaLevel l : kAllIsaLevels) {
    ASSERT_EQ(setenv(kIsaEnvVar, std::string(isa_level_name(l)).c_str(), 1), 0);
    const IsaLevel got = isa_level_from_env();
    EXPECT_TRUE(isa_level_supported(got)) << isa_level_name(l);
    if (isa_level_supported(l) && static_cast<int>(l) <= static_cast<int>(best))
      EXPECT_EQ(got, l);
    else
      EXPECT_EQ(got, best) << isa_level_name(l);
  }
  ASSERT_EQ(unsetenv(kIsaEnvVar), 0);
}

class ArmLevel : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    if (!isa_level_supported(GetParam()))
      GTEST_SKIP() << "not an ARM CPU with " << isa_level_requirements(GetParam());
    reset_kernels();
    ASSERT_TRUE(set_isa_level(GetParam()).ok());
  }
  void TearDown() override { reset_kernels(); }
};

std::vector<TensorType> weight_types() {
  std::vector<TensorType> v;
  for (TensorType t : supported_types())
    if (reference_type_info(t)->kernels.vec_dot) v.push_back(t);
  return v;
}

void expect_same_bits(float want, float got, const std::string& what) {
  ASSERT_EQ(0, std::memcmp(&want, &got, sizeof(float))) << what << ": want " << want << " got " << got;
}

TEST_P(ArmLevel, EveryVecDotIsBitIdenticalToTheReference) {
  int checked = 0;
  for (TensorType t : weight_types()) {
    const TypeInfo& ti = *type_info(t);
    const VecDotFn ref = reference_type_info(t)->kernels.vec_dot;
    ASSERT_NE(ti.kernels.vec_dot, ref) << test::type_name(t) << ": no NEON kernel installed";
    const int64_t blk = ti.block_elems == 1 ? 17 : ti.block_elems;  // odd float lengths hit the tails
    for (Scales s : {Scales::kUnit, Scales::kRandom, Scales::kMax, Scales::kSubnormal}) {
      for (int64_t nb : {int64_t{1}, int64_t{3}, int64_t{8}, int64_t{33}}) {
        const int64_t n = blk * nb;
        // 128 also gives -128 activations, which no quantizer makes: the
        // integer parts must stay exact for every int8 all the same.
        for (int amax : {127, 128}) {
          for (uint32_t seed = 1; seed <= 3; ++seed) {
            const auto w = test::weight_row(t, n, s, seed);
            const auto a = test::activation_row(ti.vec_dot_type, n, s, amax, seed + 500);
            expect_same_bits(ref(n, w.data(), a.data()), ti.kernels.vec_dot(n, w.data(), a.data()),
                             test::type_name(t) + " n=" + std::to_string(n) + " scales " + std::to_string(int(s)) +
                                 " amax " + std::to_string(amax) + " seed " + std::to_string(seed));
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 13 * 4 * 4 * 2 * 3);
}

// Realistic rows: reference-quantized normals, 4096 wide.
TEST_P(ArmLevel, QuantizedGaussianRowsAreBitIdentical) {
  const int64_t n = 4096;
  for (TensorType t : weight_types()) {
    const TypeInfo& ti = *type_info(t);
    const TypeInfo& ri = *reference_type_info(t);
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      const auto wf = test::gaussian(n, 10 + seed, 0.05f);
      const auto af = test::gaussian(n, 20 + seed, 2.0f);
      std::vector<uint8_t> w(row_bytes(t, n)), a(row_bytes(ti.vec_dot_type, n));
      ri.kernels.quantize(wf.data(), w.data(), n);
      reference_type_info(ti.vec_dot_type)->kernels.quantize(af.data(), a.data(), n);
      expect_same_bits(ri.kernels.vec_dot(n, w.data(), a.data()), ti.kernels.vec_dot(n, w.data(), a.data()),
                       test::type_name(t) + " seed " + std::to_string(seed));
    }
  }
}

// neon_dotprod replaces the 32-block dots and keeps neon's other kernels.
TEST_P(ArmLevel, DotprodLevelIsNeonWithTheBlockDotsReplaced) {
  if (GetParam() != IsaLevel::kNeonDotprod) GTEST_SKIP() << "checked from the neon_dotprod level";
  std::vector<VecDotFn> dotprod;
  for (TensorType t : weight_types()) dotprod.push_back(type_info(t)->kernels.vec_dot);
  ASSERT_TRUE(set_isa_level(IsaLevel::kNeon).ok());
  size_t i = 0;
  for (TensorType t : weight_types()) {
    const bool block32 = type_info(t)->block_elems == kQK;
    if (block32)
      EXPECT_NE(dotprod[i], type_info(t)->kernels.vec_dot) << test::type_name(t);
    else
      EXPECT_EQ(dotprod[i], type_info(t)->kernels.vec_dot) << test::type_name(t);
    ++i;
  }
}

// The k-quant peer orders (peer_order.h) the engine installs: twins
// installed over them, bit-identical, and their gemm slot (Q4_K / Q2_K: GEMM
// order below n_cols - n_cols % 4, GEMV order above; the others one vec_dot
// per output) output for output.
struct PeerK {
  TensorType type;
  VecDotFn dot;
  GemmFn gemm;  // the peer's gemm slot for the type
};

const PeerK kPeerK[] = {
    {TensorType::Q3_K, peer::vec_dot_q3_k_q8_k, peer::gemm_q3_k_q8_k},
    {TensorType::Q5_K, peer::vec_dot_q5_k_q8_k, peer::gemm_q5_k_q8_k},
    {TensorType::Q6_K, peer::vec_dot_q6_k_q8_k, peer::gemm_q6_k_q8_k},
    {TensorType::Q4_K, peer::vec_dot_q4_k_q8_k, peer::gemm_q4_k_q8_k},
    {TensorType::Q2_K, peer::vec_dot_q2_k_q8_k, peer::gemm_q2_k_q8_k},
};

TEST_P(ArmLevel, KQuantPeerTwinsAreBitIdentical) {
  for (const PeerK& c : kPeerK) {
    reset_kernels();
    ASSERT_TRUE(install_kernels(c.type, {nullptr, nullptr, c.dot, c.gemm}));
    ASSERT_TRUE(set_isa_level(GetParam()).ok());
    const Kernels k = type_info(c.type)->kernels;
    ASSERT_NE(k.vec_dot, c.dot) << test::type_name(c.type) << ": no twin installed";
    ASSERT_NE(k.gemm, c.gemm) << test::type_name(c.type) << ": no gemm twin installed";
    for (Scales s : {Scales::kUnit, Scales::kRandom, Scales::kMax, Scales::kSubnormal}) {
      for (int64_t nb : {int64_t{1}, int64_t{2}, int64_t{5}}) {
        const int64_t n = nb * kQK_K;
        for (uint32_t seed = 1; seed <= 3; ++seed) {
          const auto w = test::weight_row(c.type, n, s, seed);
          const auto a = test::activation_row(TensorType::Q8_K, n, s, 127, seed + 900);
          expect_same_bits(c.dot(n, w.data(), a.data()), k.vec_dot(n, w.data(), a.data()),
                           test::type_name(c.type) + " n=" + std::to_string(n) + " seed " + std::to_string(seed));
        }
      }
    }
    const int64_t n = 2 * kQK_K, rows = 3;
    const size_t ws = row_bytes(c.type, n), as = row_bytes(TensorType::Q8_K, n);
    for (int64_t cols = 1; cols <= 9; ++cols) {
      std::vector<uint8_t> w, a;
      for (int64_t r = 0; r < rows; ++r) {
        const auto row = test::weight_row(c.type, n, Scales::kRandom, uint32_t(40 + r));
        w.insert(w.end(), row.begin(), row.end());
      }
      for (int64_t col = 0; col < cols; ++col) {
        const auto row = test::activation_row(TensorType::Q8_K, n, Scales::kRandom, 127, uint32_t(70 + col));
        a.insert(a.end(), row.begin(), row.end());
      }
      std::vector<float> want(size_t(rows * cols)), got(size_t(rows * cols), -1.0f);
      c.gemm(n, w.data(), ws, rows, a.data(), as, cols, want.data(), size_t(rows));
      k.gemm(n, w.data(), ws, rows, a.data(), as, cols, got.data(), size_t(rows));
      for (size_t i = 0; i < want.size(); ++i)
        expect_same_bits(want[i], got[i], test::type_name(c.type) + " gemm cols=" + std::to_string(cols) +
                                              " output " + std::to_string(i));
    }
    // Back at the scalar level the peer functions return.
    ASSERT_TRUE(set_isa_level(IsaLevel::kScalar).ok());
    EXPECT_EQ(type_info(c.type)->kernels.vec_dot, c.dot);
    EXPECT_EQ(type_info(c.type)->kernels.gemm, c.gemm);
  }
}

INSTANTIATE_TEST_SUITE_P(ArmLevels, ArmLevel, ::testing::Values(IsaLevel::kNeon, IsaLevel::kNeonDotprod),
                         [](const auto& info) { return std::string(isa_level_name(info.param)); });

}  // namespace
}  // namespace ledge::kernels
