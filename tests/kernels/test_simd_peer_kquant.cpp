// The SIMD twins of peer_order.h's k-quant models must be bit-identical with
// them at every ISA level this CPU runs -- vec_dot and, for Q4_K / Q2_K, the
// gemm slot with its GEMM / GEMV column split -- and the dispatcher must
// install them over the peer functions and restore the peer functions at the
// scalar level.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/dispatch.h"
#include "kernels/fp16.h"
#include "kernels/peer_order.h"
#include "kernels/type_traits.h"

namespace ledge::kernels {
namespace {

struct Case {
  TensorType type;
  VecDotFn dot;
  GemmFn gemm;  // null: none
};

const Case kCases[] = {
    {TensorType::Q2_K, peer::vec_dot_q2_k_q8_k, peer::gemm_q2_k_q8_k},
    {TensorType::Q3_K, peer::vec_dot_q3_k_q8_k, peer::gemm_q3_k_q8_k},
    {TensorType::Q4_K, peer::vec_dot_q4_k_q8_k, peer::gemm_q4_k_q8_k},
    {TensorType::Q5_K, peer::vec_dot_q5_k_q8_k, peer::gemm_q5_k_q8_k},
    {TensorType::Q6_K, peer::vec_dot_q6_k_q8_k, peer::gemm_q6_k_q8_k},
};

// Random bytes for the quants and packed scales, realistic fp16 scales (a
// few blocks get extreme ones), activations with the Q8_K range and
// consistent bsums (amax 127 in most rows, small in some).
std::vector<uint8_t> weights(const TypeInfo& ti, int64_t rows, int64_t n, std::mt19937& rng) {
  const size_t row_bytes = size_t(n / ti.block_elems) * ti.block_bytes;
  std::vector<uint8_t> w(size_t(rows) * row_bytes);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : w) b = uint8_t(byte(rng));
  // d (and dmin) sit at fixed offsets: overwrite them with sane halves.
  std::uniform_real_distribution<float> d(1e-4f, 8e-3f);
  const size_t nb = w.size() / ti.block_bytes;
  for (size_t i = 0; i < nb; ++i) {
    uint8_t* blk = w.data() + i * ti.block_bytes;
    const float scale = i % 17 == 3 ? 65504.0f : (i % 23 == 5 ? 6e-8f : d(rng));
    uint16_t h = fp32_to_fp16(scale), hm = fp32_to_fp16(d(rng));
    switch (ti.type) {
      case TensorType::Q2_K: std::memcpy(blk + 80, &h, 2); std::memcpy(blk + 82, &hm, 2); break;
      case TensorType::Q3_K: std::memcpy(blk + 108, &h, 2); break;
      case TensorType::Q4_K:
      case TensorType::Q5_K: std::memcpy(blk, &h, 2); std::memcpy(blk + 2, &hm, 2); break;
      case TensorType::Q6_K: std::memcpy(blk + 208, &h, 2); break;
      default: break;
    }
  }
  return w;
}

std::vector<BlockQ8_K> activations(int64_t cols, int64_t n, std::mt19937& rng) {
  std::vector<BlockQ8_K> a(size_t(cols * (n / kQK_K)));
  std::uniform_real_distribution<float> d(1e-3f, 5e-2f);
  for (size_t i = 0; i < a.size(); ++i) {
    const int amax = i % 5 == 1 ? 9 : 127;
    std::uniform_int_distribution<int> q(-amax, amax);
    a[i].d = d(rng);
    for (int8_t& x : a[i].qs) x = int8_t(q(rng));
    for (int g = 0; g < kQK_K / 16; ++g) {
      int s = 0;
      for (int l = 0; l < 16; ++l) s += a[i].qs[16 * g + l];
      a[i].bsums[g] = int16_t(s);
    }
  }
  return a;
}

class SimdPeerKQuant : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    if (!isa_level_supported(GetParam())) GTEST_SKIP() << "CPU lacks " << isa_level_requirements(GetParam());
  }
  void TearDown() override { reset_kernels(); }
};

TEST_P(SimdPeerKQuant, TwinsAreBitIdenticalAndInstalledOverThePeerFunctions) {
  std::mt19937 rng(42);
  for (const Case& c : kCases) {
    reset_kernels();
    Kernels k;
    k.vec_dot = c.dot;
    k.gemm = c.gemm;
    ASSERT_TRUE(install_kernels(c.type, k));
    ASSERT_TRUE(set_isa_level(GetParam()).ok());
    const TypeInfo& ti = *type_info(c.type);
    const std::string name(ti.name);
    if (GetParam() == IsaLevel::kScalar) {
      EXPECT_EQ(ti.kernels.vec_dot, c.dot) << name;
      EXPECT_EQ(ti.kernels.gemm, c.gemm) << name;
    } else if (GetParam() == IsaLevel::kAvx2 || GetParam() == IsaLevel::kAvx512) {
      // x86 has twins for every k-quant; other levels (ARM) may keep the
      // peer function, and whatever they install must still match it.
      EXPECT_NE(ti.kernels.vec_dot, c.dot) << name << ": no SIMD twin installed";
      if (c.gemm != nullptr) {
        EXPECT_NE(ti.kernels.gemm, c.gemm) << name << ": no SIMD gemm twin installed";
      }
    }
    for (int64_t nb : {1, 2, 3, 6}) {
      const int64_t n = nb * kQK_K;
      const int64_t rows = 5;
      const auto w = weights(ti, rows, n, rng);
      const size_t w_stride = size_t(nb) * ti.block_bytes;
      for (int64_t cols : {1, 3, 4, 7, 8, 20, 70}) {
        const auto a = activations(cols, n, rng);
        const size_t a_stride = size_t(nb) * sizeof(BlockQ8_K);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t col = 0; col < cols; ++col) {
            const void* wr = w.data() + size_t(r) * w_stride;
            const void* ac = a.data() + size_t(col * nb);
            const float want = c.dot(n, wr, ac), got = ti.kernels.vec_dot(n, wr, ac);
            ASSERT_EQ(0, std::memcmp(&want, &got, 4)) << name << " n=" << n << " " << want << " vs " << got;
          }
        if (c.gemm == nullptr) continue;
        const size_t out_stride = size_t(rows) + 3;
        std::vector<float> want(size_t(cols) * out_stride, 0.0f), got(want.size(), 0.0f);
        c.gemm(n, w.data(), w_stride, rows, a.data(), a_stride, cols, want.data(), out_stride);
        ti.kernels.gemm(n, w.data(), w_stride, rows, a.data(), a_stride, cols, got.data(), out_stride);
        ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4)) << name << " gemm n=" << n << " cols=" << cols;
      }
    }
    ASSERT_TRUE(set_isa_level(IsaLevel::kScalar).ok());
    EXPECT_EQ(type_info(c.type)->kernels.vec_dot, c.dot) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsaLevels, SimdPeerKQuant, ::testing::ValuesIn(kAllIsaLevels),
                         [](const auto& info) { return std::string(isa_level_name(info.param)); });

}  // namespace
}  // namespace ledge::kernels
