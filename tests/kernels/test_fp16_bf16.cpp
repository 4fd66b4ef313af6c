// fp16 / bf16 conversions: exhaustive over all 65536 patterns, against
// independent oracles (double arithmetic) and known values.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/fp16.h"

namespace ledge::kernels {
namespace {

bool is_fp16_nan(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x03ffu) != 0; }
bool is_bf16_nan(uint16_t h) { return (h & 0x7f80u) == 0x7f80u && (h & 0x007fu) != 0; }

// Value of a half from its definition, in double.
double fp16_value(uint16_t h) {
  const int sign = (h & 0x8000u) ? -1 : 1;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  if (exp == 0x1f) return mant ? std::numeric_limits<double>::quiet_NaN() : sign * HUGE_VAL;
  if (exp == 0) return sign * std::ldexp(static_cast<double>(mant), -24);
  return sign * std::ldexp(static_cast<double>(1024 + mant), exp - 25);
}

// Round-to-nearest-even fp32 -> fp16 by searching the sorted list of all
// non-negative finite halves (independent of the bit tricks under test).
class Fp16Oracle {
 public:
  Fp16Oracle() {
    for (uint32_t h = 0; h < 0x7c00u; ++h) values_.push_back(fp16_value(static_cast<uint16_t>(h)));
  }
  uint16_t operator()(float f) const {
    const uint16_t sign = std::signbit(f) ? 0x8000u : 0;
    const double a = std::fabs(static_cast<double>(f));
    if (a >= 65520.0) return sign | 0x7c00u;
    if (a > values_.back()) return sign | 0x7bffu;  // (65504, 65520): largest finite
    const auto it = std::lower_bound(values_.begin(), values_.end(), a);
    const auto hi = static_cast<uint16_t>(it - values_.begin());
    if (values_[hi] == a || hi == 0) return sign | hi;
    const auto lo = static_cast<uint16_t>(hi - 1);
    const double dlo = a - values_[lo], dhi = values_[hi] - a;
    if (dlo < dhi) return sign | lo;
    if (dhi < dlo) return sign | hi;
    return sign | ((lo & 1u) ? hi : lo);  // tie: even mantissa
  }

 private:
  std::vector<double> values_;  // index = bit pattern
};

TEST(Fp16, ExhaustiveDecodeMatchesDefinition) {
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float f = fp16_to_fp32(h);
    if (is_fp16_nan(h)) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << i;
      const auto bits = std::bit_cast<uint32_t>(f);
      EXPECT_EQ(bits & 0x00400000u, 0x00400000u) << "NaN must come out quiet: " << std::hex << i;
      EXPECT_EQ((bits >> 13) & 0x1ffu, h & 0x1ffu) << "NaN payload kept: " << std::hex << i;
      EXPECT_EQ(bits >> 31, static_cast<uint32_t>(h >> 15));
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), fp16_value(h)) << std::hex << i;
    ASSERT_EQ(std::signbit(f), (h & 0x8000u) != 0) << std::hex << i;
  }
}

TEST(Fp16, ExhaustiveRoundTrip) {
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const uint16_t back = fp32_to_fp16(fp16_to_fp32(h));
    if (is_fp16_nan(h)) {
      EXPECT_EQ(back, (h & 0x8000u) | 0x7e00u) << std::hex << i;  // canonical quiet NaN, sign kept
    } else {
      ASSERT_EQ(back, h) << std::hex << i;
    }
  }
}

TEST(Fp16, EncodeMatchesOracleAtEveryMidpointAndNeighbour) {
  const Fp16Oracle oracle;
  // Every exact midpoint between consecutive finite halves is a tie; the
  // floats just below and above it must round down / up.
  for (uint32_t h = 0; h < 0x7bffu; ++h) {
    const double mid = (fp16_value(static_cast<uint16_t>(h)) + fp16_value(static_cast<uint16_t>(h + 1))) / 2;
    const auto f = static_cast<float>(mid);
    ASSERT_EQ(static_cast<double>(f), mid);  // midpoints are representable in fp32
    for (float g : {f, std::nextafter(f, 0.0f), std::nextafter(f, HUGE_VALF)}) {
      ASSERT_EQ(fp32_to_fp16(g), oracle(g)) << g;
      ASSERT_EQ(fp32_to_fp16(-g), oracle(-g)) << -g;
    }
  }
}

TEST(Fp16, EncodeMatchesOracleOnRandomFloats) {
  const Fp16Oracle oracle;
  std::mt19937 rng(1234);
  // Exponents concentrated around the half range (2^-30 .. 2^17), plus any pattern.
  std::uniform_int_distribution<uint32_t> exp(97, 144), mant(0, 0x7fffff), any;
  for (int i = 0; i < 2'000'000; ++i) {
    const uint32_t bits = (i % 4 == 3) ? any(rng) : ((any(rng) & 0x80000000u) | (exp(rng) << 23) | mant(rng));
    const float f = std::bit_cast<float>(bits);
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_fp16(f), oracle(f)) << std::hex << bits;
  }
}

TEST(Fp16, KnownValues) {
  EXPECT_EQ(fp32_to_fp16(0.0f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xc000);
  EXPECT_EQ(fp32_to_fp16(0.1f), 0x2e66);
  EXPECT_EQ(fp32_to_fp16(1.0f / 3.0f), 0x3555);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65519.99f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);  // tie with 2^16 rounds to even -> inf
  EXPECT_EQ(fp32_to_fp16(1e10f), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-HUGE_VALF), 0xfc00);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie -> even (zero)
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 ulp tie -> even (2)
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1023.5f, -24)), 0x0400);  // rounds up into the normals
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie -> even
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie -> even (up)
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::quiet_NaN()), 0x7e00);
  EXPECT_EQ(fp32_to_fp16(-std::numeric_limits<float>::quiet_NaN()), 0xfe00);
  EXPECT_EQ(fp32_to_fp16(std::bit_cast<float>(0x7f800001u)), 0x7e00);  // signalling NaN

  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fp16_to_fp32(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(fp16_to_fp32(0xfc00), -HUGE_VALF);
  EXPECT_EQ(std::bit_cast<uint32_t>(fp16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_EQ(std::bit_cast<uint32_t>(fp16_to_fp32(0x7c01)), 0x7fc02000u);  // quiet, payload << 13
}

TEST(Fp16, LookupTableMatchesConversion) {
  const float* table = fp16_to_fp32_table();
  for (uint32_t h = 0; h < 65536; ++h) {
    ASSERT_EQ(std::bit_cast<uint32_t>(table[h]), std::bit_cast<uint32_t>(fp16_to_fp32(static_cast<uint16_t>(h))));
  }
}

TEST(Fp16, RowHelpers) {
  const std::vector<float> src{0.5f, -1.25f, 1e-6f, 70000.0f};
  std::vector<uint16_t> h(src.size());
  std::vector<float> back(src.size());
  fp32_to_fp16_row(src.data(), h.data(), static_cast<int64_t>(src.size()));
  fp16_to_fp32_row(h.data(), back.data(), static_cast<int64_t>(src.size()));
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_EQ(h[i], fp32_to_fp16(src[i]));
    EXPECT_EQ(back[i], fp16_to_fp32(h[i]));
  }
}

// Round-to-nearest-even fp32 -> bf16 in double arithmetic.
uint16_t bf16_oracle(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const auto lo = static_cast<uint16_t>(bits >> 16);
  const auto hi = static_cast<uint16_t>(lo + 1);
  const double x = std::fabs(static_cast<double>(f));
  const double vlo = std::fabs(static_cast<double>(bf16_to_fp32(lo)));
  // The next pattern up in magnitude; past the largest finite value the
  // unbounded-exponent neighbour 2^128 decides (IEEE overflow rule).
  const bool hi_is_inf = (hi & 0x7f80u) == 0x7f80u;
  const double vhi = hi_is_inf ? std::ldexp(1.0, 128) : std::fabs(static_cast<double>(bf16_to_fp32(hi)));
  if (x - vlo < vhi - x) return lo;
  if (vhi - x < x - vlo) return hi;
  return (lo & 1u) ? hi : lo;
}

TEST(Bf16, ExhaustiveRoundTrip) {
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float f = bf16_to_fp32(h);
    ASSERT_EQ(std::bit_cast<uint32_t>(f), i << 16);
    if (is_bf16_nan(h)) {
      EXPECT_EQ(fp32_to_bf16(f), h | 0x40u) << std::hex << i;  // forced quiet
    } else {
      ASSERT_EQ(fp32_to_bf16(f), h) << std::hex << i;
    }
  }
}

TEST(Bf16, EncodeMatchesOracle) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<uint32_t> any;
  for (int i = 0; i < 2'000'000; ++i) {
    uint32_t bits = any(rng);
    if (i % 3 == 0) bits = (bits & 0xffff0000u) | 0x8000u;  // exact ties
    const float f = std::bit_cast<float>(bits);
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_bf16(f), bf16_oracle(f)) << std::hex << bits;
  }
}

TEST(Bf16, KnownValues) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(fp32_to_bf16(3.14159265f), 0x4049);
  EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);      // tie -> even (down)
  EXPECT_EQ(fp32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);  // tie -> even (up)
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
  EXPECT_EQ(fp32_to_bf16(1e-40f), 0x0001);  // fp32 subnormal kept, not flushed
  EXPECT_EQ(fp32_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x7fa00000u)), 0x7fe0);  // sNaN forced quiet
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0xff800001u)), 0xffc0);
  EXPECT_EQ(bf16_to_fp32(0x4049), 3.140625f);
}

}  // namespace
}  // namespace ledge::kernels
