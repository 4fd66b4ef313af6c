// Scalar reference kernels, one set per type. These are the ground truth
// every faster (SIMD) variant is tested against; the type table
// (type_traits.h) points at them by default.
//
// Uniform signatures (n = element count, a multiple of the type's block size;
// rows are contiguous blocks):
//   dequantize: (const void* src, float* dst, int64_t n)
//   quantize:   (const float* src, void* dst, int64_t n)
//   vec_dot:    (int64_t n, const void* w, const void* act) -> float, where
//               act is already in the weight type's vec_dot_type.
//
// Float order of every vec_dot follows llama.cpp's portable ("generic") C
// kernels, since that decides the last bits of the result; each .cpp says how.
#pragma once

#include <cstdint>

namespace ledge::kernels::scalar {

// Plain float types. vec_dot accumulates products in double (as ggml's scalar
// f32/f16/bf16 dot does) and rounds once at the end.
void dequantize_row_f32(const void* src, float* dst, int64_t n);
void quantize_row_f32(const float* src, void* dst, int64_t n);
float vec_dot_f32(int64_t n, const void* w, const void* act);
void dequantize_row_f16(const void* src, float* dst, int64_t n);
void quantize_row_f16(const float* src, void* dst, int64_t n);
float vec_dot_f16(int64_t n, const void* w, const void* act);
void dequantize_row_bf16(const void* src, float* dst, int64_t n);
void quantize_row_bf16(const float* src, void* dst, int64_t n);
float vec_dot_bf16(int64_t n, const void* w, const void* act);

// 32-element block formats.
void dequantize_row_q4_0(const void* src, float* dst, int64_t n);
void quantize_row_q4_0(const float* src, void* dst, int64_t n);
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act);
void dequantize_row_q4_1(const void* src, float* dst, int64_t n);
void quantize_row_q4_1(const float* src, void* dst, int64_t n);
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act);
void dequantize_row_q5_0(const void* src, float* dst, int64_t n);
void quantize_row_q5_0(const float* src, void* dst, int64_t n);
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act);
void dequantize_row_q5_1(const void* src, float* dst, int64_t n);
void quantize_row_q5_1(const float* src, void* dst, int64_t n);
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act);
void dequantize_row_q8_0(const void* src, float* dst, int64_t n);
void quantize_row_q8_0(const float* src, void* dst, int64_t n);
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act);
void dequantize_row_q8_1(const void* src, float* dst, int64_t n);
void quantize_row_q8_1(const float* src, void* dst, int64_t n);

// Bit-exact scalar models of what llama.cpp's x86 AVX/AVX2/AVX-512 builds use
// to quantize activations to Q8_0 / Q8_1 (quantize_row_q8_0/_1 in
// ggml-cpu/arch/x86/quants.c): multiplier 127/amax instead of 1/(amax/127),
// and round-half-to-even instead of roundf. They differ from the reference in
// the last bit of a few quants; the llama.cpp goldens in the fixtures were
// made by such a build. Select them with install_kernels() (type_traits.h);
// tools writing model files should quantize with reference_type_info().
void quantize_row_q8_0_x86(const float* src, void* dst, int64_t n);
void quantize_row_q8_1_x86(const float* src, void* dst, int64_t n);

// 256-element super-block formats (k-quants), all dotted against Q8_K.
void dequantize_row_q2_k(const void* src, float* dst, int64_t n);
void quantize_row_q2_k(const float* src, void* dst, int64_t n);
float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act);
void dequantize_row_q3_k(const void* src, float* dst, int64_t n);
void quantize_row_q3_k(const float* src, void* dst, int64_t n);
float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act);
void dequantize_row_q4_k(const void* src, float* dst, int64_t n);
void quantize_row_q4_k(const float* src, void* dst, int64_t n);
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act);
void dequantize_row_q5_k(const void* src, float* dst, int64_t n);
void quantize_row_q5_k(const float* src, void* dst, int64_t n);
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act);
void dequantize_row_q6_k(const void* src, float* dst, int64_t n);
void quantize_row_q6_k(const float* src, void* dst, int64_t n);
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act);
void dequantize_row_q8_k(const void* src, float* dst, int64_t n);
void quantize_row_q8_k(const float* src, void* dst, int64_t n);

}  // namespace ledge::kernels::scalar
