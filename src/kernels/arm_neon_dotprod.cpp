// ARMv8.2-A dot-product (SDOT) kernels for the 32-element block types: the
// same code as arm_neon.cpp's (arm_neon_legacy.h) with the four-product lane
// sums done by one SDOT instead of widening multiplies and pairwise adds.
// Compiled with -march=armv8.2-a+dotprod; dispatch.cpp installs them only when
// getauxval(AT_HWCAP) has HWCAP_ASIMDDP. Bit-identical to the functions they
// replace, like every ARM kernel (arm_kernels.h): SDOT's int32 sums are exact.
#include <arm_neon.h>

#include "kernels/arm_kernels.h"
#include "kernels/arm_neon_kquant.h"
#include "kernels/arm_neon_legacy.h"
#include "kernels/blocks.h"
#include "kernels/peer_order.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::neon_dotprod {
namespace {

// Lane k = sum of the products of elements 4k..4k+3.
struct QuadDot {
  static int32x4_t sums(int8x16_t a, int8x16_t b) { return vdotq_s32(vdupq_n_s32(0), a, b); }
};

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) { return arm::ref_q4_0<QuadDot>(n, w, act); }
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) { return arm::ref_q5_0<QuadDot>(n, w, act); }
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act) { return arm::ref_q8_0<QuadDot>(n, w, act); }
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::ref_q_1<QuadDot, BlockQ4_1>(n, w, act);
}
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::ref_q_1<QuadDot, BlockQ5_1>(n, w, act);
}

float peer_vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes<QuadDot, BlockQ8_0>(n, w, act);
}
float peer_vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes<QuadDot, BlockQ5_0>(n, w, act);
}
float peer_vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes_1<QuadDot, BlockQ4_1>(n, w, act);
}
float peer_vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes_1<QuadDot, BlockQ5_1>(n, w, act);
}
float peer_vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) { return arm::peer_q4_0<QuadDot>(n, w, act); }

// peer_order.h's k-quant orders (what the engine's table holds for Q2_K..Q6_K).
float peer_vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act) { return arm::peer_q3_k<QuadDot>(n, w, act); }
float peer_vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act) { return arm::peer_q5_k<QuadDot>(n, w, act); }
float peer_vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act) { return arm::peer_q6_k<QuadDot>(n, w, act); }
float peer_vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q4_k<QuadDot, 1>(n, w, act); }
float peer_gemm_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q4_k<QuadDot, 4>(n, w, act); }
float peer_vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q2_k<QuadDot, 1>(n, w, act); }
float peer_gemm_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q2_k<QuadDot, 2>(n, w, act); }
constexpr GemmFn peer_gemm_q4_k_q8_k = arm::repack_gemm<peer_gemm_dot_q4_k_q8_k, peer_vec_dot_q4_k_q8_k>;
constexpr GemmFn peer_gemm_q2_k_q8_k = arm::repack_gemm<peer_gemm_dot_q2_k_q8_k, peer_vec_dot_q2_k_q8_k>;
constexpr GemmFn peer_gemm_q3_k_q8_k = arm::lanes_gemm<arm::Q3KOps<QuadDot>>;
constexpr GemmFn peer_gemm_q5_k_q8_k = arm::lanes_gemm<arm::Q5KOps<QuadDot>>;
constexpr GemmFn peer_gemm_q6_k_q8_k = arm::lanes_gemm<arm::Q6KOps<QuadDot>>;

using TT = TensorType;
namespace s = scalar;

constexpr KernelVariant vd(TT t, VecDotFn scalar_fn, VecDotFn simd_fn) {
  return {t, {nullptr, nullptr, scalar_fn}, {nullptr, nullptr, simd_fn}};
}

constexpr KernelVariant gm(TT t, GemmFn scalar_fn, GemmFn simd_fn) {
  return {t, {nullptr, nullptr, nullptr, scalar_fn}, {nullptr, nullptr, nullptr, simd_fn}};
}

constexpr KernelVariant kVariants[] = {
    vd(TT::Q4_0, s::vec_dot_q4_0_q8_0, vec_dot_q4_0_q8_0),
    vd(TT::Q4_1, s::vec_dot_q4_1_q8_1, vec_dot_q4_1_q8_1),
    vd(TT::Q5_0, s::vec_dot_q5_0_q8_0, vec_dot_q5_0_q8_0),
    vd(TT::Q5_1, s::vec_dot_q5_1_q8_1, vec_dot_q5_1_q8_1),
    vd(TT::Q8_0, s::vec_dot_q8_0_q8_0, vec_dot_q8_0_q8_0),
    vd(TT::Q8_0, peer::vec_dot_q8_0_q8_0, peer_vec_dot_q8_0_q8_0),
    vd(TT::Q5_0, peer::vec_dot_q5_0_q8_0, peer_vec_dot_q5_0_q8_0),
    vd(TT::Q4_1, peer::vec_dot_q4_1_q8_1, peer_vec_dot_q4_1_q8_1),
    vd(TT::Q5_1, peer::vec_dot_q5_1_q8_1, peer_vec_dot_q5_1_q8_1),
    vd(TT::Q4_0, peer::vec_dot_q4_0_q8_0, peer_vec_dot_q4_0_q8_0),
    vd(TT::Q3_K, peer::vec_dot_q3_k_q8_k, peer_vec_dot_q3_k_q8_k),
    vd(TT::Q5_K, peer::vec_dot_q5_k_q8_k, peer_vec_dot_q5_k_q8_k),
    vd(TT::Q6_K, peer::vec_dot_q6_k_q8_k, peer_vec_dot_q6_k_q8_k),
    vd(TT::Q4_K, peer::vec_dot_q4_k_q8_k, peer_vec_dot_q4_k_q8_k),
    vd(TT::Q2_K, peer::vec_dot_q2_k_q8_k, peer_vec_dot_q2_k_q8_k),
    gm(TT::Q4_K, peer::gemm_q4_k_q8_k, peer_gemm_q4_k_q8_k),
    gm(TT::Q2_K, peer::gemm_q2_k_q8_k, peer_gemm_q2_k_q8_k),
    gm(TT::Q3_K, peer::gemm_q3_k_q8_k, peer_gemm_q3_k_q8_k),
    gm(TT::Q5_K, peer::gemm_q5_k_q8_k, peer_gemm_q5_k_q8_k),
    gm(TT::Q6_K, peer::gemm_q6_k_q8_k, peer_gemm_q6_k_q8_k),
};


constexpr KernelVariant kGemmVariants[] = {
    {TT::Q8_0, {nullptr, nullptr, peer::vec_dot_q8_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, arm::peer_gemm_q8_0<QuadDot>}},
    {TT::Q4_0, {nullptr, nullptr, peer::vec_dot_q4_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, arm::peer_gemm_q4_0<QuadDot>}},
    {TT::Q5_0, {nullptr, nullptr, peer::vec_dot_q5_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, arm::peer_gemm_q5_0<QuadDot>}},
};

}  // namespace
}  // namespace ledge::kernels::neon_dotprod

namespace ledge::kernels {
std::span<const KernelVariant> neon_dotprod_variants() { return neon_dotprod::kVariants; }
std::span<const KernelVariant> neon_dotprod_gemm_variants() { return neon_dotprod::kGemmVariants; }
}  // namespace ledge::kernels
