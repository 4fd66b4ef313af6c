#include "kernels/peer_order.h"

#include "kernels/scalar_kernels.h"
#include "kernels/type_traits.h"

#include <cmath>
#include <limits>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/kquant_decode.h"
#include "kernels/kquant_scales.h"

namespace ledge::kernels::peer {

float hsum8(const float lane[8]) {
  // (hi + lo) -> 4 lanes; then lanes (0+2, 1+3); then those two.
  float q[4];
  for (int i = 0; i < 4; ++i) q[i] = lane[4 + i] + lane[i];
  const float p0 = q[0] + q[2];
  const float p1 = q[1] + q[3];
  return p0 + p1;
}

float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float acc[8] = {};
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
    for (int l = 0; l < 8; ++l) {
      int32_t s = 0;
      for (int b = 0; b < 4; ++b) s += int32_t(x[i].qs[4 * l + b]) * int32_t(y[i].qs[4 * l + b]);
      acc[l] = std::fma(d, float(s), acc[l]);
    }
  }
  return hsum8(acc);
}

namespace {

// Eight lane sums (elements 4l..4l+3) of one block's products.
void lane_sums(const int8_t* w, const int8_t* a, int32_t out[8]) {
  for (int l = 0; l < 8; ++l) {
    int32_t s = 0;
    for (int b = 0; b < 4; ++b) s += int32_t(w[4 * l + b]) * int32_t(a[4 * l + b]);
    out[l] = s;
  }
}

// Quant values of element j of a nibble block: low nibbles are elements
// 0..15, high nibbles 16..31; hi (optional) supplies bit 4 from qh.
void nibbles(const uint8_t* qs, const uint8_t* qh, int offset, int8_t out[32]) {
  uint32_t h = 0;
  if (qh) h = uint32_t(qh[0]) | uint32_t(qh[1]) << 8 | uint32_t(qh[2]) << 16 | uint32_t(qh[3]) << 24;
  for (int j = 0; j < 32; ++j) {
    int v = j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4);
    if (qh) v |= int((h >> j) & 1u) << 4;
    out[j] = int8_t(v - offset);
  }
}

}  // namespace

float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float acc[8] = {};
  int8_t q[32];
  int32_t s[8];
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
    nibbles(x[i].qs, x[i].qh, 16, q);
    lane_sums(q, y[i].qs, s);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, float(s[l]), acc[l]);
  }
  return hsum8(acc);
}

float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(act);
  float acc[8] = {};
  float summs = 0;
  int8_t q[32];
  int32_t s[8];
  for (int64_t i = 0; i < n / kQK; ++i) {
    summs += fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
    const float d = fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
    nibbles(x[i].qs, nullptr, 0, q);
    lane_sums(q, y[i].qs, s);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, float(s[l]), acc[l]);
  }
  return hsum8(acc) + summs;
}

float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(act);
  float acc[8] = {};
  float summs = 0;
  int8_t q[32];
  int32_t s[8];
  for (int64_t i = 0; i < n / kQK; ++i) {
    summs += fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
    const float d = fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
    nibbles(x[i].qs, x[i].qh, 0, q);
    lane_sums(q, y[i].qs, s);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(float(s[l]), d, acc[l]);
  }
  return hsum8(acc) + summs;
}

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float acc = 0;
  int8_t q[32];
  for (int64_t i = 0; i < n / kQK; ++i) {
    nibbles(x[i].qs, nullptr, 8, q);
    int32_t s = 0;
    for (int j = 0; j < 32; ++j) s += int32_t(q[j]) * int32_t(y[i].qs[j]);
    acc = std::fma(float(s), fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d), acc);
  }
  return acc;
}

// ggml_v_expf (AVX-512 form): exp(x) = 2^n * (1 + b*p(b)) with n = round(x /
// ln 2) found by the 1.5*2^23 shift, b = x - n*ln2 in two parts, a degree-5
// polynomial in b evaluated with fused multiply-adds, and scalef for 2^n.
float expf_poly(float x) {
  const float r = 0x1.8p23f;
  const float z = std::fma(x, 0x1.715476p+0f, r);
  const float n = z - r;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                           u, std::fma(0x1.ffffecp-1f, b, 1.0f));
  if (std::fabs(n) > 192.0f) return n > 0 ? std::numeric_limits<float>::infinity() : 0.0f;
  return std::ldexp(j, int(n));
}

float reduce_add16(const float v[16]) {
  float a[8], b[4];
  for (int i = 0; i < 8; ++i) a[i] = v[8 + i] + v[i];
  for (int i = 0; i < 4; ++i) b[i] = a[4 + i] + a[i];
  const float c0 = b[0] + b[2];
  const float c1 = b[1] + b[3];
  return c0 + c1;
}

float silu(float x) {
  const float e = expf_poly(0.0f - x);
  return x / (1.0f + e);
}

void swiglu(int64_t n, float* gate, const float* up) {
  int64_t i = 0;
  for (; i + 15 < n; i += 16)
    for (int64_t k = i; k < i + 16; ++k) gate[k] = silu(gate[k]) * up[k];
  for (; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

// ------------------------------------------------------------------ k-quants

namespace {

// Lane of element e in the AVX2 k-quant dots: the int32 lane that pmaddubsw +
// pmaddwd put products 4k..4k+3 of each 32-element chunk into.
constexpr int avx2_lane(int e) { return (e % 32) / 4; }

// AVX2 lane sums of scale(e / group) * q[e] * a[e] over one super-block.
template <int kGroup, typename Scale>
void avx2_lanes(const int8_t* q, const int8_t* a, const Scale* scales, int32_t lanes[8]) {
  for (int l = 0; l < 8; ++l) lanes[l] = 0;
  for (int e = 0; e < kQK_K; ++e) lanes[avx2_lane(e)] += int32_t(scales[e / kGroup]) * (int32_t(q[e]) * int32_t(a[e]));
}

// Sum of the Q8_K bsums of 32-element sub-block j (two 16-element sums).
int32_t bsum32(const BlockQ8_K& y, int j) { return int32_t(y.bsums[2 * j]) + int32_t(y.bsums[2 * j + 1]); }

// One k-quant super-block, split into `parts` equal parts, as the repack
// kernels see it: per part the exact int sums of scale*q*a and min*bsum.
struct RepackSums {
  int32_t isum[4];
  int32_t msum[4];
};

void q4_k_sums(const BlockQ4_K& x, const BlockQ8_K& y, int parts, RepackSums* r) {
  uint8_t sc[8], mn[8];
  for (int j = 0; j < 8; ++j) unpack_scale_min_k4(j, x.scales, &sc[j], &mn[j]);
  int8_t q[kQK_K];
  decode_quants(x, q);
  for (int p = 0; p < parts; ++p) r->isum[p] = r->msum[p] = 0;
  for (int j = 0; j < 8; ++j) {
    int32_t dot = 0;
    for (int l = 0; l < 32; ++l) dot += int32_t(q[32 * j + l]) * int32_t(y.qs[32 * j + l]);
    const int p = j * parts / 8;
    r->isum[p] += int32_t(sc[j]) * dot;
    r->msum[p] += int32_t(mn[j]) * bsum32(y, j);
  }
}

void q2_k_sums(const BlockQ2_K& x, const BlockQ8_K& y, int parts, RepackSums* r) {
  int8_t q[kQK_K];
  decode_quants(x, q);
  for (int p = 0; p < parts; ++p) r->isum[p] = r->msum[p] = 0;
  for (int s = 0; s < 16; ++s) {
    int32_t dot = 0;
    for (int l = 0; l < 16; ++l) dot += int32_t(q[16 * s + l]) * int32_t(y.qs[16 * s + l]);
    const int p = s * parts / 16;
    r->isum[p] += int32_t(x.scales[s] & 0x0f) * dot;
    r->msum[p] += int32_t(x.scales[s] >> 4) * int32_t(y.bsums[s]);
  }
}

// acc = fma(isum, d_w*d_a, acc), macc = fma(msum, dmin_w*d_a, macc) per part,
// parts in order, blocks in order; result acc - macc.
template <typename Block, void (*Sums)(const Block&, const BlockQ8_K&, int, RepackSums*)>
float repack_dot(int64_t n, const void* w, const void* act, int parts) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float acc = 0, macc = 0;
  RepackSums r;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    Sums(x[i], y[i], parts, &r);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
    for (int p = 0; p < parts; ++p) {
      acc = std::fma(float(r.isum[p]), d, acc);
      macc = std::fma(float(r.msum[p]), dmin, macc);
    }
  }
  return acc - macc;
}

void repack_gemm(VecDotFn gemm_dot, VecDotFn gemv_dot, int64_t n, const void* w, size_t w_stride, int64_t n_rows,
                 const void* act, size_t act_stride, int64_t n_cols, float* out, size_t out_stride) {
  const int64_t n_gemm = n_cols - n_cols % 4;
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* ab = static_cast<const uint8_t*>(act);
  for (int64_t c = 0; c < n_cols; ++c) {
    const VecDotFn dot = c < n_gemm ? gemm_dot : gemv_dot;
    for (int64_t r = 0; r < n_rows; ++r)
      out[size_t(c) * out_stride + size_t(r)] = dot(n, wb + size_t(r) * w_stride, ab + size_t(c) * act_stride);
  }
}

}  // namespace

float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float acc[8] = {};
  int8_t q[kQK_K];
  int32_t sc[16], lanes[8];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    decode_quants(x[i], q);
    for (int s = 0; s < 16; ++s) sc[s] = unpack_scale_q3_k(s, x[i].scales);
    avx2_lanes<16>(q, y[i].qs, sc, lanes);
    const float d = y[i].d * fp16_to_fp32(x[i].d);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, float(lanes[l]), acc[l]);
  }
  return hsum8(acc);
}

float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float acc[8] = {};
  float summs = 0;
  int8_t q[kQK_K];
  uint8_t sc[8], mn[8];
  int32_t lanes[8];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int j = 0; j < 8; ++j) unpack_scale_min_k4(j, x[i].scales, &sc[j], &mn[j]);
    int32_t msum = 0;
    for (int j = 0; j < 8; ++j) msum += int32_t(mn[j]) * bsum32(y[i], j);
    summs += (fp16_to_fp32(x[i].dmin) * y[i].d) * float(msum);
    decode_quants(x[i], q);
    avx2_lanes<32>(q, y[i].qs, sc, lanes);
    const float d = y[i].d * fp16_to_fp32(x[i].d);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, float(lanes[l]), acc[l]);
  }
  return hsum8(acc) - summs;
}

float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float acc[8] = {};
  int8_t q[kQK_K];
  int32_t lanes[8];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    decode_quants(x[i], q);
    for (int e = 0; e < kQK_K; ++e) q[e] = int8_t(q[e] + 32);  // unsigned 0..63
    avx2_lanes<16>(q, y[i].qs, x[i].scales, lanes);
    for (int l = 0; l < 8; ++l)
      lanes[l] -= 32 * (int32_t(x[i].scales[2 * l]) * y[i].bsums[2 * l] + int32_t(x[i].scales[2 * l + 1]) * y[i].bsums[2 * l + 1]);
    const float d = y[i].d * fp16_to_fp32(x[i].d);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, float(lanes[l]), acc[l]);
  }
  return hsum8(acc);
}

float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) {
  return repack_dot<BlockQ4_K, q4_k_sums>(n, w, act, 1);
}
float gemm_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) {
  return repack_dot<BlockQ4_K, q4_k_sums>(n, w, act, 4);
}
float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) {
  return repack_dot<BlockQ2_K, q2_k_sums>(n, w, act, 1);
}
float gemm_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) {
  return repack_dot<BlockQ2_K, q2_k_sums>(n, w, act, 2);
}

void gemm_q4_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  repack_gemm(gemm_dot_q4_k_q8_k, vec_dot_q4_k_q8_k, n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}
void gemm_q2_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  repack_gemm(gemm_dot_q2_k_q8_k, vec_dot_q2_k_q8_k, n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}

void gemm_q3_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  repack_gemm(vec_dot_q3_k_q8_k, vec_dot_q3_k_q8_k, n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}
void gemm_q5_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  repack_gemm(vec_dot_q5_k_q8_k, vec_dot_q5_k_q8_k, n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}
void gemm_q6_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  repack_gemm(vec_dot_q6_k_q8_k, vec_dot_q6_k_q8_k, n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}

void install_as_reference() {
  using gguf::TensorType;
  Kernels q8_0;
  q8_0.quantize = scalar::quantize_row_q8_0_x86;
  install_kernels(TensorType::Q8_0, q8_0);
  Kernels q8_1;
  q8_1.quantize = scalar::quantize_row_q8_1_x86;
  install_kernels(TensorType::Q8_1, q8_1);
  const std::pair<TensorType, VecDotFn> dots[] = {
      {TensorType::Q8_0, vec_dot_q8_0_q8_0}, {TensorType::Q5_0, vec_dot_q5_0_q8_0},
      {TensorType::Q4_1, vec_dot_q4_1_q8_1}, {TensorType::Q5_1, vec_dot_q5_1_q8_1},
      {TensorType::Q4_0, vec_dot_q4_0_q8_0}, {TensorType::Q3_K, vec_dot_q3_k_q8_k},
      {TensorType::Q5_K, vec_dot_q5_k_q8_k}, {TensorType::Q6_K, vec_dot_q6_k_q8_k},
      {TensorType::Q4_K, vec_dot_q4_k_q8_k}, {TensorType::Q2_K, vec_dot_q2_k_q8_k}};
  for (const auto& [type, fn] : dots) {
    Kernels k;
    k.vec_dot = fn;
    install_kernels(type, k);
  }
  const std::pair<TensorType, GemmFn> gemms[] = {{TensorType::Q4_K, gemm_q4_k_q8_k},
                                                  {TensorType::Q2_K, gemm_q2_k_q8_k},
                                                  {TensorType::Q3_K, gemm_q3_k_q8_k},
                                                  {TensorType::Q5_K, gemm_q5_k_q8_k},
                                                  {TensorType::Q6_K, gemm_q6_k_q8_k}};
  for (const auto& [type, fn] : gemms) {
    Kernels k;
    k.gemm = fn;
    install_kernels(type, k);
  }
}

}  // namespace ledge::kernels::peer
