// Scalar models of llama.cpp's x86 float order (peer_order.h): each is
// checked against an independent computation (exact arithmetic where the
// inputs make every step exact, a double-precision reference otherwise) and
// for the specific association order it claims, with inputs where a
// different order gives a different float.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/peer_order.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels {
namespace {

TEST(PeerOrder, Hsum8AddsHalvesThenPairs) {
  // ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)); a left-to-right sum loses the 1s.
  const float lane[8] = {1e8f, 1.0f, 0.0f, 1.0f, -1e8f, 1.0f, 0.0f, 1.0f};
  EXPECT_EQ(peer::hsum8(lane), 4.0f);
  float seq = 0;
  for (float v : lane) seq += v;
  EXPECT_NE(seq, 4.0f);
}

TEST(PeerOrder, ReduceAdd16Order) {
  float v[16] = {};
  v[0] = 1e8f;
  v[8] = -1e8f;  // cancels in the first (halves) step
  for (int i = 1; i < 8; ++i) v[i] = 1.0f;
  EXPECT_EQ(peer::reduce_add16(v), 7.0f);
  float seq = 0;
  for (float x : v) seq += x;
  EXPECT_NE(seq, 7.0f);
}

std::vector<BlockQ8_0> random_q8_0(std::mt19937& rng, int nb, bool power_of_two_scales) {
  std::uniform_int_distribution<int> q(-127, 127);
  std::uniform_real_distribution<float> d(0.001f, 0.05f);
  std::vector<BlockQ8_0> b(static_cast<size_t>(nb));
  for (BlockQ8_0& blk : b) {
    blk.d = fp32_to_fp16(power_of_two_scales ? 0.03125f : d(rng));
    for (int8_t& x : blk.qs) x = int8_t(q(rng));
  }
  return b;
}

// One power-of-two scale for every block: all partial sums are integers times
// 2^-10 below 2^24, so any order gives the exact value.
TEST(PeerOrder, Q8_0DotIsExactWhenEveryStepIs) {
  std::mt19937 rng(7);
  for (int rep = 0; rep < 20; ++rep) {
    const auto w = random_q8_0(rng, 8, true), a = random_q8_0(rng, 8, true);
    double exact = 0;
    for (int i = 0; i < 8; ++i) {
      long s = 0;
      for (int j = 0; j < 32; ++j) s += long(w[size_t(i)].qs[j]) * a[size_t(i)].qs[j];
      exact += double(s) * fp16_to_fp32(w[size_t(i)].d) * fp16_to_fp32(a[size_t(i)].d);
    }
    EXPECT_EQ(double(peer::vec_dot_q8_0_q8_0(256, w.data(), a.data())), exact);
  }
}

TEST(PeerOrder, Q8_0DotMatchesADoubleReferenceAndTheLaneModel) {
  std::mt19937 rng(11);
  int differs_from_generic = 0;
  for (int rep = 0; rep < 200; ++rep) {
    const auto w = random_q8_0(rng, 24, false), a = random_q8_0(rng, 24, false);
    double ref = 0, mag = 0;
    float lanes[8] = {};
    for (int i = 0; i < 24; ++i) {
      const float d = fp16_to_fp32(w[size_t(i)].d) * fp16_to_fp32(a[size_t(i)].d);
      for (int l = 0; l < 8; ++l) {
        int s = 0;
        for (int b = 0; b < 4; ++b) s += w[size_t(i)].qs[4 * l + b] * a[size_t(i)].qs[4 * l + b];
        ref += double(d) * s;
        mag += std::fabs(double(d) * s);
        lanes[l] = std::fma(d, float(s), lanes[l]);
      }
    }
    const float got = peer::vec_dot_q8_0_q8_0(768, w.data(), a.data());
    EXPECT_NEAR(got, ref, 1e-6 * mag);
    const float model = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    EXPECT_EQ(got, model);
    differs_from_generic += got != scalar::vec_dot_q8_0_q8_0(768, w.data(), a.data());
  }
  // The whole point: the peer's order is not the portable one.
  EXPECT_GT(differs_from_generic, 0);
}

TEST(PeerOrder, ExpPolyIsCloseToExpAndExactAtZero) {
  EXPECT_EQ(peer::expf_poly(0.0f), 1.0f);
  int not_equal = 0;
  for (float x = -80.0f; x < 80.0f; x += 0.01337f) {
    const double want = std::exp(double(x));
    EXPECT_NEAR(peer::expf_poly(x), want, 4e-7 * want) << x;
    not_equal += peer::expf_poly(x) != std::exp(x);
  }
  EXPECT_GT(not_equal, 0);  // it is a different function from the C library's
  EXPECT_EQ(peer::expf_poly(-200.0f), 0.0f);
  EXPECT_TRUE(std::isinf(peer::expf_poly(200.0f)));
}

TEST(PeerOrder, SwigluUsesTheVectorSiluForFullGroupsAndExpfForTheTail) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> g(37), u(37);
  for (size_t i = 0; i < g.size(); ++i) g[i] = nd(rng), u[i] = nd(rng);
  std::vector<float> out = g;
  peer::swiglu(37, out.data(), u.data());
  for (size_t i = 0; i < g.size(); ++i) {
    const float want = i < 32 ? g[i] / (1.0f + peer::expf_poly(-g[i])) * u[i] : g[i] / (1.0f + std::exp(-g[i])) * u[i];
    EXPECT_EQ(out[i], want) << i;
    EXPECT_NEAR(out[i], double(g[i]) / (1.0 + std::exp(-double(g[i]))) * u[i], 1e-5 * (1 + std::fabs(u[i] * g[i])));
  }
}

}  // namespace
}  // namespace ledge::kernels
