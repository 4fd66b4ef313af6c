// AVX2 matrix products (the `gemm` slot) for the 32-block weight types, in
// the peer order of peer_order.h. Compiled with the avx2 level's flags
// (CMakeLists.txt); dispatch.cpp installs them only where the entry's vec_dot
// was the peer function they reproduce. The avx512 level replaces them with
// x86_avx512_gemm.cpp's.
//
// Each output is bit-identical to one peer vec_dot of its weight row and
// activation row: the tiles only decide which (row, column) pairs are
// computed together so that loaded blocks are reused; every pair keeps its
// own float accumulator, updated block after block with the peer's
// operations.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/blocks.h"
#include "kernels/gemm_args.h"
#include "kernels/peer_order.h"
#include "kernels/x86_avx2_helpers.h"
#include "kernels/x86_kernels.h"

namespace ledge::kernels::avx2_gemm {
namespace {

using namespace x86;

using Args = GemmArgs;  // gemm_args.h

using Tile = void (*)(const Args&, int64_t, int64_t);

// Table [R - 1][C - 1] of Tile<R, C> for every shape an edge can leave.
template <template <int, int> class K, int R, int... C>
constexpr auto tile_row(std::integer_sequence<int, C...>) {
  return std::array<Tile, sizeof...(C)>{K<R, C + 1>::run...};
}
template <template <int, int> class K, int NC, int... R>
constexpr auto tile_table(std::integer_sequence<int, R...>) {
  return std::array{tile_row<K, R + 1>(std::make_integer_sequence<int, NC>{})...};
}

// Runs R x C tiles over the whole matrix: column tiles outside, so one
// tile's activation blocks stay in L1 while the caller's (L1-sized) block
// of rows passes over them.
template <template <int, int> class K, int R, int C>
void tiled(const Args& g) {
  static constexpr auto kTiles = tile_table<K, C>(std::make_integer_sequence<int, R>{});
  for (int64_t c0 = 0; c0 < g.n_cols; c0 += C) {
    const int64_t cols = std::min<int64_t>(C, g.n_cols - c0);
    for (int64_t r0 = 0; r0 < g.n_rows; r0 += R) {
      const int64_t rows = std::min<int64_t>(R, g.n_rows - r0);
      kTiles[size_t(rows - 1)][size_t(cols - 1)](g, r0, c0);
    }
  }
}

// ------------------------------------------------------------------- Q8_0
// peer::vec_dot_q8_0_q8_0: per pair 8 float lanes (one per 4 consecutive
// products), lane = fma(d_w * d_a, float(sum), lane) per block, then hsum
// (hsum8's order). One ymm accumulator per pair; the 4-product sums come
// from pmaddubsw on |w| and a carrying w's sign (exact: activation quants
// are never -128), then pmaddwd with ones.
// Weight formats that share the Q8_0 order (8 lanes of 4 products, one fma
// per block and lane, hsum8): each gives its block's quants as signed bytes
// and its fp16 scale d.
struct Q8_0Weights {
  using Block = BlockQ8_0;
  static __m256i quants(const Block& b) { return load256(b.qs); }
};
// Q5_0: q = nibble | bit 4 from qh (0..31), weight q - 16.
struct Q5_0Weights {
  using Block = BlockQ5_0;
  static __m256i quants(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof(qh));
    const __m256i q = _mm256_or_si256(nibbles_32(b.qs), _mm256_and_si256(bytes_from_bits(qh), _mm256_set1_epi8(0x10)));
    return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
  }
};

template <typename W>
struct Q8_0Order {
template <int R, int C>
struct Tile {
  static void run(const Args& g, int64_t r0, int64_t c0) {
    const typename W::Block* w[R];
    const BlockQ8_0* a[C];
    for (int r = 0; r < R; ++r) w[r] = g.w_row<typename W::Block>(r0 + r);
    for (int c = 0; c < C; ++c) a[c] = g.act_row<BlockQ8_0>(c0 + c);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[R][C];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    for (int64_t k = 0; k < g.nb; ++k) {
      __m256i wv[R], wabs[R];
      float dw[R];
      for (int r = 0; r < R; ++r) {
        wv[r] = W::quants(w[r][k]);
        wabs[r] = _mm256_sign_epi8(wv[r], wv[r]);
        dw[r] = half_to_float(w[r][k].d);
      }
      for (int c = 0; c < C; ++c) {
        const __m256i av = load256(a[c][k].qs);
        const float da = half_to_float(a[c][k].d);
        for (int r = 0; r < R; ++r) {
          const __m256i sum = _mm256_madd_epi16(_mm256_maddubs_epi16(wabs[r], _mm256_sign_epi8(av, wv[r])), ones);
          acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dw[r] * da), _mm256_cvtepi32_ps(sum), acc[r][c]);
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) g.store(r0 + r, c0 + c, hsum(acc[r][c]));
  }
};

};

template <typename W>
void gemm_q8_0_order(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                     int64_t n_cols, float* out, size_t out_stride) {
  if (n_rows <= 0 || n_cols <= 0) return;
  const Args g{n / kQK, static_cast<const uint8_t*>(w), w_stride, n_rows, static_cast<const uint8_t*>(act),
               act_stride, n_cols, out, out_stride};
  // 16 ymm registers: 6 accumulators (2 rows x 3 columns) for batches, 4 rows
  // at once for decode.
  if (n_cols == 1)
    tiled<Q8_0Order<W>::template Tile, 4, 1>(g);
  else
    tiled<Q8_0Order<W>::template Tile, 2, 3>(g);
}


// ------------------------------------------------------------------- Q4_0
// peer::vec_dot_q4_0_q8_0 (llama.cpp's repack order): per pair and block one
// exact int32 sum of the 32 products (q - 8) * a, then
// acc = fma(float(sum), d_w * d_a, acc). A tile is 8 pairs whose block sums
// are reduced into the 8 lanes of one ymm (lane k = pair k), so the fma
// chain of each pair is one lane of a vector fma. Products as in the avx2
// vec_dot: pmaddubsw(q, a) - pmaddubsw(8, a) on the unsigned nibbles (int16
// pair sums within [-2032, 3810]), pmaddwd with ones.
template <int R, int C>
struct Q4_0Tile {
  static_assert(R * C == 8);
  static void run(const Args& g, int64_t r0, int64_t c0) {
    const BlockQ4_0* w[R];
    const BlockQ8_0* a[C];
    for (int r = 0; r < R; ++r) w[r] = g.w_row<BlockQ4_0>(r0 + r);
    for (int c = 0; c < C; ++c) a[c] = g.act_row<BlockQ8_0>(c0 + c);
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i eight = _mm256_set1_epi8(8);
    __m256 acc = _mm256_setzero_ps();
    alignas(16) uint16_t dw_half[8], da_half[8];  // pair k = C * r + c
    for (int64_t k = 0; k < g.nb; ++k) {
      __m256i q[R], av[C], off[C];
      for (int r = 0; r < R; ++r) q[r] = nibbles_32(w[r][k].qs);
      for (int c = 0; c < C; ++c) {
        av[c] = load256(a[c][k].qs);
        off[c] = _mm256_maddubs_epi16(eight, av[c]);
      }
      __m256i p[8];
      for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
          p[C * r + c] = _mm256_madd_epi16(_mm256_sub_epi16(_mm256_maddubs_epi16(q[r], av[c]), off[c]), ones);
          dw_half[C * r + c] = w[r][k].d;
          da_half[C * r + c] = a[c][k].d;
        }
      // Transposing reduction: lane k of the result = the 8 lanes of p[k] summed.
      const __m256i h01 = _mm256_hadd_epi32(p[0], p[1]), h23 = _mm256_hadd_epi32(p[2], p[3]);
      const __m256i h45 = _mm256_hadd_epi32(p[4], p[5]), h67 = _mm256_hadd_epi32(p[6], p[7]);
      const __m256i h0123 = _mm256_hadd_epi32(h01, h23), h4567 = _mm256_hadd_epi32(h45, h67);
      const __m256i sums = _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20),
                                            _mm256_permute2x128_si256(h0123, h4567, 0x31));
      const __m256 d = _mm256_mul_ps(_mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(dw_half))),
                                     _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(da_half))));
      acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), d, acc);
    }
    alignas(32) float res[8];
    _mm256_store_ps(res, acc);
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) g.store(r0 + r, c0 + c, res[C * r + c]);
  }
};

void gemm_q4_0(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
               int64_t n_cols, float* out, size_t out_stride) {
  if (n_rows <= 0 || n_cols <= 0) return;
  const Args g{n / kQK, static_cast<const uint8_t*>(w), w_stride, n_rows, static_cast<const uint8_t*>(act),
               act_stride, n_cols, out, out_stride};
  // Full 4-column tiles (2 rows each), then the last 1-3 columns one by one
  // in 8-row tiles (a 2x4 tile there would compute mostly discarded pairs).
  const int64_t full = n_cols / 4 * 4;
  for (int64_t c0 = 0; c0 < full; c0 += 4)
    for (int64_t r0 = 0; r0 < n_rows; r0 += 2) Q4_0Tile<2, 4>::run(g, r0, c0);
  for (int64_t c = full; c < n_cols; ++c)
    for (int64_t r0 = 0; r0 < n_rows; r0 += 8) Q4_0Tile<8, 1>::run(g, r0, c);
}

// ------------------------------------------------------------- Q4_1, Q5_1
// peer::vec_dot_q4_1_q8_1 / _q5_1_q8_1: the 8-lane order on the unsigned
// quants (pmaddubsw takes them as they are: pair sums within +-7874), plus
// the offset term summed separately per pair, summs = summs + m_w * s_a
// (rounded product, then add; the library builds with -ffp-contract=off),
// and hsum8(acc) + summs at the end.
struct Q4_1Weights {
  using Block = BlockQ4_1;
  static __m256i quants(const Block& b) { return nibbles_32(b.qs); }
};
struct Q5_1Weights {
  using Block = BlockQ5_1;
  static __m256i quants(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof(qh));
    return _mm256_or_si256(nibbles_32(b.qs), _mm256_and_si256(bytes_from_bits(qh), _mm256_set1_epi8(0x10)));
  }
};

template <typename W>
struct Q8_1Order {
template <int R, int C>
struct Tile {
  static void run(const Args& g, int64_t r0, int64_t c0) {
    const typename W::Block* w[R];
    const BlockQ8_1* a[C];
    for (int r = 0; r < R; ++r) w[r] = g.w_row<typename W::Block>(r0 + r);
    for (int c = 0; c < C; ++c) a[c] = g.act_row<BlockQ8_1>(c0 + c);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[R][C];
    float summs[R][C];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) {
        acc[r][c] = _mm256_setzero_ps();
        summs[r][c] = 0.0f;
      }
    for (int64_t k = 0; k < g.nb; ++k) {
      __m256i q[R];
      float dw[R], mw[R];
      for (int r = 0; r < R; ++r) {
        q[r] = W::quants(w[r][k]);
        dw[r] = half_to_float(w[r][k].d);
        mw[r] = half_to_float(w[r][k].m);
      }
      for (int c = 0; c < C; ++c) {
        const __m256i av = load256(a[c][k].qs);
        const float da = half_to_float(a[c][k].d);
        const float sa = half_to_float(a[c][k].s);
        for (int r = 0; r < R; ++r) {
          const __m256i sum = _mm256_madd_epi16(_mm256_maddubs_epi16(q[r], av), ones);
          acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dw[r] * da), _mm256_cvtepi32_ps(sum), acc[r][c]);
          const float term = mw[r] * sa;
          summs[r][c] = summs[r][c] + term;
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) g.store(r0 + r, c0 + c, hsum(acc[r][c]) + summs[r][c]);
  }
};
};

template <typename W>
void gemm_q8_1_order(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                     int64_t n_cols, float* out, size_t out_stride) {
  if (n_rows <= 0 || n_cols <= 0) return;
  const Args g{n / kQK, static_cast<const uint8_t*>(w), w_stride, n_rows, static_cast<const uint8_t*>(act),
               act_stride, n_cols, out, out_stride};
  if (n_cols == 1)
    tiled<Q8_1Order<W>::template Tile, 4, 1>(g);
  else
    tiled<Q8_1Order<W>::template Tile, 2, 3>(g);
}

constexpr KernelVariant kVariants[] = {
    {TensorType::Q8_0, {nullptr, nullptr, peer::vec_dot_q8_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_0_order<Q8_0Weights>}},
    {TensorType::Q5_0, {nullptr, nullptr, peer::vec_dot_q5_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_0_order<Q5_0Weights>}},
    {TensorType::Q4_1, {nullptr, nullptr, peer::vec_dot_q4_1_q8_1, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_1_order<Q4_1Weights>}},
    {TensorType::Q5_1, {nullptr, nullptr, peer::vec_dot_q5_1_q8_1, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_1_order<Q5_1Weights>}},
    {TensorType::Q4_0, {nullptr, nullptr, peer::vec_dot_q4_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, gemm_q4_0}},
};

}  // namespace
}  // namespace ledge::kernels::avx2_gemm

namespace ledge::kernels {
std::span<const KernelVariant> avx2_gemm_variants() { return avx2_gemm::kVariants; }
}  // namespace ledge::kernels
