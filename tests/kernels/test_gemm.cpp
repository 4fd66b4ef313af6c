// The gemm kernels (the `gemm` slot of the type table) against one peer-order
// vec_dot per output, bit for bit, at every ISA level this CPU runs: odd
// matrix sizes (every tile edge), padded strides (rows and outputs the kernel
// must not touch), adversarial quants and scales. Also: the dispatcher
// installs a gemm only over the vec_dot it reproduces and removes it again.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/dispatch.h"
#include "kernels/peer_order.h"
#include "kernels/scalar_kernels.h"
#include "kernels/type_traits.h"
#include "simd_test_data.h"

namespace ledge::kernels {
namespace {

using test::Scales;

struct GemmCase {
  TensorType type;
  VecDotFn peer;
  IsaLevel first = IsaLevel::kAvx2;  // lowest level with a gemm for it
};

const GemmCase kCases[] = {
    {TensorType::Q8_0, peer::vec_dot_q8_0_q8_0},
    {TensorType::Q4_0, peer::vec_dot_q4_0_q8_0},
    {TensorType::Q5_0, peer::vec_dot_q5_0_q8_0},
    {TensorType::Q4_1, peer::vec_dot_q4_1_q8_1},
    {TensorType::Q5_1, peer::vec_dot_q5_1_q8_1},
};

// n_rows weight rows and n_cols activation rows with padded strides.
struct Problem {
  int64_t n, n_rows, n_cols;
  size_t w_stride, act_stride, out_stride;
  std::vector<uint8_t> w, act;
};

Problem make_problem(TensorType t, int64_t n, int64_t n_rows, int64_t n_cols, Scales s, uint32_t seed) {
  Problem p{n, n_rows, n_cols, 0, 0, 0, {}, {}};
  const TensorType at = type_info(t)->vec_dot_type;
  // Padding keeps the blocks' 2-byte alignment (a row is an array of
  // blocks) but breaks every wider one: no 32/64-byte alignment assumed.
  p.w_stride = row_bytes(t, n) + 6;
  p.act_stride = row_bytes(at, n) + 10;
  p.out_stride = size_t(n_rows) + 3;
  p.w.assign(p.w_stride * size_t(n_rows), 0xA5);
  p.act.assign(p.act_stride * size_t(n_cols), 0x5A);
  for (int64_t r = 0; r < n_rows; ++r) {
    const auto row = test::weight_row(t, n, s, seed * 1000 + uint32_t(r));
    std::memcpy(p.w.data() + size_t(r) * p.w_stride, row.data(), row.size());
  }
  for (int64_t c = 0; c < n_cols; ++c) {
    const auto row = test::activation_row(at, n, s, 127, seed * 7000 + uint32_t(c));
    std::memcpy(p.act.data() + size_t(c) * p.act_stride, row.data(), row.size());
  }
  return p;
}

// Runs `gemm` and compares every output with `dot`; padding outputs must
// keep their sentinel.
void expect_matches(const GemmCase& c, GemmFn gemm, const Problem& p, const std::string& what) {
  const float sentinel = -1234.5f;
  std::vector<float> out(p.out_stride * size_t(p.n_cols), sentinel);
  gemm(p.n, p.w.data(), p.w_stride, p.n_rows, p.act.data(), p.act_stride, p.n_cols, out.data(), p.out_stride);
  for (int64_t col = 0; col < p.n_cols; ++col) {
    for (int64_t r = 0; r < p.n_rows; ++r) {
      const float want = c.peer(p.n, p.w.data() + size_t(r) * p.w_stride, p.act.data() + size_t(col) * p.act_stride);
      const float got = out[size_t(col) * p.out_stride + size_t(r)];
      ASSERT_EQ(0, std::memcmp(&want, &got, sizeof(float)))
          << what << " row " << r << " col " << col << ": want " << want << " got " << got;
    }
    for (size_t r = size_t(p.n_rows); r < p.out_stride; ++r)
      ASSERT_EQ(out[size_t(col) * p.out_stride + r], sentinel) << what << " wrote padding at col " << col;
  }
}

class Gemm : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    if (!isa_level_supported(GetParam())) GTEST_SKIP() << "CPU lacks " << isa_level_requirements(GetParam());
  }
  void TearDown() override { reset_kernels(); }

  // The gemm the dispatcher installs over the peer vec_dot at this level.
  static GemmFn installed(const GemmCase& c) {
    reset_kernels();
    EXPECT_TRUE(install_kernels(c.type, {nullptr, nullptr, c.peer}));
    EXPECT_TRUE(set_isa_level(GetParam()).ok());
    return type_info(c.type)->kernels.gemm;
  }
};

TEST_P(Gemm, InstalledOverThePeerVecDotAndRemovedAtTheScalarLevel) {
  for (const GemmCase& c : kCases) {
    const GemmFn g = installed(c);
    const bool x86 = GetParam() == IsaLevel::kAvx2 || GetParam() == IsaLevel::kAvx512;
    if (x86 && static_cast<int>(GetParam()) >= static_cast<int>(c.first)) {
      EXPECT_NE(g, nullptr) << test::type_name(c.type) << ": no gemm installed";
    } else if (GetParam() == IsaLevel::kScalar) {
      EXPECT_EQ(g, nullptr) << test::type_name(c.type);
    }
    ASSERT_TRUE(set_isa_level(IsaLevel::kScalar).ok());
    EXPECT_EQ(type_info(c.type)->kernels.gemm, nullptr) << test::type_name(c.type);
    EXPECT_EQ(type_info(c.type)->kernels.vec_dot, c.peer) << test::type_name(c.type);
  }
}

TEST_P(Gemm, NotInstalledOverAnotherVecDot) {
  // The portable reference order is not what the gemm kernels reproduce.
  reset_kernels();
  ASSERT_TRUE(set_isa_level(GetParam()).ok());
  for (const GemmCase& c : kCases) EXPECT_EQ(type_info(c.type)->kernels.gemm, nullptr) << test::type_name(c.type);
}

TEST_P(Gemm, EveryOutputBitIdenticalToOneVecDotOverOddSizes) {
  for (const GemmCase& c : kCases) {
    const GemmFn g = installed(c);
    if (g == nullptr) continue;  // no gemm at this level: nothing to compare
    uint32_t seed = 1;
    for (int64_t nb : {1, 2, 3, 7}) {
      for (int64_t n_rows = 1; n_rows <= 17; ++n_rows) {
        for (int64_t n_cols : {1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 16, 23, 70}) {
          const Scales s = (seed % 3 == 0) ? Scales::kRandom : (seed % 3 == 1 ? Scales::kUnit : Scales::kSubnormal);
          const Problem p = make_problem(c.type, nb * kQK, n_rows, n_cols, s, seed++);
          expect_matches(c, g, p,
                         std::string(test::type_name(c.type)) + " n=" + std::to_string(nb * kQK) +
                             " rows=" + std::to_string(n_rows) + " cols=" + std::to_string(n_cols));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST_P(Gemm, LongRowsAndExtremeScales) {
  for (const GemmCase& c : kCases) {
    const GemmFn g = installed(c);
    if (g == nullptr) continue;
    uint32_t seed = 100;
    for (Scales s : {Scales::kMax, Scales::kRandom, Scales::kSubnormal}) {
      for (int64_t nb : {18, 48, 152}) {
        const Problem p = make_problem(c.type, nb * kQK, 17, 9, s, seed++);
        expect_matches(c, g, p, std::string(test::type_name(c.type)) + " nb=" + std::to_string(nb));
        if (HasFatalFailure()) return;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsaLevels, Gemm, ::testing::ValuesIn(kAllIsaLevels),
                         [](const auto& info) { return std::string(isa_level_name(info.param)); });

}  // namespace
}  // namespace ledge::kernels
