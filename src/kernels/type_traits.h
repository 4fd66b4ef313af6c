// Per-type kernel table: block geometry, the activation format a weight type
// is dotted with (vec_dot_type), and the kernel entry points.
//
// Dispatch design: type_info() reads a process-wide table that starts out
// pointing at the scalar reference kernels (scalar_kernels.h). At start-up,
// before any inference thread runs, an ISA-specific module (AVX2, AVX-512,
// NEON, ...) may replace individual function pointers with install_kernels();
// reference_type_info() always keeps the scalar versions, so tests can compare
// any installed variant against them. The table is not synchronised: install
// only during single-threaded start-up.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "gguf/tensor_type.h"

namespace ledge::kernels {

using gguf::TensorType;

using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);
using VecDotFn = float (*)(int64_t n, const void* w, const void* act);
// Matrix product for a block of weight rows and a block of activation rows:
//   out[c * out_stride + r] = w_r · act_c   for r < n_rows, c < n_cols,
// w_r at w + r * w_stride, act_c at act + c * act_stride (both in bytes).
// Contract: every output equals, bit for bit, what the *reference* entry's
// gemm (or, where it has none, one vec_dot per element) gives for the same
// arguments. SIMD variants may tile, reorder loads and reuse registers, but
// never change the float order of a single output; this is what keeps results
// independent of ISA, tiling and thread count. The reference may model an
// order that depends on n_cols (e.g. llama.cpp's 4-row GEMM groups).
using GemmFn = void (*)(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act,
                        size_t act_stride, int64_t n_cols, float* out, size_t out_stride);

struct Kernels {
  DequantizeRowFn dequantize = nullptr;  // row of blocks -> f32
  QuantizeRowFn quantize = nullptr;      // f32 -> row of blocks
  VecDotFn vec_dot = nullptr;            // null for activation-only formats (Q8_1, Q8_K)
  GemmFn gemm = nullptr;                 // optional; null means one vec_dot per output
};

struct TypeInfo {
  TensorType type = TensorType::F32;
  std::string_view name;
  uint32_t block_elems = 0;  // elements per block (1 for F32/F16/BF16)
  uint32_t block_bytes = 0;  // bytes per block
  // Format the other operand of vec_dot must be in: Q8_0 for Q4_0/Q5_0/Q8_0,
  // Q8_1 for Q4_1/Q5_1, Q8_K for the k-quants, the type itself for
  // F32/F16/BF16 (as in llama.cpp's CPU backend).
  TensorType vec_dot_type = TensorType::F32;
  Kernels kernels;
};

// The types this library implements, in a fixed order (for tests/benchmarks):
// F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1 Q2_K Q3_K Q4_K Q5_K Q6_K Q8_K.
std::span<const TensorType> supported_types();

// Active table entry, or nullptr if the type has no kernels here (IQ*, ...).
const TypeInfo* type_info(TensorType t);

// Scalar reference entry (never replaced), or nullptr.
const TypeInfo* reference_type_info(TensorType t);

// Replaces the non-null pointers of `k` in t's active entry. Returns false
// (and changes nothing) for an unsupported type. Start-up only.
bool install_kernels(TensorType t, const Kernels& k);

// Sets t's gemm slot, null included (install_kernels cannot clear a slot).
// For the dispatcher, whose gemm variants are valid only while the entry's
// vec_dot is the function they reproduce. Start-up only.
bool set_gemm(TensorType t, GemmFn gemm);

// Restores every active entry to the scalar reference.
void reset_kernels();

// Bytes of a row of n elements; 0 if t is unsupported or n is not a multiple
// of the block size.
uint64_t row_bytes(TensorType t, int64_t n);

}  // namespace ledge::kernels
