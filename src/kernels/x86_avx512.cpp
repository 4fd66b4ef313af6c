// AVX-512 (F/BW/VL) + AVX512-VNNI kernels. Compiled with those -m flags (see
// CMakeLists.txt); dispatch.cpp installs them only on CPUs that have them.
// The avx512 level keeps the avx2 kernels for everything not replaced here:
// only kernels that measured faster than their avx2 version on Zen 5
// (bench/bench_kernels) are here. F16 (vcvtph2ps on 512 bits), and Q4_0 and
// Q4_K on 512 bits were not, so they were left out (Q4_0 uses 256-bit VNNI).
//
// Q4_0 / Q5_0 use 256-bit vpdpbusd (u8 x s8, four products summed into
// int32 without intermediate saturation) on the unsigned quants; the
// per-block integer sums are exact as in the avx2 and scalar kernels, only
// the float summation order differs from the scalar reference. The k-quants
// use the avx2 twins of their peer models (x86_avx2_kquant.cpp) at this level
// too. Q8_0 keeps the avx2 kernel, whose float order is llama.cpp's.
#include <immintrin.h>

#include <cstring>

#include "kernels/blocks.h"
#include "kernels/scalar_kernels.h"
#include "kernels/x86_avx2_helpers.h"
#include "kernels/x86_kernels.h"

namespace ledge::kernels::avx512 {
namespace {

using namespace x86;

// ---------------------------------------------------------------- float rows

template <typename Load>
float dot_rows(int64_t n, Load load) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps(),
         acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_fmadd_ps(load(0, i, 0xffff), load(1, i, 0xffff), acc0);
    acc1 = _mm512_fmadd_ps(load(0, i + 16, 0xffff), load(1, i + 16, 0xffff), acc1);
    acc2 = _mm512_fmadd_ps(load(0, i + 32, 0xffff), load(1, i + 32, 0xffff), acc2);
    acc3 = _mm512_fmadd_ps(load(0, i + 48, 0xffff), load(1, i + 48, 0xffff), acc3);
  }
  for (; i < n; i += 16) {
    // Masked tail: lanes past n load as 0 and add nothing.
    const auto m = static_cast<__mmask16>(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1u);
    acc0 = _mm512_fmadd_ps(load(0, i, m), load(1, i, m), acc0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

float vec_dot_f32(int64_t n, const void* w, const void* act) {
  const float* rows[2] = {static_cast<const float*>(w), static_cast<const float*>(act)};
  return dot_rows(n, [&](int r, int64_t i, __mmask16 m) { return _mm512_maskz_loadu_ps(m, rows[r] + i); });
}

float vec_dot_bf16(int64_t n, const void* w, const void* act) {
  const uint16_t* rows[2] = {static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(act)};
  return dot_rows(n, [&](int r, int64_t i, __mmask16 m) {
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, rows[r] + i));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
  });
}

// ------------------------------------------------------------ 32-blocks x Q8_0

// Q4_0 on 256 bits with VNNI: sum (q - 8) * a = sum q * a - sum 8 * a, both
// halves straight from vpdpbusd on the unsigned nibbles (no sign fix-ups).
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  const int64_t nb = n / kQK;
  const __m256i eight = _mm256_set1_epi8(8);
  const __m256i zero = _mm256_setzero_si256();
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  auto block = [&](int64_t i, __m256 acc) {
    const __m256i a = load256(y[i].qs);
    const __m256i p =
        _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, nibbles_32(x[i].qs), a), _mm256_dpbusd_epi32(zero, eight, a));
    return _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)), _mm256_cvtepi32_ps(p), acc);
  };
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    acc0 = block(i, acc0);
    acc1 = block(i + 1, acc1);
  }
  if (i < nb) acc0 = block(i, acc0);
  return hsum(_mm256_add_ps(acc0, acc1));
}

// Q5_0 likewise: unsigned q = nibble | bit4 << 4 (bit 4 straight from the
// qh mask via vpmovm2b), sum (q - 16) * a = dpbusd(q, a) - dpbusd(16, a).
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  const int64_t nb = n / kQK;
  const __m256i sixteen = _mm256_set1_epi8(16);
  const __m256i zero = _mm256_setzero_si256();
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  auto block = [&](int64_t i, __m256 acc) {
    uint32_t qh;
    std::memcpy(&qh, x[i].qh, sizeof(qh));
    const __m256i q = _mm256_mask_add_epi8(nibbles_32(x[i].qs), static_cast<__mmask32>(qh), nibbles_32(x[i].qs), sixteen);
    const __m256i a = load256(y[i].qs);
    const __m256i p = _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, q, a), _mm256_dpbusd_epi32(zero, sixteen, a));
    return _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)), _mm256_cvtepi32_ps(p), acc);
  };
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    acc0 = block(i, acc0);
    acc1 = block(i + 1, acc1);
  }
  if (i < nb) acc0 = block(i, acc0);
  return hsum(_mm256_add_ps(acc0, acc1));
}

using TT = TensorType;
namespace s = scalar;

constexpr KernelVariant vd(TT t, VecDotFn scalar_fn, VecDotFn simd_fn) {
  return {t, {nullptr, nullptr, scalar_fn}, {nullptr, nullptr, simd_fn}};
}

constexpr KernelVariant kVariants[] = {
    vd(TT::F32, s::vec_dot_f32, vec_dot_f32),
    vd(TT::BF16, s::vec_dot_bf16, vec_dot_bf16),
    vd(TT::Q4_0, s::vec_dot_q4_0_q8_0, vec_dot_q4_0_q8_0),
    vd(TT::Q5_0, s::vec_dot_q5_0_q8_0, vec_dot_q5_0_q8_0),
};

}  // namespace
}  // namespace ledge::kernels::avx512

namespace ledge::kernels {
std::span<const KernelVariant> avx512_variants() { return avx512::kVariants; }
}  // namespace ledge::kernels
