// The ARM SIMD kernel sets, one translation unit per level (arm_neon.cpp:
// ARMv8-A Advanced SIMD; arm_neon_dotprod.cpp: ARMv8.2-A SDOT), each only
// called after dispatch.cpp has checked the CPU (getauxval(AT_HWCAP)).
//
// Numerics: every ARM variant is bit-identical to the function it replaces
// (KernelVariant::scalar), not merely close: integer sums are exact, and the
// float steps are the replaced function's, in its order, unfused where it is
// unfused and fused (vfmaq_f32) where it calls std::fma. So on ARM the results
// are the same at every level, and the same as the scalar build's.
#pragma once

#include <span>

#include "kernels/type_traits.h"
#include "kernels/x86_kernels.h"  // struct KernelVariant (shared by both families)

namespace ledge::kernels {

std::span<const KernelVariant> neon_variants();
std::span<const KernelVariant> neon_dotprod_variants();

// Matrix-product kernels (the gemm slot) for the peer-order Q8_0 / Q5_0 /
// Q4_0 dots: every output is exactly one `scalar.vec_dot` of its weight row and
// activation row (only scalar.vec_dot and simd.gemm are set, as for x86).
std::span<const KernelVariant> neon_gemm_variants();
std::span<const KernelVariant> neon_dotprod_gemm_variants();

}  // namespace ledge::kernels
