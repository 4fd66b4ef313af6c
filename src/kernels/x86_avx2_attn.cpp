// AVX2 + FMA + F16C variants of the attention / element-wise ops
// (attn_ops.h). Compiled with -mavx2 -mfma -mf16c and -ffp-contract=off.
//
// Bit-identical with the scalar reference: each output value goes through
// the same operations in the same order; vector lanes are independent
// values (cells of a tile, elements of a row). The 16 float lanes of the
// reference's accumulators are two ymm registers here; the reductions spell
// out peer::reduce_add16's order.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/peer_order.h"
#include "kernels/x86_attn.h"

namespace ledge::kernels::attn {
namespace {

// ------------------------------------------------------------ conversions

inline __m256 load_h8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// fp32_to_fp16 of 8 values: F16C rounds to nearest even like fp16.h, and
// overflows to inf the same way; a NaN keeps (part of) its payload in F16C
// but becomes sign | 0x7E00 in fp16.h, so NaN lanes are patched.
inline __m128i to_h8(__m256 x) {
  __m128i h = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT);
  const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  if (_mm256_movemask_ps(nan) != 0) {
    const __m256i bits = _mm256_castps_si256(x);
    const __m256i canon = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x8000)),
                                          _mm256_set1_epi32(0x7e00));
    const __m128i c16 = _mm_packus_epi32(_mm256_castsi256_si128(canon), _mm256_extracti128_si256(canon, 1));
    const __m256i m = _mm256_castps_si256(nan);
    const __m128i m16 = _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
    h = _mm_blendv_epi8(h, c16, m16);
  }
  return h;
}

inline void store_h8(uint16_t* p, __m256 x) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), to_h8(x)); }

void fp32_to_fp16_row(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) store_h8(dst + i, _mm256_loadu_ps(src + i));
  for (; i < n; ++i) dst[i] = fp32_to_fp16(src[i]);
}

// ------------------------------------------------------------ reductions

// peer::reduce_add16 of v = [lo (lanes 0-7), hi (lanes 8-15)]: v[8+i] + v[i],
// then the upper half of that plus the lower, then (b0+b2) + (b1+b3).
inline float reduce_add16(__m256 lo, __m256 hi) {
  const __m256 a = _mm256_add_ps(hi, lo);
  const __m128 b = _mm_add_ps(_mm256_extractf128_ps(a, 1), _mm256_castps256_ps128(a));
  const __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));  // c0 = b0 + b2, c1 = b1 + b3
  return _mm_cvtss_f32(_mm_add_ss(c, _mm_movehdup_ps(c)));
}

// Maximum of the 8 lanes. Any order: max is exact, and the lanes hold no NaN
// (masked lanes are -inf; _mm256_max_ps(s, run) keeps `run` for a NaN s, as
// std::max(run, s) does). Only the sign of a zero maximum can depend on the
// order, and a zero M gives the same exp(s - M) and exp(M - m) either way.
inline float hmax8(__m256 x) {
  __m128 m = _mm_max_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// ------------------------------------------------------------ exp

// peer::expf_poly on 8 lanes: the same fma chain; ldexp(j, n) as two exact
// power-of-two products, j * 2^a (a = clamp(n, -100, 100), exact: j is in
// [0.7, 1.5)) then * 2^(n - a), the one rounding ldexp does (also for
// subnormal and overflowing results).
inline __m256 expf_poly8(__m256 x) {
  const __m256 r = _mm256_set1_ps(0x1.8p23f);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
  const __m256 n = _mm256_sub_ps(z, r);
  const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                    _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 j = _mm256_fmadd_ps(
      _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                      _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
      u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
  const __m256 a = _mm256_min_ps(_mm256_max_ps(n, _mm256_set1_ps(-100.0f)), _mm256_set1_ps(100.0f));
  const __m256 rest = _mm256_sub_ps(n, a);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 pa = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(a), bias), 23));
  const __m256 pr = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(rest), bias), 23));
  const __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(j, pa), pr);
  // |n| > 192: inf for n > 0, else 0.
  const __m256 absn = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
  const __m256 big = _mm256_cmp_ps(absn, _mm256_set1_ps(192.0f), _CMP_GT_OQ);
  const __m256 sat = _mm256_and_ps(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_set1_ps(INFINITY));
  return _mm256_blendv_ps(scaled, sat, big);
}

void swiglu(int64_t n, float* gate, const float* up) {
  int64_t i = 0;
  const __m256 one = _mm256_set1_ps(1.0f);
  for (; i + 15 < n; i += 16)
    for (int64_t k = i; k < i + 16; k += 8) {
      const __m256 x = _mm256_loadu_ps(gate + k);
      const __m256 e = expf_poly8(_mm256_sub_ps(_mm256_setzero_ps(), x));
      _mm256_storeu_ps(gate + k, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + k)));
    }
  for (; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

// ------------------------------------------------------------ one-pass kernel

float dot_f16(const uint16_t* x, const uint16_t* y, int n) {
  const int np = n & ~63;
  double sum = 0.0;
  if (np > 0) {
    // acc[j] lanes 0-7 in a[2j], lanes 8-15 in a[2j+1].
    __m256 a[8];
    for (auto& r : a) r = _mm256_setzero_ps();
    for (int i = 0; i < np; i += 64)
      for (int r = 0; r < 8; ++r) a[r] = _mm256_fmadd_ps(load_h8(x + i + 8 * r), load_h8(y + i + 8 * r), a[r]);
    const __m256 lo = _mm256_add_ps(_mm256_add_ps(a[0], a[4]), _mm256_add_ps(a[2], a[6]));
    const __m256 hi = _mm256_add_ps(_mm256_add_ps(a[1], a[5]), _mm256_add_ps(a[3], a[7]));
    sum = double(reduce_add16(lo, hi));
  }
  for (int i = np; i < n; ++i) sum += double(fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]));
  return float(sum);
}

Partial one_pass_f16(const uint16_t* q16, const uint16_t* const* k, const uint16_t* const* v, int32_t n, int hd,
                     float scale, uint16_t* acc, float* out) {
  std::memset(acc, 0, sizeof(uint16_t) * size_t(hd));
  const int hv = hd & ~7;
  Partial r;
  for (int32_t p = 0; p < n; ++p) {
    const float s = dot_f16(k[p], q16, hd) * scale;
    float ms = 1.0f, vs = 1.0f;
    const uint16_t* vp = v[p];
    if (s > r.M) {
      ms = std::exp(r.M - s);
      r.M = s;
      // Both roundings of the reference: f16(acc * ms), then f16(fma(v, vs, acc)) with vs = 1.
      const __m256 m8 = _mm256_set1_ps(ms), one = _mm256_set1_ps(1.0f);
      for (int i = 0; i < hv; i += 8) {
        const __m256 scaled = _mm256_cvtph_ps(to_h8(_mm256_mul_ps(load_h8(acc + i), m8)));
        store_h8(acc + i, _mm256_fmadd_ps(load_h8(vp + i), one, scaled));
      }
      for (int i = hv; i < hd; ++i) {
        const float scaled = fp16_to_fp32(fp32_to_fp16(fp16_to_fp32(acc[i]) * ms));
        acc[i] = fp32_to_fp16(std::fma(fp16_to_fp32(vp[i]), 1.0f, scaled));
      }
    } else {
      vs = std::exp(s - r.M);
      const __m256 v8 = _mm256_set1_ps(vs);
      for (int i = 0; i < hv; i += 8) store_h8(acc + i, _mm256_fmadd_ps(load_h8(vp + i), v8, load_h8(acc + i)));
      for (int i = hv; i < hd; ++i) acc[i] = fp32_to_fp16(std::fma(fp16_to_fp32(vp[i]), vs, fp16_to_fp32(acc[i])));
    }
    r.S = std::fma(r.S, ms, vs);
  }
  int i = 0;
  for (; i < hv; i += 8) _mm256_storeu_ps(out + i, load_h8(acc + i));
  for (; i < hd; ++i) out[i] = fp16_to_fp32(acc[i]);
  return r;
}

// ------------------------------------------------------------ tiled kernel

inline void transpose8(__m256& r0, __m256& r1, __m256& r2, __m256& r3, __m256& r4, __m256& r5, __m256& r6,
                       __m256& r7) {
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r0 = _mm256_permute2f128_ps(u0, u4, 0x20);
  r1 = _mm256_permute2f128_ps(u1, u5, 0x20);
  r2 = _mm256_permute2f128_ps(u2, u6, 0x20);
  r3 = _mm256_permute2f128_ps(u3, u7, 0x20);
  r4 = _mm256_permute2f128_ps(u0, u4, 0x31);
  r5 = _mm256_permute2f128_ps(u1, u5, 0x31);
  r6 = _mm256_permute2f128_ps(u2, u6, 0x31);
  r7 = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// kt[i][c] = f32(k[t0 + c][i]) for c < w, 0 for w <= c < kKvTile.   [hd][kKvTile]
void load_k_tile_transposed(const uint16_t* const* k, int32_t t0, int w, int hd, float* kt) {
  const int hv = hd & ~7;
  for (int c0 = 0; c0 < kKvTile; c0 += 8) {
    const uint16_t* rows[8];
    for (int c = 0; c < 8; ++c) rows[c] = c0 + c < w ? k[t0 + c0 + c] : nullptr;
    for (int i = 0; i < hv; i += 8) {
      __m256 r[8];
      for (int c = 0; c < 8; ++c) r[c] = rows[c] ? load_h8(rows[c] + i) : _mm256_setzero_ps();
      transpose8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
      for (int d = 0; d < 8; ++d) _mm256_storeu_ps(kt + size_t(i + d) * kKvTile + c0, r[d]);
    }
    for (int i = hv; i < hd; ++i)
      for (int c = 0; c < 8; ++c) kt[size_t(i) * kKvTile + c0 + c] = rows[c] ? fp16_to_fp32(rows[c][i]) : 0.0f;
  }
}

// vt[c][i] = f32(v[t0 + c][i]) for c < w.                            [kKvTile][hd]
void load_v_tile(const uint16_t* const* v, int32_t t0, int w, int hd, float* vt) {
  const int hv = hd & ~7;
  for (int c = 0; c < w; ++c) {
    const uint16_t* src = v[t0 + c];
    float* dst = vt + size_t(c) * hd;
    int i = 0;
    for (; i < hv; i += 8) _mm256_storeu_ps(dst + i, load_h8(src + i));
    for (; i < hd; ++i) dst[i] = fp16_to_fp32(src[i]);
  }
}

// sc[c] = (sum_i fma chain q[i] * kt[i][c]) * scale for all kKvTile columns:
// one sequential fma chain per cell, 8 cells per register.
inline void tile_scores(const float* q, const float* kt, int hd, float scale, float* sc) {
  __m256 a[8];
  for (auto& r : a) r = _mm256_setzero_ps();
  for (int i = 0; i < hd; ++i) {
    const __m256 qi = _mm256_broadcast_ss(q + i);
    const float* row = kt + size_t(i) * kKvTile;
    for (int b = 0; b < 8; ++b) a[b] = _mm256_fmadd_ps(qi, _mm256_loadu_ps(row + 8 * b), a[b]);
  }
  const __m256 s8 = _mm256_set1_ps(scale);
  for (int b = 0; b < 8; ++b) _mm256_storeu_ps(sc + 8 * b, _mm256_mul_ps(a[b], s8));
}

// Lanes c < w of block starting at c0 keep x, the others get `fill`.
inline __m256 mask_tail(__m256 x, int c0, int w, __m256 fill) {
  const __m256i idx = _mm256_add_epi32(_mm256_set1_epi32(c0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(w), idx));
  return _mm256_blendv_ps(fill, x, keep);
}

// out[i] = fma(sc[c], vt[c][i], out[i]) for c = 0..w-1, in registers per
// 64-value slice of the row.
inline void tile_values(const float* sc, const float* vt, int w, int hd, float* out) {
  int i0 = 0;
  for (; i0 + 64 <= hd; i0 += 64) {
    __m256 o[8];
    for (int b = 0; b < 8; ++b) o[b] = _mm256_loadu_ps(out + i0 + 8 * b);
    for (int c = 0; c < w; ++c) {
      const __m256 wc = _mm256_broadcast_ss(sc + c);
      const float* row = vt + size_t(c) * hd + i0;
      for (int b = 0; b < 8; ++b) o[b] = _mm256_fmadd_ps(wc, _mm256_loadu_ps(row + 8 * b), o[b]);
    }
    for (int b = 0; b < 8; ++b) _mm256_storeu_ps(out + i0 + 8 * b, o[b]);
  }
  for (; i0 + 8 <= hd; i0 += 8) {
    __m256 o = _mm256_loadu_ps(out + i0);
    for (int c = 0; c < w; ++c)
      o = _mm256_fmadd_ps(_mm256_broadcast_ss(sc + c), _mm256_loadu_ps(vt + size_t(c) * hd + i0), o);
    _mm256_storeu_ps(out + i0, o);
  }
  for (; i0 < hd; ++i0) {
    float o = out[i0];
    for (int c = 0; c < w; ++c) o = std::fma(sc[c], vt[size_t(c) * hd + i0], o);
    out[i0] = o;
  }
}

inline void scale_row(float* x, int n, float s) {
  const __m256 s8 = _mm256_set1_ps(s);
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), s8));
  for (; i < n; ++i) x[i] *= s;
}

// Tile by tile over all queries, so each K/V tile is converted once for the
// whole query block; per query the steps and their order are the reference's.
void tiled_f16(const TiledQuery* queries, int nq, const uint16_t* const* k, const uint16_t* const* v, int hd,
               float scale, float* scratch) {
  float* kt = scratch;                             // [hd][kKvTile]
  float* vt = kt + size_t(hd) * kKvTile;           // [kKvTile][hd]
  float* sc = vt + size_t(kKvTile) * hd;           // [kKvTile]
  float* Ms = sc + kKvTile;                        // [nq]
  float* Ss = Ms + nq;                             // [nq]
  int32_t n_max = 0;
  for (int j = 0; j < nq; ++j) {
    n_max = std::max(n_max, queries[j].n);
    std::fill(queries[j].out, queries[j].out + hd, 0.0f);
    Ms[j] = -INFINITY;
    Ss[j] = 0.0f;
  }
  const __m256 neg_inf = _mm256_set1_ps(-INFINITY), zero = _mm256_setzero_ps();
  for (int32_t t0 = 0; t0 < n_max; t0 += kKvTile) {
    const int w_all = int(std::min<int32_t>(n_max - t0, kKvTile));
    load_k_tile_transposed(k, t0, w_all, hd, kt);
    load_v_tile(v, t0, w_all, hd, vt);
    for (int j = 0; j < nq; ++j) {
      if (queries[j].n <= t0) continue;
      const int w = int(std::min<int32_t>(queries[j].n - t0, kKvTile));
      float* out = queries[j].out;
      tile_scores(queries[j].q, kt, hd, scale, sc);
      __m256 mx = neg_inf;
      for (int c0 = 0; c0 < w; c0 += 8) mx = _mm256_max_ps(mask_tail(_mm256_loadu_ps(sc + c0), c0, w, neg_inf), mx);
      const float tile_max = hmax8(mx);
      float M = Ms[j], S = Ss[j];
      const float m = std::max(M, tile_max);
      if (m > M) {
        const float ms = std::exp(M - m);
        scale_row(out, hd, ms);
        S *= ms;
      }
      M = m;
      const __m256 m8 = _mm256_set1_ps(M);
      double sum = 0.0;
      for (int g0 = 0; g0 < w; g0 += 16) {
        const __m256 lo = mask_tail(expf_poly8(_mm256_sub_ps(_mm256_loadu_ps(sc + g0), m8)), g0, w, zero);
        const __m256 hi = mask_tail(expf_poly8(_mm256_sub_ps(_mm256_loadu_ps(sc + g0 + 8), m8)), g0 + 8, w, zero);
        _mm256_storeu_ps(sc + g0, lo);
        _mm256_storeu_ps(sc + g0 + 8, hi);
        sum += double(reduce_add16(lo, hi));
      }
      S = float(double(S) + sum);
      tile_values(sc, vt, w, hd, out);
      Ms[j] = M;
      Ss[j] = S;
    }
  }
  for (int j = 0; j < nq; ++j) {
    const float inv = Ss[j] == 0.0f ? 0.0f : 1.0f / Ss[j];
    scale_row(queries[j].out, hd, inv);
  }
}

const Ops kAvx2 = {dot_f16, one_pass_f16, tiled_f16, fp32_to_fp16_row, swiglu};

}  // namespace

const Ops& avx2_attn_ops() { return kAvx2; }

}  // namespace ledge::kernels::attn
