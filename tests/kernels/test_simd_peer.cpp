// The SIMD twins of peer_order.h's scalar models of llama.cpp's x86 float
// order must be bit-identical with them (that order is what makes the
// engine agree with the llama.cpp goldens), at every ISA level this CPU runs,
// and the dispatcher must install them over the peer functions and restore
// the peer functions at the scalar level.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "kernel_test_util.h"
#include "kernels/dispatch.h"
#include "kernels/peer_order.h"
#include "kernels/type_traits.h"
#include "simd_test_data.h"

namespace ledge::kernels {
namespace {

using test::Scales;

struct PeerCase {
  TensorType type;
  VecDotFn peer;
};

const PeerCase kPeer[] = {
    {TensorType::Q8_0, peer::vec_dot_q8_0_q8_0}, {TensorType::Q5_0, peer::vec_dot_q5_0_q8_0},
    {TensorType::Q4_1, peer::vec_dot_q4_1_q8_1}, {TensorType::Q5_1, peer::vec_dot_q5_1_q8_1},
    {TensorType::Q4_0, peer::vec_dot_q4_0_q8_0},
};

class SimdPeerOrder : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    if (!isa_level_supported(GetParam())) GTEST_SKIP() << "CPU lacks " << isa_level_requirements(GetParam());
  }
  void TearDown() override { reset_kernels(); }
};

TEST_P(SimdPeerOrder, TwinsAreBitIdenticalAndInstalledOverThePeerFunctions) {
  for (const PeerCase& c : kPeer) {
    reset_kernels();
    ASSERT_TRUE(install_kernels(c.type, {nullptr, nullptr, c.peer}));
    ASSERT_TRUE(set_isa_level(GetParam()).ok());
    const VecDotFn active = type_info(c.type)->kernels.vec_dot;
    if (GetParam() == IsaLevel::kScalar) {
      EXPECT_EQ(active, c.peer);
    } else {
      EXPECT_NE(active, c.peer) << test::type_name(c.type) << ": no SIMD twin installed";
      EXPECT_NE(active, reference_type_info(c.type)->kernels.vec_dot);
    }
    const TensorType at = type_info(c.type)->vec_dot_type;
    for (int64_t nb : {1, 2, 7, 8, 9, 18, 128, 152}) {
      const int64_t n = nb * kQK;
      for (Scales s : {Scales::kRandom, Scales::kMax, Scales::kSubnormal, Scales::kUnit}) {
        for (uint32_t seed = 1; seed <= 3; ++seed) {
          const auto w = test::weight_row(c.type, n, s, seed);
          const auto a = test::activation_row(at, n, s, 127, seed + 50);
          const float want = c.peer(n, w.data(), a.data());
          const float got = active(n, w.data(), a.data());
          ASSERT_EQ(0, std::memcmp(&want, &got, sizeof(float)))
              << test::type_name(c.type) << " n=" << n << " seed " << seed << " want " << want << " got " << got;
        }
      }
    }
    // Back to scalar: the peer function, not the reference, returns.
    ASSERT_TRUE(set_isa_level(IsaLevel::kScalar).ok());
    EXPECT_EQ(type_info(c.type)->kernels.vec_dot, c.peer) << test::type_name(c.type);
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsaLevels, SimdPeerOrder, ::testing::ValuesIn(kAllIsaLevels),
                         [](const auto& info) { return std::string(isa_level_name(info.param)); });

}  // namespace
}  // namespace ledge::kernels
