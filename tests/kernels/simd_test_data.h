// Test data for the SIMD-vs-scalar kernel tests: weight rows of any type
// built from raw random bytes with chosen scales (adversarial quants such as
// int8 -128, extreme and subnormal fp16 scales), activation rows in the
// vec_dot formats, and the error bound a reordered float sum must meet.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/kquant_scales.h"
#include "kernels/type_traits.h"

namespace ledge::kernels::test {

// How the fp16 / f32 scale fields of generated blocks are chosen.
enum class Scales {
  kUnit,       // every scale (and min) = 1: all products are small integers
  kRandom,     // magnitudes spread over 2^-12 .. 2^2, random sign
  kMax,        // largest finite fp16 (65504)
  kSubnormal,  // random fp16 subnormals
};

inline uint16_t pick_half(Scales s, std::mt19937& rng) {
  switch (s) {
    case Scales::kUnit: return 0x3c00;
    case Scales::kMax: return 0x7bff;
    case Scales::kSubnormal: return static_cast<uint16_t>((rng() % 0x3ff + 1) | (rng() & 1 ? 0x8000 : 0));
    case Scales::kRandom: {
      const float v = std::ldexp(1.0f + (rng() % 1000) / 1000.0f, static_cast<int>(rng() % 15) - 12);
      return fp32_to_fp16(rng() & 1 ? -v : v);
    }
  }
  return 0;
}

inline void put_half(uint8_t* p, uint16_t h) { std::memcpy(p, &h, 2); }

// Offsets of the fp16 scale fields inside one block of a weight type.
inline std::vector<size_t> half_fields(TensorType t) {
  switch (t) {
    case TensorType::Q4_0:
    case TensorType::Q5_0:
    case TensorType::Q8_0: return {0};
    case TensorType::Q4_1:
    case TensorType::Q5_1:
    case TensorType::Q4_K:
    case TensorType::Q5_K: return {0, 2};
    case TensorType::Q2_K: return {offsetof(BlockQ2_K, d), offsetof(BlockQ2_K, dmin)};
    case TensorType::Q3_K: return {offsetof(BlockQ3_K, d)};
    case TensorType::Q6_K: return {offsetof(BlockQ6_K, d)};
    default: return {};
  }
}

// n elements of weight type t: raw random quant bytes (every bit pattern is a
// valid quant) with scales per `s`. Float types get random small integers
// (kUnit) or scaled normals.
inline std::vector<uint8_t> weight_row(TensorType t, int64_t n, Scales s, uint32_t seed) {
  std::mt19937 rng(seed);
  const TypeInfo& ti = *type_info(t);
  std::vector<uint8_t> row(row_bytes(t, n));
  if (t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16) {
    std::vector<float> f(static_cast<size_t>(n));
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (auto& v : f) v = s == Scales::kUnit ? static_cast<float>(static_cast<int>(rng() % 129) - 64) : g(rng);
    reference_type_info(t)->kernels.quantize(f.data(), row.data(), n);
    return row;
  }
  for (auto& b : row) b = static_cast<uint8_t>(rng());
  for (size_t off = 0; off < row.size(); off += ti.block_bytes)
    for (size_t field : half_fields(t)) put_half(row.data() + off + field, pick_half(s, rng));
  return row;
}

// Activation row in format t (Q8_0, Q8_1, Q8_K or a float type) with quants
// of magnitude <= amax (the activation quantizers never produce -128).
inline std::vector<uint8_t> activation_row(TensorType t, int64_t n, Scales s, int amax, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(-amax, amax);
  std::vector<uint8_t> row(row_bytes(t, n));
  if (t == TensorType::Q8_0 || t == TensorType::Q8_1) {
    const size_t bb = t == TensorType::Q8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ8_1);
    const size_t qoff = t == TensorType::Q8_0 ? offsetof(BlockQ8_0, qs) : offsetof(BlockQ8_1, qs);
    for (size_t off = 0; off < row.size(); off += bb) {
      uint8_t* b = row.data() + off;
      const uint16_t d = pick_half(s, rng);
      put_half(b, d);
      int sum = 0;
      for (int j = 0; j < kQK; ++j) {
        const auto v = static_cast<int8_t>(q(rng));
        b[qoff + j] = static_cast<uint8_t>(v);
        sum += v;
      }
      if (t == TensorType::Q8_1) put_half(b + 2, fp32_to_fp16(static_cast<float>(sum) * fp16_to_fp32(d)));
    }
    return row;
  }
  if (t == TensorType::Q8_K) {
    auto* b = reinterpret_cast<BlockQ8_K*>(row.data());
    for (int64_t i = 0; i < n / kQK_K; ++i) {
      b[i].d = fp16_to_fp32(pick_half(s, rng));
      for (int g = 0; g < kQK_K / 16; ++g) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += b[i].qs[16 * g + j] = static_cast<int8_t>(q(rng));
        b[i].bsums[g] = static_cast<int16_t>(sum);
      }
    }
    return row;
  }
  return weight_row(t, n, s, seed);  // float types: same generator as weights
}

// Upper bound on sum_i |each term the kernel adds for element i|: the weight
// value's scale part and offset part counted separately (they can cancel),
// times |activation|. A reordered float sum of such terms differs from
// another order by at most ~(number of sequential adds) * eps * this.
inline double magnitude(TensorType t, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n) {
  const TypeInfo& wi = *reference_type_info(t);
  std::vector<float> wf(static_cast<size_t>(n)), af(static_cast<size_t>(n)), off(static_cast<size_t>(n), 0.0f);
  wi.kernels.dequantize(w.data(), wf.data(), n);
  reference_type_info(wi.vec_dot_type)->kernels.dequantize(a.data(), af.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const size_t b = static_cast<size_t>(i / wi.block_elems) * wi.block_bytes;
    const uint8_t* blk = w.data() + b;
    uint16_t m = 0;
    switch (t) {
      case TensorType::Q4_1:
      case TensorType::Q5_1:
        std::memcpy(&m, blk + 2, 2);
        off[i] = std::fabs(fp16_to_fp32(m));
        break;
      case TensorType::Q4_K:
      case TensorType::Q5_K: {
        uint8_t sc, mn;
        unpack_scale_min_k4(static_cast<int>((i % kQK_K) / 32), blk + 4, &sc, &mn);
        std::memcpy(&m, blk + 2, 2);
        off[i] = std::fabs(fp16_to_fp32(m) * mn);
        break;
      }
      case TensorType::Q2_K: {
        const auto& q = *reinterpret_cast<const BlockQ2_K*>(blk);
        off[i] = std::fabs(fp16_to_fp32(q.dmin) * (q.scales[(i % kQK_K) / 16] >> 4));
        break;
      }
      default: break;
    }
  }
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += (std::fabs(double(wf[i])) + 2.0 * off[i]) * std::fabs(double(af[i]));
  return sum;
}

}  // namespace ledge::kernels::test
