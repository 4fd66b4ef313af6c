// peer_order.h's k-quant models (llama.cpp b10573, x86 AVX-512 build with
// REPACK): the integer parts are checked against an independent decode (the
// scalar dequantizers with unit / zero scales), exactly, on inputs where every
// float step is exact; the float order is checked against the claimed fma
// sequence rebuilt here from those independent integer sums, on random blocks
// with realistic scales, together with proof that the inputs discriminate
// (the nearest alternative order gives a different float for some of them).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/peer_order.h"
#include "kernels/scalar_kernels.h"
#include "kernels/type_traits.h"

namespace ledge::kernels {
namespace {

// --------------------------------------------------------------- test data

template <typename Block>
std::vector<Block> random_blocks(std::mt19937& rng, int nb) {
  std::vector<Block> b(static_cast<size_t>(nb));
  std::uniform_int_distribution<int> byte(0, 255);
  for (Block& blk : b) {
    auto* raw = reinterpret_cast<uint8_t*>(&blk);
    for (size_t i = 0; i < sizeof(Block); ++i) raw[i] = static_cast<uint8_t>(byte(rng));
  }
  return b;
}

// fp16 scale fields: `d` (and `dmin` where the type has one).
template <typename Block>
void set_scales(std::vector<Block>& b, float d, float dmin) {
  for (Block& blk : b) {
    blk.d = fp32_to_fp16(d);
    if constexpr (requires { blk.dmin; }) blk.dmin = fp32_to_fp16(dmin);
  }
}

std::vector<BlockQ8_K> random_act(std::mt19937& rng, int nb, int amax, float d) {
  std::vector<BlockQ8_K> a(static_cast<size_t>(nb));
  std::uniform_int_distribution<int> q(-amax, amax);
  for (BlockQ8_K& blk : a) {
    blk.d = d;
    for (int8_t& x : blk.qs) x = static_cast<int8_t>(q(rng));
    for (int g = 0; g < kQK_K / 16; ++g) {
      int s = 0;
      for (int l = 0; l < 16; ++l) s += blk.qs[16 * g + l];
      blk.bsums[g] = static_cast<int16_t>(s);
    }
  }
  return a;
}

// ---------------------------------------------- independent integer decode

using Dequant = void (*)(const void*, float*, int64_t);

// Per-element integer weights of a row decoded by the scalar dequantizer with
// d = 1 and dmin = 0 (scale * q, the "scale term") and with d = 0, dmin = 1
// (-min, the "mins term"); exact small integers as floats.
template <typename Block>
void int_weights(std::vector<Block> b, Dequant deq, std::vector<int>* sq, std::vector<int>* mins) {
  const int64_t n = int64_t(b.size()) * kQK_K;
  std::vector<float> f(static_cast<size_t>(n));
  set_scales(b, 1.0f, 0.0f);
  deq(b.data(), f.data(), n);
  sq->assign(f.begin(), f.end());
  if (mins != nullptr) {
    set_scales(b, 0.0f, 1.0f);
    deq(b.data(), f.data(), n);
    mins->resize(f.size());
    for (size_t i = 0; i < f.size(); ++i) (*mins)[i] = int(-f[i]);
  }
}

float fp16(uint16_t h) { return fp16_to_fp32(h); }

float hsum8_ref(const float v[8]) {
  // hsum_float_8: (hi + lo), then lanes (0+2, 1+3), then those two.
  const float q0 = v[4] + v[0], q1 = v[5] + v[1], q2 = v[6] + v[2], q3 = v[7] + v[3];
  return (q0 + q2) + (q1 + q3);
}

int avx2_lane(int e) { return (e % 32) / 4; }

// ------------------------------------------- exact where every step is exact

// Unit scales (d = dmin = 1, d_a = 1) and small activations keep every partial
// sum an integer below 2^24: every model must give the exact dot product.
template <typename Block>
void expect_exact(Dequant deq, std::initializer_list<std::function<float(int64_t, const void*, const void*)>> fns,
                  bool has_min) {
  std::mt19937 rng(11);
  for (int rep = 0; rep < 20; ++rep) {
    const int nb = 1 + rep % 3;
    auto w = random_blocks<Block>(rng, nb);
    set_scales(w, 1.0f, has_min ? 1.0f : 0.0f);
    const auto a = random_act(rng, nb, 8, 1.0f);
    std::vector<float> f(static_cast<size_t>(nb) * kQK_K);
    deq(w.data(), f.data(), int64_t(f.size()));
    int64_t exact = 0;
    for (int b = 0; b < nb; ++b)
      for (int e = 0; e < kQK_K; ++e) exact += int64_t(f[size_t(b) * kQK_K + e]) * a[size_t(b)].qs[e];
    ASSERT_LT(std::llabs(exact), 1 << 24);
    for (const auto& fn : fns) EXPECT_EQ(fn(int64_t(nb) * kQK_K, w.data(), a.data()), float(exact)) << "rep " << rep;
  }
}

TEST(PeerKQuant, IntegerPartsAreExact) {
  expect_exact<BlockQ2_K>(scalar::dequantize_row_q2_k, {peer::vec_dot_q2_k_q8_k, peer::gemm_dot_q2_k_q8_k}, true);
  expect_exact<BlockQ3_K>(scalar::dequantize_row_q3_k, {peer::vec_dot_q3_k_q8_k}, false);
  expect_exact<BlockQ4_K>(scalar::dequantize_row_q4_k, {peer::vec_dot_q4_k_q8_k, peer::gemm_dot_q4_k_q8_k}, true);
  expect_exact<BlockQ5_K>(scalar::dequantize_row_q5_k, {peer::vec_dot_q5_k_q8_k}, true);
  expect_exact<BlockQ6_K>(scalar::dequantize_row_q6_k, {peer::vec_dot_q6_k_q8_k}, false);
}

// ------------------------------------------------ repack GEMV / GEMM order

// The repack kernels' order rebuilt from the independent integer sums: per
// block, `parts` equal parts each add fma(isum, d_w*d_a) to acc and
// fma(msum, dmin_w*d_a) to macc; result acc - macc.
template <typename Block>
float repack_ref(const std::vector<Block>& w, const std::vector<BlockQ8_K>& a, const std::vector<int>& sq,
                 const std::vector<int>& mins, int parts) {
  float acc = 0, macc = 0;
  const int len = kQK_K / parts;
  for (size_t b = 0; b < w.size(); ++b) {
    const float d = fp16(w[b].d) * a[b].d;
    const float dmin = fp16(w[b].dmin) * a[b].d;
    for (int p = 0; p < parts; ++p) {
      int32_t isum = 0, msum = 0;
      for (int e = p * len; e < (p + 1) * len; ++e) {
        isum += sq[b * kQK_K + e] * a[b].qs[e];
        msum += mins[b * kQK_K + e] * a[b].qs[e];
      }
      acc = std::fma(float(isum), d, acc);
      macc = std::fma(float(msum), dmin, macc);
    }
  }
  return acc - macc;
}

template <typename Block>
void check_repack(Dequant deq, VecDotFn gemv, VecDotFn gemm_dot, int gemm_parts) {
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> ds(1e-3f, 5e-3f), da(1e-3f, 2e-2f);
  int gemv_vs_gemm_differ = 0;
  for (int rep = 0; rep < 200; ++rep) {
    const int nb = 1 + rep % 4;
    auto w = random_blocks<Block>(rng, nb);
    set_scales(w, ds(rng), ds(rng));
    const auto a = random_act(rng, nb, 127, da(rng));
    std::vector<int> sq, mins;
    int_weights(w, deq, &sq, &mins);
    const int64_t n = int64_t(nb) * kQK_K;
    const float want_gemv = repack_ref(w, a, sq, mins, 1);
    const float want_gemm = repack_ref(w, a, sq, mins, gemm_parts);
    const float got_gemv = gemv(n, w.data(), a.data());
    const float got_gemm = gemm_dot(n, w.data(), a.data());
    ASSERT_EQ(0, std::memcmp(&want_gemv, &got_gemv, 4)) << "rep " << rep << " " << want_gemv << " vs " << got_gemv;
    ASSERT_EQ(0, std::memcmp(&want_gemm, &got_gemm, 4)) << "rep " << rep << " " << want_gemm << " vs " << got_gemm;
    gemv_vs_gemm_differ += want_gemv != want_gemm;
  }
  // The inputs discriminate: per-part accumulation is a different float often.
  EXPECT_GT(gemv_vs_gemm_differ, 20);
}

TEST(PeerKQuant, Q4KRepackOrders) {
  check_repack<BlockQ4_K>(scalar::dequantize_row_q4_k, peer::vec_dot_q4_k_q8_k, peer::gemm_dot_q4_k_q8_k, 4);
}

TEST(PeerKQuant, Q2KRepackOrders) {
  check_repack<BlockQ2_K>(scalar::dequantize_row_q2_k, peer::vec_dot_q2_k_q8_k, peer::gemm_dot_q2_k_q8_k, 2);
}

// The gemm slot: GEMM order for the first n_cols - n_cols % 4 activation rows,
// GEMV order for the rest; out[c * out_stride + r].
TEST(PeerKQuant, GemmSlotSplitsColumnsLikeThePeer) {
  std::mt19937 rng(5);
  const int nb = 3, n_rows = 5;
  const int64_t n = nb * kQK_K;
  std::vector<BlockQ4_K> w;
  for (int r = 0; r < n_rows; ++r) {
    auto row = random_blocks<BlockQ4_K>(rng, nb);
    set_scales(row, 3e-3f, 2e-3f);
    w.insert(w.end(), row.begin(), row.end());
  }
  for (int n_cols : {1, 3, 4, 6, 9}) {
    std::vector<BlockQ8_K> a;
    for (int c = 0; c < n_cols; ++c) {
      const auto row = random_act(rng, nb, 127, 0.01f + 0.001f * c);
      a.insert(a.end(), row.begin(), row.end());
    }
    const size_t out_stride = n_rows + 2;
    std::vector<float> out(size_t(n_cols) * out_stride, -1.0f);
    peer::gemm_q4_k_q8_k(n, w.data(), nb * sizeof(BlockQ4_K), n_rows, a.data(), nb * sizeof(BlockQ8_K), n_cols,
                         out.data(), out_stride);
    const int n_gemm = n_cols - n_cols % 4;
    for (int c = 0; c < n_cols; ++c) {
      for (int r = 0; r < n_rows; ++r) {
        const void* wr = w.data() + r * nb;
        const void* ac = a.data() + c * nb;
        const float want = c < n_gemm ? peer::gemm_dot_q4_k_q8_k(n, wr, ac) : peer::vec_dot_q4_k_q8_k(n, wr, ac);
        EXPECT_EQ(0, std::memcmp(&want, &out[size_t(c) * out_stride + r], 4)) << "n_cols " << n_cols << " c " << c;
      }
      EXPECT_EQ(out[size_t(c) * out_stride + n_rows], -1.0f);  // padding untouched
    }
  }
}

// Q3_K / Q5_K / Q6_K have no batched kernel at the peer: their gemm slot is
// one vec_dot per output, whatever the number of columns.
TEST(PeerKQuant, LaneTypesGemmIsOneVecDotPerOutput) {
  struct Case {
    VecDotFn dot;
    GemmFn gemm;
    size_t block_bytes;
  };
  const Case cases[] = {{peer::vec_dot_q3_k_q8_k, peer::gemm_q3_k_q8_k, sizeof(BlockQ3_K)},
                        {peer::vec_dot_q5_k_q8_k, peer::gemm_q5_k_q8_k, sizeof(BlockQ5_K)},
                        {peer::vec_dot_q6_k_q8_k, peer::gemm_q6_k_q8_k, sizeof(BlockQ6_K)}};
  std::mt19937 rng(9);
  const int nb = 2, n_rows = 3, n_cols = 6;
  for (const Case& c : cases) {
    std::vector<uint8_t> w(size_t(n_rows * nb) * c.block_bytes);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : w) b = uint8_t(byte(rng));
    // Sane fp16 scales: the d field is the last 2 bytes (Q3_K, Q6_K) or the
    // first 2 (Q5_K, with dmin after it).
    for (int i = 0; i < n_rows * nb; ++i) {
      uint8_t* blk = w.data() + size_t(i) * c.block_bytes;
      const uint16_t h = fp32_to_fp16(2e-3f);
      if (c.block_bytes == sizeof(BlockQ5_K)) {
        std::memcpy(blk, &h, 2);
        std::memcpy(blk + 2, &h, 2);
      } else {
        std::memcpy(blk + c.block_bytes - 2, &h, 2);
      }
    }
    const auto a = random_act(rng, n_cols * nb, 127, 0.02f);
    std::vector<float> out(size_t(n_cols) * n_rows);
    c.gemm(nb * kQK_K, w.data(), nb * c.block_bytes, n_rows, a.data(), nb * sizeof(BlockQ8_K), n_cols, out.data(),
           n_rows);
    for (int col = 0; col < n_cols; ++col)
      for (int r = 0; r < n_rows; ++r) {
        const float want = c.dot(nb * kQK_K, w.data() + size_t(r * nb) * c.block_bytes, a.data() + col * nb);
        EXPECT_EQ(0, std::memcmp(&want, &out[size_t(col) * n_rows + r], 4));
      }
  }
}

// ----------------------------------------------------- AVX2 vec_dot lanes

// Lane sums rebuilt from the independent decode: lane (e % 32) / 4 holds
// (scale term) * a; Q6_K's -32 offset enters through the bsums of sub-blocks
// 2k and 2k+1 in lane k (the peer's q8sclsub), not per element.
enum class Offset { kNone, kQ6Bsums, kQ6PerElement };

template <typename Block>
float lanes_ref(const std::vector<Block>& w, const std::vector<BlockQ8_K>& a, const std::vector<int>& sq,
                const std::vector<int>* mins, Offset off) {
  float acc[8] = {};
  float summs = 0;
  for (size_t b = 0; b < w.size(); ++b) {
    int32_t lane[8] = {};
    for (int e = 0; e < kQK_K; ++e) {
      int wq = sq[b * kQK_K + e];
      if constexpr (std::is_same_v<Block, BlockQ6_K>)
        if (off == Offset::kQ6Bsums) wq += 32 * w[b].scales[e / 16];  // unsigned quant
      lane[avx2_lane(e)] += wq * a[b].qs[e];
    }
    if constexpr (std::is_same_v<Block, BlockQ6_K>)
      if (off == Offset::kQ6Bsums)
        for (int k = 0; k < 8; ++k)
          lane[k] -= 32 * (w[b].scales[2 * k] * a[b].bsums[2 * k] + w[b].scales[2 * k + 1] * a[b].bsums[2 * k + 1]);
    const float d = a[b].d * fp16(w[b].d);
    for (int k = 0; k < 8; ++k) acc[k] = std::fma(d, float(lane[k]), acc[k]);
    if (mins != nullptr) {
      int32_t msum = 0;
      for (int e = 0; e < kQK_K; ++e) msum += (*mins)[b * kQK_K + e] * a[b].qs[e];
      if constexpr (requires { w[b].dmin; }) summs += (fp16(w[b].dmin) * a[b].d) * float(msum);
    }
  }
  return hsum8_ref(acc) - summs;
}

template <typename Block>
void check_lanes(Dequant deq, VecDotFn fn, bool has_min, Offset off, Offset alternative) {
  std::mt19937 rng(31);
  std::uniform_real_distribution<float> ds(1e-3f, 5e-3f), da(1e-3f, 2e-2f);
  int differ = 0;
  for (int rep = 0; rep < 200; ++rep) {
    const int nb = 1 + rep % 4;
    auto w = random_blocks<Block>(rng, nb);
    set_scales(w, ds(rng), ds(rng));
    const auto a = random_act(rng, nb, 127, da(rng));
    std::vector<int> sq, mins;
    int_weights(w, deq, &sq, has_min ? &mins : nullptr);
    const float want = lanes_ref(w, a, sq, has_min ? &mins : nullptr, off);
    const float got = fn(int64_t(nb) * kQK_K, w.data(), a.data());
    ASSERT_EQ(0, std::memcmp(&want, &got, 4)) << "rep " << rep << " " << want << " vs " << got;
    differ += want != lanes_ref(w, a, sq, has_min ? &mins : nullptr, alternative);
  }
  if (off != alternative) {
    EXPECT_GT(differ, 5);
  }
}

TEST(PeerKQuant, Q3KAvx2Lanes) {
  check_lanes<BlockQ3_K>(scalar::dequantize_row_q3_k, peer::vec_dot_q3_k_q8_k, false, Offset::kNone, Offset::kNone);
}

TEST(PeerKQuant, Q5KAvx2LanesAndSeparateMins) {
  check_lanes<BlockQ5_K>(scalar::dequantize_row_q5_k, peer::vec_dot_q5_k_q8_k, true, Offset::kNone, Offset::kNone);
}

TEST(PeerKQuant, Q6KAvx2LanesWithTheOffsetThroughBsums) {
  check_lanes<BlockQ6_K>(scalar::dequantize_row_q6_k, peer::vec_dot_q6_k_q8_k, false, Offset::kQ6Bsums,
                         Offset::kQ6PerElement);
}

// A lane model is not the per-block total: for one block, d * lane summed over
// lanes differs from d * (sum of lanes) on these inputs.
TEST(PeerKQuant, LanesAreNotThePerBlockTotal) {
  std::mt19937 rng(3);
  int differ = 0;
  for (int rep = 0; rep < 100; ++rep) {
    auto w = random_blocks<BlockQ3_K>(rng, 2);
    set_scales(w, 2.7e-3f, 0.0f);
    const auto a = random_act(rng, 2, 127, 7.3e-3f);
    std::vector<int> sq;
    int_weights(w, scalar::dequantize_row_q3_k, &sq, nullptr);
    float total = 0;
    for (size_t b = 0; b < 2; ++b) {
      int32_t s = 0;
      for (int e = 0; e < kQK_K; ++e) s += sq[b * kQK_K + e] * a[b].qs[e];
      total += (a[b].d * fp16(w[b].d)) * float(s);
    }
    differ += total != peer::vec_dot_q3_k_q8_k(2 * kQK_K, w.data(), a.data());
  }
  EXPECT_GT(differ, 10);
}

}  // namespace
}  // namespace ledge::kernels
