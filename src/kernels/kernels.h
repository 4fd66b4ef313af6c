// Type-generic entry points over the active kernel table (type_traits.h).
// dequantize_row / quantize_row validate their arguments and report misuse by
// value (a tensor type can come from an untrusted file); vec_dot is the hot
// path and only asserts its preconditions, which callers establish once per
// tensor with check_row().
#pragma once

#include <cstdint>

#include "common/status.h"
#include "kernels/type_traits.h"

namespace ledge::kernels {

// OK if `t` has kernels here and n is a non-negative multiple of its block size.
Status check_row(TensorType t, int64_t n);

// src: n elements of type t (row_bytes(t, n) bytes) -> dst: n floats.
Status dequantize_row(TensorType t, const void* src, float* dst, int64_t n);

// src: n floats -> dst: row_bytes(t, n) bytes of type t.
Status quantize_row(TensorType t, const float* src, void* dst, int64_t n);

// Dot product of a row of weights of type t with activations already in
// type_info(t)->vec_dot_type. Preconditions: check_row(t, n) is OK and t is
// not an activation-only format (Q8_1, Q8_K).
float vec_dot(TensorType t, int64_t n, const void* w_row, const void* act_row);

}  // namespace ledge::kernels
