// F32, F16 and BF16 rows: conversion and dot products.
#include <cstring>

#include "kernels/bf16.h"
#include "kernels/fp16.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {

void dequantize_row_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
void quantize_row_f32(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
float vec_dot_f32(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const float*>(w);
  const auto* b = static_cast<const float*>(act);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(sum);
}

void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  fp16_to_fp32_row(static_cast<const uint16_t*>(src), dst, n);
}
void quantize_row_f16(const float* src, void* dst, int64_t n) {
  fp32_to_fp16_row(src, static_cast<uint16_t*>(dst), n);
}
float vec_dot_f16(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(act);
  const float* table = fp16_to_fp32_table();
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(table[a[i]] * table[b[i]]);
  return static_cast<float>(sum);
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  bf16_to_fp32_row(static_cast<const uint16_t*>(src), dst, n);
}
void quantize_row_bf16(const float* src, void* dst, int64_t n) {
  fp32_to_bf16_row(src, static_cast<uint16_t*>(dst), n);
}
float vec_dot_bf16(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(act);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(bf16_to_fp32(a[i]) * bf16_to_fp32(b[i]));
  return static_cast<float>(sum);
}

}  // namespace ledge::kernels::scalar
