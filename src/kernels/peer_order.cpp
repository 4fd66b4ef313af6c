#include "kernels/peer_order.h"

#include "kernels/scalar_kernels.h"
#include "kernels/type_traits.h"

#include <cmath>
#include <limits>

#include "kernels/blocks.h"
#include "kernels/fp16.h"

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
      {TensorType::Q4_0, vec_dot_q4_0_q8_0}};
  for (const auto& [type, fn] : dots) {
    Kernels k;
    k.vec_dot = fn;
    install_kernels(type, k);
  }
}

}  // namespace ledge::kernels::peer
