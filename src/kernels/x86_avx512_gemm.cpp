// AVX-512 VNNI matrix products (the `gemm` slot) for the 32-block weight
// types, in the peer order of peer_order.h. Compiled with the avx512 level's
// flags (CMakeLists.txt); dispatch.cpp installs them only where the entry's
// vec_dot was the peer function they reproduce.
//
// Each output is bit-identical to one peer vec_dot of its weight row and
// activation row: the tiles below only decide which (row, column) pairs share
// a register and which loads are reused; every pair keeps its own float
// accumulator, updated block after block with the peer's exact operations.
//
// Integer dots: vpdpbusd multiplies unsigned by signed bytes and adds each
// group of 4 products into an int32 lane, without saturation. Signed x signed
// goes through a bias: w * a = (w + 128) * a - 128 * a, where w + 128 = w ^ 0x80
// as an unsigned byte, and the correction 128 * a (a per-activation sum of 4)
// seeds the accumulator negated. Exact for every int8 input.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/gemm_args.h"
#include "kernels/peer_order.h"
#include "kernels/x86_avx2_helpers.h"
#include "kernels/x86_kernels.h"

namespace ledge::kernels::avx512_gemm {
namespace {

using namespace x86;

using Args = GemmArgs;  // gemm_args.h

inline __m512i join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
inline __m512 join_ps(__m256 lo, __m256 hi) {
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}
inline __m256 high_ps(__m512 v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }

// -128 * (4-element sums of a), per int32 lane: the vpdpbusd seed that
// undoes the +128 bias of the weights.
inline __m512i bias_seed(__m512i a) {
  return _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(char(0x80)), a));
}

// ------------------------------------------------------------------- Q8_0
// peer::vec_dot_q8_0_q8_0: per pair 8 float lanes (one per 4 elements),
// lane = fma(d_w * d_a, float(4-product sum), lane) per block, hsum8 at the
// end (hsum: high + low half, then pairs, then the last two: hsum8's order).
//
// A zmm holds two pairs, 8 lanes each. Batches: pairs (r, c) and (r, c + 1),
// the weight block broadcast to both halves; R rows x 2*CP columns per tile,
// so each weight block is loaded once per 2*CP columns and each activation
// block once per R rows. Decode (one column): pairs (r, c) and (r + 1, c).


// Weight formats that share the Q8_0 order (8 lanes of 4 products, one fma
// per block and lane, hsum8): each gives its block's quants + 128 as
// unsigned bytes (so w * a = u * a - 128 * a exactly) and its fp16 scale d.
struct Q8_0Weights {
  using Block = BlockQ8_0;
  static __m256i biased(const Block& b) { return _mm256_xor_si256(load256(b.qs), _mm256_set1_epi8(char(0x80))); }
};
// Q5_0: q = nibble | bit 4 from qh (0..31), weight q - 16, so u = q + 112.
struct Q5_0Weights {
  using Block = BlockQ5_0;
  static __m256i biased(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof(qh));
    const __m256i q = _mm256_mask_add_epi8(nibbles_32(b.qs), static_cast<__mmask32>(qh), nibbles_32(b.qs),
                                           _mm256_set1_epi8(16));
    return _mm256_add_epi8(q, _mm256_set1_epi8(112));
  }
};

// What a batch tile needs of one column pair and block, prepared once per
// gemm call and column tile (and reused by every row of the call): the two
// activation blocks as one zmm, the bias seed, and the two scales as floats.
struct Q8ColPair {
  __m512i a;
  __m512i seed;
  __m512 d;
};

// Column tile [c0, c0 + 2 * cp) -> pack[k * cp + j], j = column pair.
void pack_q8_0_cols(const Args& g, int64_t c0, int cp, Q8ColPair* pack) {
  for (int j = 0; j < cp; ++j) {
    const BlockQ8_0* lo = g.act_row<BlockQ8_0>(c0 + 2 * j);
    const BlockQ8_0* hi = g.act_row<BlockQ8_0>(c0 + 2 * j + 1);
    for (int64_t k = 0; k < g.nb; ++k) {
      Q8ColPair& p = pack[size_t(k) * size_t(cp) + size_t(j)];
      p.a = join(load256(lo[k].qs), load256(hi[k].qs));
      p.seed = bias_seed(p.a);
      p.d = join_ps(_mm256_set1_ps(half_to_float(lo[k].d)), _mm256_set1_ps(half_to_float(hi[k].d)));
    }
  }
}

// R rows x CP column pairs; dw = the rows' weight scales as floats, [R][nb].
template <typename W, int R, int CP>
void q8_0_tile_cols(const Args& g, int64_t r0, int64_t c0, const Q8ColPair* pack, const float* dw) {
  const typename W::Block* w[R];
  for (int r = 0; r < R; ++r) w[r] = g.w_row<typename W::Block>(r0 + r);
  __m512 acc[R][CP];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < CP; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t k = 0; k < g.nb; ++k) {
    __m512i wu[R];
    for (int r = 0; r < R; ++r) wu[r] = _mm512_broadcast_i64x4(W::biased(w[r][k]));
    const Q8ColPair* cols = pack + size_t(k) * CP;
    for (int j = 0; j < CP; ++j) {
      const __m512i av = cols[j].a;
      const __m512i seed = cols[j].seed;
      const __m512 da = cols[j].d;
      for (int r = 0; r < R; ++r) {
        const __m512 lane = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(seed, wu[r], av));
        acc[r][j] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_set1_ps(dw[size_t(r) * size_t(g.nb) + size_t(k)]), da), lane,
                                    acc[r][j]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < CP; ++j) {
      g.store(r0 + r, c0 + 2 * j, hsum(_mm512_castps512_ps256(acc[r][j])));
      g.store(r0 + r, c0 + 2 * j + 1, hsum(high_ps(acc[r][j])));
    }
}

// One column, RP pairs of rows.
template <typename W, int RP>
void q8_0_tile_rows(const Args& g, int64_t r0, int64_t c) {
  const typename W::Block* w[2 * RP];
  for (int r = 0; r < 2 * RP; ++r) w[r] = g.w_row<typename W::Block>(r0 + r);
  const BlockQ8_0* a = g.act_row<BlockQ8_0>(c);
  const size_t pf = 4 * RP * g.w_stride;  // bytes to the same block two row tiles ahead
  __m512 acc[RP];
  for (int j = 0; j < RP; ++j) acc[j] = _mm512_setzero_ps();
  for (int64_t k = 0; k < g.nb; ++k) {
    const __m512i av = _mm512_broadcast_i64x4(load256(a[k].qs));
    const __m512i seed = bias_seed(av);
    const __m512 da = _mm512_set1_ps(half_to_float(a[k].d));
    for (int j = 0; j < RP; ++j) {
      const auto& lo = w[2 * j][k];
      const auto& hi = w[2 * j + 1][k];
      // Decode streams every weight once from DRAM: fetch the same blocks two
      // row tiles ahead into L2 now. Into L2, not L1: an L1 prefetch holds one
      // of the few L1 miss buffers for the whole DRAM latency, which capped a
      // thread at ~7.5 GB/s; L2 has many more (tg128 135M Q8_0 -t 2: ~105 ->
      // ~165 t/s side by side).
      _mm_prefetch(reinterpret_cast<const char*>(&lo) + pf, _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(&hi) + pf, _MM_HINT_T1);
      const __m512i wu = join(W::biased(lo), W::biased(hi));
      // Both halves' fp16 scales broadcast, then one conversion (exact).
      const __m512 dw = _mm512_cvtph_ps(_mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_set1_epi16(static_cast<short>(lo.d))), _mm_set1_epi16(static_cast<short>(hi.d)), 1));
      const __m512 lane = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(seed, wu, av));
      acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(dw, da), lane, acc[j]);
    }
  }
  for (int j = 0; j < RP; ++j) {
    g.store(r0 + 2 * j, c, hsum(_mm512_castps512_ps256(acc[j])));
    g.store(r0 + 2 * j + 1, c, hsum(high_ps(acc[j])));
  }
}

constexpr int kQ8Rows = 4;       // rows per batch tile
constexpr int kQ8ColPairs = 3;   // column pairs per batch tile (6 columns)
constexpr int kQ8RowPairs = 4;   // row pairs per decode tile (8 rows)

using Tile = void (*)(const Args&, int64_t, int64_t);
using PackedTile = void (*)(const Args&, int64_t, int64_t, const Q8ColPair*, const float*);

template <typename W, int R, int... CP>
constexpr auto q8_0_cols_row(std::integer_sequence<int, CP...>) {
  return std::array<PackedTile, sizeof...(CP)>{q8_0_tile_cols<W, R, CP + 1>...};
}
template <typename W, int... R>
constexpr auto q8_0_cols_table(std::integer_sequence<int, R...>) {
  return std::array{q8_0_cols_row<W, R + 1>(std::make_integer_sequence<int, kQ8ColPairs>{})...};
}
template <typename W, int... RP>
constexpr auto q8_0_rows_table(std::integer_sequence<int, RP...>) {
  return std::array<Tile, sizeof...(RP)>{q8_0_tile_rows<W, RP + 1>...};
}

template <typename W>
void gemm_q8_0_order(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                     int64_t n_cols, float* out, size_t out_stride) {
  // [R - 1][CP - 1] / [RP - 1]: every tile shape a matrix edge can leave.
  static constexpr auto kQ8ColTiles = q8_0_cols_table<W>(std::make_integer_sequence<int, kQ8Rows>{});
  static constexpr auto kQ8RowTiles = q8_0_rows_table<W>(std::make_integer_sequence<int, kQ8RowPairs>{});
  if (n_rows <= 0 || n_cols <= 0) return;
  const Args g{n / kQK, static_cast<const uint8_t*>(w), w_stride, n_rows, static_cast<const uint8_t*>(act),
               act_stride, n_cols, out, out_stride};
  if (n_cols == 1) {
    for (int64_t r0 = 0; r0 < n_rows; r0 += 2 * kQ8RowPairs) {
      const int64_t pairs = std::min<int64_t>(kQ8RowPairs, (n_rows - r0 + 1) / 2);
      kQ8RowTiles[size_t(pairs - 1)](g, r0, 0);
    }
    return;
  }
  // Per call: the weight scales as floats; per column tile: its packed
  // column pairs. Column tiles outside, so one tile's pack stays in L1 while
  // every row of the (caller-sized, L1-resident) row block passes over it.
  // Scratch grows once per thread and is reused.
  thread_local std::vector<float> t_dw;                   // [n_rows][nb]
  thread_local std::vector<Q8ColPair> t_pack;             // [nb][kQ8ColPairs]
  t_dw.resize(size_t(n_rows) * size_t(g.nb));
  t_pack.resize(size_t(g.nb) * kQ8ColPairs);
  for (int64_t r = 0; r < n_rows; ++r) {
    const typename W::Block* wr = g.w_row<typename W::Block>(r);
    for (int64_t k = 0; k < g.nb; ++k) t_dw[size_t(r) * size_t(g.nb) + size_t(k)] = half_to_float(wr[k].d);
  }
  for (int64_t c0 = 0; c0 < n_cols; c0 += 2 * kQ8ColPairs) {
    const int cp = int(std::min<int64_t>(kQ8ColPairs, (n_cols - c0 + 1) / 2));
    pack_q8_0_cols(g, c0, cp, t_pack.data());
    for (int64_t r0 = 0; r0 < n_rows; r0 += kQ8Rows) {
      const int64_t rows = std::min<int64_t>(kQ8Rows, n_rows - r0);
      kQ8ColTiles[size_t(rows - 1)][size_t(cp - 1)](g, r0, c0, t_pack.data(), t_dw.data() + size_t(r0) * size_t(g.nb));
    }
  }
}

// ------------------------------------------------------------------- Q4_0
// peer::vec_dot_q4_0_q8_0 (llama.cpp's repack order): per pair and block one
// exact int32 sum s of the 32 products (q - 8) * a, then
// acc = fma(float(s), d_w * d_a, acc). A tile is 16 pairs: their block sums
// are reduced into the 16 lanes of one zmm, so the fma chain of each pair is
// one lane of a vector fma.
//
// Eight products per block, each a zmm holding two pairs. Byte layout of a
// product (128-bit quarters): [pair A elements 0-15 | pair B 0-15 | A 16-31 |
// B 16-31], so low and high nibbles of a weight block sit in different
// quarters without shuffling bytes. The -8 offset: sum (q - 8) a =
// dpbusd(q, a) - dpbusd(8, a), the second term as the seed.
//
// Pair A of product v lands in lane lane_of(v, 0), pair B in lane_of(v, 1)
// (see reduce8).
constexpr int lane_of(int v, int half) { return 4 * (2 * (v / 4) + half) + v % 4; }

// Sums each pair's 32 products (two 4-lane groups of 4-product sums) of
// eight products into one vector of 16 pair sums. Integer adds: exact in any
// order.
inline __m512i reduce8(const __m512i v[8]) {
  __m512i t[4];
  for (int i = 0; i < 4; ++i)
    t[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]));
  // s0 quarter q: sums of quarter q of v0..v3 (lanes 0-3); s1 likewise v4..v7.
  const __m512i s0 = _mm512_add_epi32(_mm512_unpacklo_epi64(t[0], t[1]), _mm512_unpackhi_epi64(t[0], t[1]));
  const __m512i s1 = _mm512_add_epi32(_mm512_unpacklo_epi64(t[2], t[3]), _mm512_unpackhi_epi64(t[2], t[3]));
  // Quarters 0 + 2 are pair A, 1 + 3 pair B.
  return _mm512_add_epi32(_mm512_shuffle_i32x4(s0, s1, _MM_SHUFFLE(1, 0, 1, 0)),
                          _mm512_shuffle_i32x4(s0, s1, _MM_SHUFFLE(3, 2, 3, 2)));
}

// Weight block as unsigned nibbles for quarters [lo | lo | hi | hi] of a
// product whose two pairs share the row.
inline __m512i q4_row_shared(const BlockQ4_0& b) {
  const __m512i q = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
  return _mm512_and_si512(_mm512_mask_srli_epi16(q, 0xFFFF0000u, q, 4), _mm512_set1_epi8(0x0f));
}
// Two rows' blocks as [x lo | y lo | x hi | y hi].
inline __m512i q4_row_pair(const BlockQ4_0& x, const BlockQ4_0& y) {
  const __m256i xy = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.qs))),
                                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(y.qs)), 1);
  const __m512i q = _mm512_broadcast_i64x4(xy);
  return _mm512_and_si512(_mm512_mask_srli_epi16(q, 0xFFFF0000u, q, 4), _mm512_set1_epi8(0x0f));
}
// Activation quarters for pairs sharing the column: [lo | lo | hi | hi].
inline __m512i act_shared(const BlockQ8_0& a) {
  const __m512i v = _mm512_broadcast_i64x4(load256(a.qs));
  return _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(1, 1, 0, 0));
}
// Two columns: [c lo | e lo | c hi | e hi].
inline __m512i act_pair(const BlockQ8_0& c, const BlockQ8_0& e) {
  const __m512i v = join(load256(c.qs), load256(e.qs));  // [c lo | c hi | e lo | e hi]
  return _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(3, 1, 2, 0));
}
inline __m512i offset_seed(__m512i a) {
  return _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(8), a));
}

// Batches: 4 rows x 4 columns; product v = 4j + r holds (r, 2j) and
// (r, 2j + 1), so lane_of gives lane 4 * column + row. What a tile needs of
// its 4 columns and one block is packed once per gemm call and column tile
// (reused by every row of the call); the rows' scales are converted once per
// call, [nb][n_rows + 4] (4 readable floats from each row).
struct Q4Cols {
  __m512i a[2];     // column pairs (0, 1) and (2, 3), quarters [lo | lo' | hi | hi']
  __m512i seed[2];  // their -8 * sum(a) seeds
  __m512 d;         // lane 4c + r: d_a of column c
};

void pack_q4_0_cols(const Args& g, int64_t c0, Q4Cols* pack) {
  const BlockQ8_0* a[4];
  for (int c = 0; c < 4; ++c) a[c] = g.act_row<BlockQ8_0>(c0 + c);
  const __m512i by_col = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  for (int64_t k = 0; k < g.nb; ++k) {
    Q4Cols& p = pack[k];
    for (int j = 0; j < 2; ++j) {
      p.a[j] = act_pair(a[2 * j][k], a[2 * j + 1][k]);
      p.seed[j] = offset_seed(p.a[j]);
    }
    const __m128 da = _mm_cvtph_ps(_mm_setr_epi16(short(a[0][k].d), short(a[1][k].d), short(a[2][k].d),
                                                  short(a[3][k].d), 0, 0, 0, 0));
    p.d = _mm512_permutexvar_ps(by_col, _mm512_castps128_ps512(da));
  }
}

void q4_0_tile_4x4(const Args& g, int64_t r0, const Q4Cols* pack, const float* dw, size_t dw_stride,
                   int64_t c0) {
  const BlockQ4_0* w[4];
  for (int r = 0; r < 4; ++r) w[r] = g.w_row<BlockQ4_0>(r0 + r);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t k = 0; k < g.nb; ++k) {
    const Q4Cols& cols = pack[k];
    __m512i wq[4];
    for (int r = 0; r < 4; ++r) wq[r] = q4_row_shared(w[r][k]);
    __m512i p[8];
    for (int j = 0; j < 2; ++j)
      for (int r = 0; r < 4; ++r) p[4 * j + r] = _mm512_dpbusd_epi32(cols.seed[j], wq[r], cols.a[j]);
    const __m512i sums = reduce8(p);
    // Lane 4c + r: d_w of row r times d_a of column c.
    const __m512 dwv = _mm512_broadcast_f32x4(_mm_loadu_ps(dw + size_t(k) * dw_stride));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_mul_ps(dwv, cols.d), acc);
  }
  alignas(64) float res[16];
  _mm512_store_ps(res, acc);
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 4; ++r) g.store(r0 + r, c0 + c, res[4 * c + r]);
}

// One column, 16 rows: product v holds rows 2v and 2v + 1.
void q4_0_tile_16x1(const Args& g, int64_t r0, int64_t c) {
  const BlockQ4_0* w[16];
  for (int r = 0; r < 16; ++r) w[r] = g.w_row<BlockQ4_0>(r0 + r);
  const BlockQ8_0* a = g.act_row<BlockQ8_0>(c);
  const size_t pf = 32 * g.w_stride;  // bytes to the same block two row tiles ahead (see q8_0_tile_rows)
  __m512 acc = _mm512_setzero_ps();
  alignas(32) uint16_t dw_half[16];  // lane order
  for (int64_t k = 0; k < g.nb; ++k) {
    const __m512i av = act_shared(a[k]);
    const __m512i seed = offset_seed(av);
    __m512i p[8];
    for (int r = 0; r < 16; ++r) _mm_prefetch(reinterpret_cast<const char*>(&w[r][k]) + pf, _MM_HINT_T1);
    for (int v = 0; v < 8; ++v) {
      p[v] = _mm512_dpbusd_epi32(seed, q4_row_pair(w[2 * v][k], w[2 * v + 1][k]), av);
      dw_half[lane_of(v, 0)] = w[2 * v][k].d;
      dw_half[lane_of(v, 1)] = w[2 * v + 1][k].d;
    }
    const __m512i sums = reduce8(p);
    const __m512 d = _mm512_mul_ps(_mm512_cvtph_ps(load256(dw_half)), _mm512_set1_ps(half_to_float(a[k].d)));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), d, acc);
  }
  alignas(64) float res[16];
  _mm512_store_ps(res, acc);
  for (int v = 0; v < 8; ++v) {
    g.store(r0 + 2 * v, c, res[lane_of(v, 0)]);
    g.store(r0 + 2 * v + 1, c, res[lane_of(v, 1)]);
  }
}

void gemm_q4_0(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
               int64_t n_cols, float* out, size_t out_stride) {
  if (n_rows <= 0 || n_cols <= 0) return;
  const Args g{n / kQK, static_cast<const uint8_t*>(w), w_stride, n_rows, static_cast<const uint8_t*>(act),
               act_stride, n_cols, out, out_stride};
  // Full 4-column tiles, then the last 1-3 columns one by one (a 4x4 tile
  // there would compute mostly discarded pairs).
  const int64_t full = n_cols / 4 * 4;
  if (full > 0) {
    thread_local std::vector<float> t_dw;      // [nb][n_rows + 4]
    thread_local std::vector<Q4Cols> t_pack;   // [nb]
    const size_t dw_stride = size_t(n_rows) + 4;
    t_dw.assign(size_t(g.nb) * dw_stride, 0.0f);
    t_pack.resize(size_t(g.nb));
    for (int64_t r = 0; r < n_rows; ++r) {
      const BlockQ4_0* wr = g.w_row<BlockQ4_0>(r);
      for (int64_t k = 0; k < g.nb; ++k) t_dw[size_t(k) * dw_stride + size_t(r)] = half_to_float(wr[k].d);
    }
    for (int64_t c0 = 0; c0 < full; c0 += 4) {
      pack_q4_0_cols(g, c0, t_pack.data());
      for (int64_t r0 = 0; r0 < n_rows; r0 += 4) q4_0_tile_4x4(g, r0, t_pack.data(), t_dw.data() + r0, dw_stride, c0);
    }
  }
  for (int64_t c = full; c < n_cols; ++c)
    for (int64_t r0 = 0; r0 < n_rows; r0 += 16) q4_0_tile_16x1(g, r0, c);
}

// ------------------------------------------------------------- Q4_1, Q5_1
// peer::vec_dot_q4_1_q8_1 / _q5_1_q8_1: the 8-lane Q8_0 order on the
// unsigned quants (no bias: vpdpbusd takes them as they are), plus the offset
// term summed separately, summs = summs + m_w * s_a (rounded product, then
// add) block after block, and hsum8(acc) + summs at the end.
//
// Same pair layout as Q8_0. The offset sums of a batch tile's 4 x 6 pairs
// are kept dense: lane 4r + c of `lo` for columns 0-3, lane 2r + c - 4 of
// `hi` for columns 4-5, one multiply and one add per 16 pairs and block.
struct Q4_1Weights {
  using Block = BlockQ4_1;
  static __m256i quants(const Block& b) { return nibbles_32(b.qs); }
};
struct Q5_1Weights {
  using Block = BlockQ5_1;
  static __m256i quants(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof(qh));
    return _mm256_mask_add_epi8(nibbles_32(b.qs), static_cast<__mmask32>(qh), nibbles_32(b.qs), _mm256_set1_epi8(16));
  }
};

struct Q81ColPair {
  __m512i a;  // two activation blocks
  __m512 d;   // their scales, 8 lanes each
};
struct Q81ColSums {
  __m512 s4;  // s_a of columns 0-3, repeated 4 times
  __m512 s2;  // s_a of columns 4-5, repeated 8 times
};
static_assert(kQ8ColPairs == 3, "the dense offset-sum layout assumes 6-column tiles");

void pack_q8_1_cols(const Args& g, int64_t c0, int cp, Q81ColPair* pack, Q81ColSums* sums) {
  const BlockQ8_1* cols[6];
  for (int c = 0; c < 6; ++c) cols[c] = g.act_row<BlockQ8_1>(c0 + c);
  for (int64_t k = 0; k < g.nb; ++k) {
    for (int j = 0; j < cp; ++j) {
      const BlockQ8_1& lo = cols[2 * j][k];
      const BlockQ8_1& hi = cols[2 * j + 1][k];
      Q81ColPair& p = pack[size_t(k) * size_t(cp) + size_t(j)];
      p.a = join(load256(lo.qs), load256(hi.qs));
      p.d = join_ps(_mm256_set1_ps(half_to_float(lo.d)), _mm256_set1_ps(half_to_float(hi.d)));
    }
    float s[6];
    for (int c = 0; c < 6; ++c) s[c] = half_to_float(cols[c][k].s);
    sums[k].s4 = _mm512_broadcast_f32x4(_mm_loadu_ps(s));
    double s45;  // columns 4 and 5 as one 64-bit lane
    std::memcpy(&s45, s + 4, sizeof(s45));
    sums[k].s2 = _mm512_castpd_ps(_mm512_set1_pd(s45));
  }
}

// R rows x CP column pairs. dw: the rows' d_w, [R][nb]; m: their m_w,
// [nb][m_stride] (4 readable floats from each row start).
template <typename W, int R, int CP>
void q8_1_tile_cols(const Args& g, int64_t r0, int64_t c0, const Q81ColPair* pack, const Q81ColSums* sums,
                    const float* dw, const float* m, size_t m_stride) {
  const typename W::Block* w[R];
  for (int r = 0; r < R; ++r) w[r] = g.w_row<typename W::Block>(r0 + r);
  const __m512i rows4 = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  const __m512i rows2 = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3);
  __m512 acc[R][CP];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < CP; ++j) acc[r][j] = _mm512_setzero_ps();
  __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
  for (int64_t k = 0; k < g.nb; ++k) {
    __m512i wq[R];
    for (int r = 0; r < R; ++r) wq[r] = _mm512_broadcast_i64x4(W::quants(w[r][k]));
    const Q81ColPair* cols = pack + size_t(k) * CP;
    for (int j = 0; j < CP; ++j) {
      const __m512i av = cols[j].a;
      const __m512 da = cols[j].d;
      for (int r = 0; r < R; ++r) {
        const __m512 lane = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wq[r], av));
        acc[r][j] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_set1_ps(dw[size_t(r) * size_t(g.nb) + size_t(k)]), da), lane,
                                    acc[r][j]);
      }
    }
    const __m512 mw = _mm512_castps128_ps512(_mm_loadu_ps(m + size_t(k) * m_stride));
    lo = _mm512_add_ps(lo, _mm512_mul_ps(_mm512_permutexvar_ps(rows4, mw), sums[k].s4));
    if constexpr (CP == 3) hi = _mm512_add_ps(hi, _mm512_mul_ps(_mm512_permutexvar_ps(rows2, mw), sums[k].s2));
  }
  alignas(64) float lo_f[16], hi_f[16];
  _mm512_store_ps(lo_f, lo);
  _mm512_store_ps(hi_f, hi);
  auto summs = [&](int r, int c) { return c < 4 ? lo_f[4 * r + c] : hi_f[2 * r + c - 4]; };
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < CP; ++j) {
      g.store(r0 + r, c0 + 2 * j, hsum(_mm512_castps512_ps256(acc[r][j])) + summs(r, 2 * j));
      g.store(r0 + r, c0 + 2 * j + 1, hsum(high_ps(acc[r][j])) + summs(r, 2 * j + 1));
    }
}

// One column, RP pairs of rows (RP <= 4); offset sums in lanes 0..2RP-1.
template <typename W, int RP>
void q8_1_tile_rows(const Args& g, int64_t r0, int64_t c) {
  const typename W::Block* w[2 * RP];
  for (int r = 0; r < 2 * RP; ++r) w[r] = g.w_row<typename W::Block>(r0 + r);
  const BlockQ8_1* a = g.act_row<BlockQ8_1>(c);
  __m512 acc[RP];
  for (int j = 0; j < RP; ++j) acc[j] = _mm512_setzero_ps();
  __m256 sm = _mm256_setzero_ps();
  alignas(16) uint16_t m_half[8] = {};
  for (int64_t k = 0; k < g.nb; ++k) {
    const __m512i av = _mm512_broadcast_i64x4(load256(a[k].qs));
    const __m512 da = _mm512_set1_ps(half_to_float(a[k].d));
    for (int j = 0; j < RP; ++j) {
      const auto& lo = w[2 * j][k];
      const auto& hi = w[2 * j + 1][k];
      m_half[2 * j] = lo.m;
      m_half[2 * j + 1] = hi.m;
      const __m512i wq = join(W::quants(lo), W::quants(hi));
      const __m512 dw = _mm512_cvtph_ps(_mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_set1_epi16(static_cast<short>(lo.d))), _mm_set1_epi16(static_cast<short>(hi.d)), 1));
      const __m512 lane = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, av));
      acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(dw, da), lane, acc[j]);
    }
    const __m256 mw = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(m_half)));
    sm = _mm256_add_ps(sm, _mm256_mul_ps(mw, _mm256_set1_ps(half_to_float(a[k].s))));
  }
  alignas(32) float s_f[8];
  _mm256_store_ps(s_f, sm);
  for (int j = 0; j < RP; ++j) {
    g.store(r0 + 2 * j, c, hsum(_mm512_castps512_ps256(acc[j])) + s_f[2 * j]);
    g.store(r0 + 2 * j + 1, c, hsum(high_ps(acc[j])) + s_f[2 * j + 1]);
  }
}

using Q81Tile = void (*)(const Args&, int64_t, int64_t, const Q81ColPair*, const Q81ColSums*, const float*,
                         const float*, size_t);
template <typename W, int R, int... CP>
constexpr auto q8_1_cols_row(std::integer_sequence<int, CP...>) {
  return std::array<Q81Tile, sizeof...(CP)>{q8_1_tile_cols<W, R, CP + 1>...};
}
template <typename W, int... R>
constexpr auto q8_1_cols_table(std::integer_sequence<int, R...>) {
  return std::array{q8_1_cols_row<W, R + 1>(std::make_integer_sequence<int, kQ8ColPairs>{})...};
}
template <typename W, int... RP>
constexpr auto q8_1_rows_table(std::integer_sequence<int, RP...>) {
  return std::array<Tile, sizeof...(RP)>{q8_1_tile_rows<W, RP + 1>...};
}

template <typename W>
void gemm_q8_1_order(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                     int64_t n_cols, float* out, size_t out_stride) {
  static constexpr auto kColTiles = q8_1_cols_table<W>(std::make_integer_sequence<int, kQ8Rows>{});
  static constexpr auto kRowTiles = q8_1_rows_table<W>(std::make_integer_sequence<int, kQ8RowPairs>{});
  if (n_rows <= 0 || n_cols <= 0) return;
  const Args g{n / kQK, static_cast<const uint8_t*>(w), w_stride, n_rows, static_cast<const uint8_t*>(act),
               act_stride, n_cols, out, out_stride};
  if (n_cols == 1) {
    for (int64_t r0 = 0; r0 < n_rows; r0 += 2 * kQ8RowPairs) {
      const int64_t pairs = std::min<int64_t>(kQ8RowPairs, (n_rows - r0 + 1) / 2);
      kRowTiles[size_t(pairs - 1)](g, r0, 0);
    }
    return;
  }
  // As gemm_q8_0_order, plus the rows' m_w as floats, [nb][n_rows + 4]
  // (padded: a tile reads 4 values from its first row).
  thread_local std::vector<float> t_dw, t_m;
  thread_local std::vector<Q81ColPair> t_pack;
  thread_local std::vector<Q81ColSums> t_sums;
  const size_t m_stride = size_t(n_rows) + 4;
  t_dw.resize(size_t(n_rows) * size_t(g.nb));
  t_m.assign(size_t(g.nb) * m_stride, 0.0f);
  t_pack.resize(size_t(g.nb) * kQ8ColPairs);
  t_sums.resize(size_t(g.nb));
  for (int64_t r = 0; r < n_rows; ++r) {
    const typename W::Block* wr = g.w_row<typename W::Block>(r);
    for (int64_t k = 0; k < g.nb; ++k) {
      t_dw[size_t(r) * size_t(g.nb) + size_t(k)] = half_to_float(wr[k].d);
      t_m[size_t(k) * m_stride + size_t(r)] = half_to_float(wr[k].m);
    }
  }
  for (int64_t c0 = 0; c0 < n_cols; c0 += 2 * kQ8ColPairs) {
    const int cp = int(std::min<int64_t>(kQ8ColPairs, (n_cols - c0 + 1) / 2));
    pack_q8_1_cols(g, c0, cp, t_pack.data(), t_sums.data());
    for (int64_t r0 = 0; r0 < n_rows; r0 += kQ8Rows) {
      const int64_t rows = std::min<int64_t>(kQ8Rows, n_rows - r0);
      kColTiles[size_t(rows - 1)][size_t(cp - 1)](g, r0, c0, t_pack.data(), t_sums.data(),
                                                  t_dw.data() + size_t(r0) * size_t(g.nb), t_m.data() + r0, m_stride);
    }
  }
}

constexpr KernelVariant kVariants[] = {
    {TensorType::Q8_0, {nullptr, nullptr, peer::vec_dot_q8_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_0_order<Q8_0Weights>}},
    {TensorType::Q5_0, {nullptr, nullptr, peer::vec_dot_q5_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_0_order<Q5_0Weights>}},
    {TensorType::Q4_1, {nullptr, nullptr, peer::vec_dot_q4_1_q8_1, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_1_order<Q4_1Weights>}},
    {TensorType::Q5_1, {nullptr, nullptr, peer::vec_dot_q5_1_q8_1, nullptr}, {nullptr, nullptr, nullptr, gemm_q8_1_order<Q5_1Weights>}},
    {TensorType::Q4_0, {nullptr, nullptr, peer::vec_dot_q4_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, gemm_q4_0}},
};

}  // namespace
}  // namespace ledge::kernels::avx512_gemm

namespace ledge::kernels {
std::span<const KernelVariant> avx512_gemm_variants() { return avx512_gemm::kVariants; }
}  // namespace ledge::kernels
