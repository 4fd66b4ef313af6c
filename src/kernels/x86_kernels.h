// The x86 SIMD kernel sets, one translation unit per ISA level
// (x86_avx2.cpp, x86_avx512.cpp), each compiled with its own -m flags and
// only called after dispatch.cpp has checked the CPU.
#pragma once

#include <span>

#include "kernels/type_traits.h"

namespace ledge::kernels {

// One replacement: the SIMD kernel in `simd` stands in for the scalar kernel
// in the same slot of `scalar` (exactly one slot set in each). Quantizers are
// bit-exact with their scalar function; dot products have exactly the same
// per-block integer sums and differ only in float summation order.
struct KernelVariant {
  TensorType type;
  Kernels scalar;
  Kernels simd;
};

std::span<const KernelVariant> avx2_variants();
std::span<const KernelVariant> avx512_variants();

// Matrix-product kernels (x86_avx2_gemm.cpp, x86_avx512_gemm.cpp): each gives,
// for every output, exactly one `scalar.vec_dot` of that weight row and
// activation row (the type's gemm contract when the entry has no reference
// gemm), so it is installed where the entry's vec_dot was that function
// before SIMD replacement. Only scalar.vec_dot and simd.gemm are set.
std::span<const KernelVariant> avx2_gemm_variants();
std::span<const KernelVariant> avx512_gemm_variants();

}  // namespace ledge::kernels
