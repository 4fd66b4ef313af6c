// IEEE-754 binary16 ("half", GGML type F16) <-> binary32 conversions.
//
// Bit-exact with ggml's portable conversions:
//  * fp32 -> fp16 rounds to nearest, ties to even, including results in the
//    fp16 subnormal range; magnitudes >= 65520 become +-inf; every NaN becomes
//    the canonical quiet NaN 0x7E00 with the input's sign (what ggml's
//    portable path produces).
//  * fp16 -> fp32 is exact; NaNs keep their payload and come out quiet
//    (what both ggml's portable path and x86 F16C do).
// Pure integer code (no F16C, no _Float16) so the scalar reference behaves the
// same on every target; a later SIMD path may use F16C and is tested against
// these functions.
#pragma once

#include <cstdint>

namespace ledge::kernels {

uint16_t fp32_to_fp16(float f);
float fp16_to_fp32(uint16_t h);

// fp16_to_fp32 of all 65536 patterns, indexed by the bits (built once, on
// first use; 256 KiB). Used by the row and dot-product loops.
const float* fp16_to_fp32_table();

void fp32_to_fp16_row(const float* src, uint16_t* dst, int64_t n);
void fp16_to_fp32_row(const uint16_t* src, float* dst, int64_t n);

}  // namespace ledge::kernels
