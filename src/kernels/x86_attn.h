// x86 SIMD variants of the attention / element-wise ops (attn_ops.h), one
// translation unit per ISA level compiled with that level's flags; only
// returned by ops_at() after the CPU was checked.
#pragma once

#include "kernels/attn_ops.h"

namespace ledge::kernels::attn {

const Ops& avx2_attn_ops();  // x86_avx2_attn.cpp (AVX2 + FMA + F16C); also the avx512 level's set

}  // namespace ledge::kernels::attn
