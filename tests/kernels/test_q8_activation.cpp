// Activation quantizers Q8_0 / Q8_1 / Q8_K: hand-computed blocks pinning down
// llama.cpp's exact rounding rules (which decide agreement with its logits).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernel_test_util.h"
#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels {
namespace {

// A block whose largest magnitude is 127, so d = 1 and x * (1/d) = x exactly:
// the quants are then just the rounding rule applied to x.
std::vector<float> tie_block(float sign_of_max) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f * sign_of_max;
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 3.5f;
  x[4] = 0.5f;
  x[5] = -0.5f;
  x[6] = 1.49f;
  x[7] = -126.5f;
  return x;
}

TEST(Q8Activation, Q8_0ReferenceRoundsHalfAwayFromZero) {
  BlockQ8_0 b;
  scalar::quantize_row_q8_0(tie_block(1).data(), &b, 32);
  EXPECT_EQ(b.d, 0x3c00);  // 1.0
  const int expected[8] = {127, 3, -3, 4, 1, -1, 1, -127};
  for (int j = 0; j < 8; ++j) EXPECT_EQ(b.qs[j], expected[j]) << j;
  for (int j = 8; j < 32; ++j) EXPECT_EQ(b.qs[j], 0);
}

TEST(Q8Activation, Q8_0X86VariantRoundsHalfToEven) {
  BlockQ8_0 b;
  scalar::quantize_row_q8_0_x86(tie_block(1).data(), &b, 32);
  EXPECT_EQ(b.d, 0x3c00);
  const int expected[8] = {127, 2, -2, 4, 0, 0, 1, -126};
  for (int j = 0; j < 8; ++j) EXPECT_EQ(b.qs[j], expected[j]) << j;
}

TEST(Q8Activation, ReferenceAndX86DifferOnlyInTheMultiplier) {
  // The reference multiplies by 1/(amax/127), the x86 path by 127/amax; for
  // many amax these are different floats. Find such an amax and a value whose
  // two products straddle a rounding boundary, derive the expected quants
  // from the two rules, and check both implementations.
  float amax = 0, r_mult = 0, x_mult = 0;
  for (int k = 1; k < 1000 && amax == 0; ++k) {
    const float a = 1.0f + 0.01f * k;
    if (1.0f / (a / 127) != 127.0f / a) {
      amax = a;
      r_mult = 1.0f / (a / 127);
      x_mult = 127.0f / a;
    }
  }
  ASSERT_NE(amax, 0.0f);
  float probe = 0;
  for (int k = 0; k < 127 && probe == 0; ++k) {
    float v = (k + 0.5f) / x_mult;
    for (int step = 0; step < 16 && probe == 0; ++step, v = std::nextafter(v, 0.0f)) {
      if (std::round(v * r_mult) != std::nearbyint(v * x_mult)) probe = v;
    }
    v = (k + 0.5f) / x_mult;
    for (int step = 0; step < 16 && probe == 0; ++step, v = std::nextafter(v, 1e9f)) {
      if (std::round(v * r_mult) != std::nearbyint(v * x_mult)) probe = v;
    }
  }
  ASSERT_NE(probe, 0.0f);
  std::vector<float> x(32, 0.0f);
  x[0] = amax;
  x[1] = probe;
  BlockQ8_0 ref, x86;
  scalar::quantize_row_q8_0(x.data(), &ref, 32);
  scalar::quantize_row_q8_0_x86(x.data(), &x86, 32);
  EXPECT_EQ(ref.qs[0], 127);
  EXPECT_EQ(x86.qs[0], 127);
  EXPECT_EQ(ref.d, x86.d);
  EXPECT_EQ(ref.qs[1], static_cast<int>(std::round(probe * r_mult)));
  EXPECT_EQ(x86.qs[1], static_cast<int>(std::nearbyint(probe * x_mult)));
  EXPECT_NE(ref.qs[1], x86.qs[1]);
}

// On ordinary data the two Q8_0/Q8_1 activation quantizers agree on d and
// differ by at most one step in a small fraction of the quants.
TEST(Q8Activation, X86VariantsStayWithinOneStepOfTheReference) {
  const auto x = test::gaussian(32 * 512, 4);
  std::vector<BlockQ8_0> r0(512), v0(512);
  std::vector<BlockQ8_1> r1(512), v1(512);
  scalar::quantize_row_q8_0(x.data(), r0.data(), 32 * 512);
  scalar::quantize_row_q8_0_x86(x.data(), v0.data(), 32 * 512);
  scalar::quantize_row_q8_1(x.data(), r1.data(), 32 * 512);
  scalar::quantize_row_q8_1_x86(x.data(), v1.data(), 32 * 512);
  int differing = 0;
  for (int b = 0; b < 512; ++b) {
    ASSERT_EQ(r0[b].d, v0[b].d);
    ASSERT_EQ(r1[b].d, v1[b].d);
    for (int j = 0; j < 32; ++j) {
      ASSERT_LE(std::abs(r0[b].qs[j] - v0[b].qs[j]), 1);
      ASSERT_EQ(r0[b].qs[j], r1[b].qs[j]);
      ASSERT_EQ(v0[b].qs[j], v1[b].qs[j]);
      differing += r0[b].qs[j] != v0[b].qs[j];
    }
  }
  EXPECT_LT(differing, 32 * 512 / 100);
}

TEST(Q8Activation, Q8_1SumField) {
  BlockQ8_1 b;
  auto x = tie_block(1);
  scalar::quantize_row_q8_1(x.data(), &b, 32);
  EXPECT_EQ(b.d, 0x3c00);
  int sum = 0;
  for (int j = 0; j < 32; ++j) sum += b.qs[j];
  EXPECT_EQ(sum, 127 + 3 - 3 + 4 + 1 - 1 + 1 - 127);
  EXPECT_EQ(fp16_to_fp32(b.s), static_cast<float>(sum));
  // Non-trivial scale: s = fp16(sum * d) with the f32 d.
  for (auto& v : x) v *= 0.01f;
  scalar::quantize_row_q8_1(x.data(), &b, 32);
  const float d = 1.27f / 127;
  sum = 0;
  for (int j = 0; j < 32; ++j) sum += b.qs[j];
  EXPECT_EQ(b.s, fp32_to_fp16(sum * d));
  EXPECT_EQ(b.d, fp32_to_fp16(d));
}

TEST(Q8Activation, Q8_KScaleFollowsTheLargestValueAndRoundsToEven) {
  std::vector<float> x(256, 0.0f);
  x[0] = -127.0f;  // largest magnitude, negative: iscale = -127 / -127 = 1
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 3.5f;
  x[17] = 100.0f;
  BlockQ8_K b;
  scalar::quantize_row_q8_k(x.data(), &b, 256);
  EXPECT_EQ(b.d, 1.0f);
  EXPECT_EQ(b.qs[0], -127);
  EXPECT_EQ(b.qs[1], 2);   // ties to even
  EXPECT_EQ(b.qs[2], -2);
  EXPECT_EQ(b.qs[3], 4);
  EXPECT_EQ(b.bsums[0], -127 + 2 - 2 + 4);
  EXPECT_EQ(b.bsums[1], 100);
  for (int g = 2; g < 16; ++g) EXPECT_EQ(b.bsums[g], 0);

  x[0] = 127.0f;  // now positive: iscale = -1, d = -1, quants negated
  scalar::quantize_row_q8_k(x.data(), &b, 256);
  EXPECT_EQ(b.d, -1.0f);
  EXPECT_EQ(b.qs[0], -127);
  EXPECT_EQ(b.qs[1], -2);
  EXPECT_EQ(b.qs[17], -100);
  EXPECT_EQ(b.bsums[1], -100);
}

TEST(Q8Activation, Q8_KZeroBlock) {
  std::vector<float> x(512, 0.0f);
  x[300] = 1.0f;
  BlockQ8_K b[2];
  std::memset(b, 0x5a, sizeof(b));
  scalar::quantize_row_q8_k(x.data(), b, 512);
  EXPECT_EQ(b[0].d, 0.0f);
  for (int j = 0; j < 256; ++j) EXPECT_EQ(b[0].qs[j], 0);
  for (int g = 0; g < 16; ++g) EXPECT_EQ(b[0].bsums[g], 0);
  EXPECT_EQ(b[1].d, -1.0f / 127);
  EXPECT_EQ(b[1].qs[44], -127);
}

}  // namespace
}  // namespace ledge::kernels
