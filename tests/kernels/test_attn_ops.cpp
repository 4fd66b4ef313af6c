// Attention / element-wise ops (kernels/attn_ops.h): every ISA variant this
// CPU runs, in one test run, against the scalar reference on random and
// adversarial inputs. The contract is bit-identical results, so every
// comparison is exact (two NaNs count as equal; fp32_to_fp16 must even give
// the same NaN bits).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/attn_ops.h"
#include "kernels/dispatch.h"
#include "kernels/fp16.h"
#include "kernels/peer_order.h"
#include "kernels/type_traits.h"

namespace ledge::kernels::attn {
namespace {

bool same(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

std::string bits(float x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a (0x%08x)", double(x), std::bit_cast<uint32_t>(x));
  return buf;
}

// F16 values for rows: mostly gaussian with the given scale, plus, when
// `adversarial`, zeros of both signs, subnormal halves, the largest finite
// half and values one ulp apart.
std::vector<uint16_t> half_values(size_t n, uint32_t seed, float sigma, bool adversarial) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, sigma);
  std::uniform_int_distribution<int> pick(0, 15);
  std::vector<uint16_t> v(n);
  for (auto& h : v) {
    h = fp32_to_fp16(g(rng));
    if (!adversarial) continue;
    switch (pick(rng)) {
      case 0: h = 0x0000; break;
      case 1: h = 0x8000; break;
      case 2: h = uint16_t(rng() & 0x83ff); break;             // subnormal or zero
      case 3: h = uint16_t(0x7bff | (rng() & 0x8000)); break;  // +-65504
      case 4: h = uint16_t(0x3c00 + (rng() & 3)); break;       // 1 and its next neighbours
      default: break;
    }
  }
  return v;
}

std::vector<float> float_values(size_t n, uint32_t seed, float sigma) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, sigma);
  std::vector<float> v(n);
  for (auto& x : v) x = g(rng);
  return v;
}

class AttnOps : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    ops_ = ops_at(GetParam());
    if (ops_ == nullptr) GTEST_SKIP() << "CPU lacks " << isa_level_requirements(GetParam());
  }
  const Ops* ops_ = nullptr;
  const Ops& ref_ = reference_ops();
};

TEST_P(AttnOps, Fp32ToFp16RowMatchesBitPatterns) {
  // A stride through all 2^32 patterns (odd, so every residue class of the
  // low bits shows up), every half boundary +-1 ulp (the ties), specials.
  std::vector<float> x;
  for (uint64_t b = 0; b < (uint64_t(1) << 32); b += 65521) x.push_back(std::bit_cast<float>(uint32_t(b)));
  for (uint32_t h = 0; h < 0x10000; h += 3) {
    const uint32_t f = std::bit_cast<uint32_t>(fp16_to_fp32(uint16_t(h)));
    for (uint32_t d : {0x1000u, 0x0fffu, 0x1001u, 0u, 1u}) {
      x.push_back(std::bit_cast<float>(f + d));
      x.push_back(std::bit_cast<float>(f - d));
    }
  }
  for (float s : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 65504.0f, 65519.99f, 65520.0f, -65520.0f, 0x1p-25f,
                  0x1.000002p-25f, 0x1p-24f, 0x1.8p-24f, std::numeric_limits<float>::denorm_min()})
    x.push_back(s);
  x.push_back(std::bit_cast<float>(0x7f800001u));  // signalling NaN
  x.push_back(std::bit_cast<float>(0xffc12345u));  // negative NaN with payload
  std::vector<uint16_t> want(x.size()), got(x.size());
  ref_.fp32_to_fp16_row(x.data(), want.data(), int64_t(x.size()));
  ops_->fp32_to_fp16_row(x.data(), got.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(want[i], got[i]) << "input " << bits(x[i]) << " at " << i;
  // The reference itself is fp16.h's conversion.
  for (size_t i = 0; i < x.size(); i += 7) ASSERT_EQ(want[i], fp32_to_fp16(x[i]));
}

TEST_P(AttnOps, DotF16) {
  uint32_t seed = 1;
  for (int n : {1, 7, 63, 64, 65, 72, 127, 128, 129, 200, 256, 1000}) {
    for (bool adversarial : {false, true}) {
      for (float sigma : {1.0f, 300.0f, 1e-3f}) {
        const auto x = half_values(size_t(n), seed++, sigma, adversarial);
        const auto y = half_values(size_t(n), seed++, sigma, adversarial);
        const float want = ref_.dot_f16(x.data(), y.data(), n), got = ops_->dot_f16(x.data(), y.data(), n);
        ASSERT_TRUE(same(want, got)) << "n=" << n << " sigma=" << sigma << ": " << bits(want) << " vs " << bits(got);
      }
    }
  }
}

// Rows for cells [0, n): pointers into one buffer, in a scrambled order as a
// paged cache would hand them out.
struct Rows {
  std::vector<uint16_t> data;
  std::vector<const uint16_t*> ptr;
  Rows(int32_t n, int hd, uint32_t seed, float sigma, bool adversarial) {
    data = half_values(size_t(n) * size_t(hd), seed, sigma, adversarial);
    std::vector<int32_t> order(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) order[size_t(i)] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    for (int32_t p = 0; p < n; ++p) ptr.push_back(data.data() + size_t(order[size_t(p)]) * size_t(hd));
  }
};

TEST_P(AttnOps, OnePassF16) {
  uint32_t seed = 100;
  for (int hd : {64, 128, 72, 36, 8, 3}) {
    for (int32_t n : {1, 2, 17, 64, 300}) {
      for (bool adversarial : {false, true}) {
        // sigma 4: scores up to ~+-1000, so the maximum moves often and exp
        // underflows; sigma 0.3: smooth softmax.
        for (float sigma : {0.3f, 4.0f}) {
          const Rows k(n, hd, seed++, sigma, adversarial), v(n, hd, seed++, 1.0f, adversarial);
          const auto q = half_values(size_t(hd), seed++, sigma, adversarial);
          const float scale = 1.0f / std::sqrt(float(hd));
          std::vector<uint16_t> acc_w(static_cast<size_t>(hd)), acc_g(static_cast<size_t>(hd));
          std::vector<float> out_w(size_t(hd), -1.0f), out_g(size_t(hd), -2.0f);
          const Partial pw = ref_.one_pass_f16(q.data(), k.ptr.data(), v.ptr.data(), n, hd, scale, acc_w.data(), out_w.data());
          const Partial pg = ops_->one_pass_f16(q.data(), k.ptr.data(), v.ptr.data(), n, hd, scale, acc_g.data(), out_g.data());
          const std::string where = "hd=" + std::to_string(hd) + " n=" + std::to_string(n) +
                                    " sigma=" + std::to_string(sigma) + " adv=" + std::to_string(adversarial);
          ASSERT_TRUE(same(pw.M, pg.M)) << where << " M " << bits(pw.M) << " vs " << bits(pg.M);
          ASSERT_TRUE(same(pw.S, pg.S)) << where << " S " << bits(pw.S) << " vs " << bits(pg.S);
          for (int i = 0; i < hd; ++i)
            ASSERT_TRUE(same(out_w[size_t(i)], out_g[size_t(i)]))
                << where << " out[" << i << "] " << bits(out_w[size_t(i)]) << " vs " << bits(out_g[size_t(i)]);
        }
      }
    }
  }
}

TEST_P(AttnOps, TiledF16) {
  uint32_t seed = 500;
  for (int hd : {64, 128, 72, 36, 5}) {
    for (bool adversarial : {false, true}) {
      for (float sigma : {0.3f, 4.0f}) {
        // Queries with cell counts inside a tile, on tile edges and several
        // tiles long, in no particular order.
        const std::vector<int32_t> ns = {1, 64, 63, 65, 17, 200, 128, 129, 3, 191};
        const int32_t n_max = 200;
        const Rows k(n_max, hd, seed++, sigma, adversarial), v(n_max, hd, seed++, 1.0f, adversarial);
        const int nq = int(ns.size());
        const auto qs = float_values(size_t(nq) * size_t(hd), seed++, sigma);
        std::vector<float> out_w(size_t(nq) * size_t(hd), -1.0f), out_g(size_t(nq) * size_t(hd), -2.0f);
        std::vector<TiledQuery> qw, qg;
        for (int j = 0; j < nq; ++j) {
          qw.push_back({qs.data() + size_t(j) * size_t(hd), out_w.data() + size_t(j) * size_t(hd), ns[size_t(j)]});
          qg.push_back({qs.data() + size_t(j) * size_t(hd), out_g.data() + size_t(j) * size_t(hd), ns[size_t(j)]});
        }
        std::vector<float> scratch(tiled_scratch_floats(hd, nq), NAN);
        const float scale = 1.0f / std::sqrt(float(hd));
        ref_.tiled_f16(qw.data(), nq, k.ptr.data(), v.ptr.data(), hd, scale, scratch.data());
        std::fill(scratch.begin(), scratch.end(), NAN);
        ops_->tiled_f16(qg.data(), nq, k.ptr.data(), v.ptr.data(), hd, scale, scratch.data());
        for (size_t i = 0; i < out_w.size(); ++i)
          ASSERT_TRUE(same(out_w[i], out_g[i])) << "hd=" << hd << " sigma=" << sigma << " adv=" << adversarial
                                                << " query " << i / size_t(hd) << " dim " << i % size_t(hd) << ": "
                                                << bits(out_w[i]) << " vs " << bits(out_g[i]);
        // One query alone gives the same as in the block.
        std::vector<float> single(static_cast<size_t>(hd));
        TiledQuery one{qs.data() + 5 * size_t(hd), single.data(), ns[5]};
        ops_->tiled_f16(&one, 1, k.ptr.data(), v.ptr.data(), hd, scale, scratch.data());
        for (int i = 0; i < hd; ++i) ASSERT_TRUE(same(single[size_t(i)], out_w[5 * size_t(hd) + size_t(i)]));
      }
    }
  }
}

TEST_P(AttnOps, Swiglu) {
  uint32_t seed = 900;
  for (int64_t n : {1, 15, 16, 17, 31, 32, 100, 1536 + 5}) {
    for (float sigma : {1.0f, 10.0f, 100.0f}) {
      std::vector<float> gate = float_values(size_t(n), seed++, sigma), up = float_values(size_t(n), seed++, 1.0f);
      // Arguments where the polynomial exp saturates, goes subnormal or is exact.
      const float special[] = {0.0f, -0.0f, 88.0f, -88.0f, 89.0f, -89.0f, 104.0f, -104.0f, 130.0f, -130.0f,
                               1e-30f, -1e-30f, 200.0f, -200.0f, INFINITY, -INFINITY};
      for (size_t i = 0; i < gate.size() && i < std::size(special); i += 1) gate[i * 3 % gate.size()] = special[i];
      std::vector<float> want = gate, got = gate;
      ref_.swiglu(n, want.data(), up.data());
      ops_->swiglu(n, got.data(), up.data());
      for (size_t i = 0; i < size_t(n); ++i)
        ASSERT_TRUE(same(want[i], got[i])) << "n=" << n << " i=" << i << " gate " << bits(gate[i]) << ": "
                                           << bits(want[i]) << " vs " << bits(got[i]);
    }
  }
}

// Every float argument in the range the softmax and SiLU use, through
// swiglu's vector path (up = 1, so gate -> silu(gate) = x / (1 + expf_poly(-x))).
TEST_P(AttnOps, SwigluDenseSweep) {
  std::vector<float> x;
  for (uint32_t b = 0; b < 0xffffffffu - 4093; b += 4093) {
    const float f = std::bit_cast<float>(b);
    if (!std::isnan(f)) x.push_back(f);
  }
  x.resize(x.size() / 16 * 16);
  std::vector<float> up(x.size(), 1.0f), want = x, got = x;
  ref_.swiglu(int64_t(x.size()), want.data(), up.data());
  ops_->swiglu(int64_t(x.size()), got.data(), up.data());
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_TRUE(same(want[i], got[i])) << "x=" << bits(x[i]) << ": " << bits(want[i]) << " vs " << bits(got[i]);
}

// The SIMD tiled kernel may find a zero tile maximum with the other sign than
// the reference's sequential std::max; that is harmless only because the
// polynomial exp gives the same value for +0 and -0.
TEST(AttnOpsReference, ExpPolyOfSignedZero) {
  EXPECT_EQ(peer::expf_poly(0.0f), 1.0f);
  EXPECT_EQ(peer::expf_poly(-0.0f), 1.0f);
}

TEST(AttnOpsReference, ActiveOpsFollowDispatchLevel) {
  for (IsaLevel level : kAllIsaLevels) {
    if (!isa_level_supported(level)) continue;
    ASSERT_TRUE(set_isa_level(level).ok());
    EXPECT_EQ(&ops(), ops_at(level));
  }
  ASSERT_TRUE(set_isa_level(IsaLevel::kScalar).ok());
  EXPECT_EQ(&ops(), &reference_ops());
  reset_kernels();
}

INSTANTIATE_TEST_SUITE_P(Levels, AttnOps, ::testing::ValuesIn(kAllIsaLevels),
                         [](const ::testing::TestParamInfo<IsaLevel>& info) {
                           return std::string(isa_level_name(info.param));
                         });

}  // namespace
}  // namespace ledge::kernels::attn
