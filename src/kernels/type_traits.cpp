#include "kernels/type_traits.h"

#include <array>
#include <cstdlib>

#include "kernels/blocks.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels {
namespace {

struct ReferenceEntry {
  TensorType type;
  TensorType vec_dot_type;
  size_t block_struct_bytes;  // sizeof the block struct this library reads
  Kernels kernels;
};

using TT = TensorType;
namespace s = scalar;

constexpr std::array<ReferenceEntry, 15> kReference{{
    {TT::F32, TT::F32, sizeof(float), {s::dequantize_row_f32, s::quantize_row_f32, s::vec_dot_f32}},
    {TT::F16, TT::F16, sizeof(uint16_t), {s::dequantize_row_f16, s::quantize_row_f16, s::vec_dot_f16}},
    {TT::BF16, TT::BF16, sizeof(uint16_t), {s::dequantize_row_bf16, s::quantize_row_bf16, s::vec_dot_bf16}},
    {TT::Q4_0, TT::Q8_0, sizeof(BlockQ4_0), {s::dequantize_row_q4_0, s::quantize_row_q4_0, s::vec_dot_q4_0_q8_0}},
    {TT::Q4_1, TT::Q8_1, sizeof(BlockQ4_1), {s::dequantize_row_q4_1, s::quantize_row_q4_1, s::vec_dot_q4_1_q8_1}},
    {TT::Q5_0, TT::Q8_0, sizeof(BlockQ5_0), {s::dequantize_row_q5_0, s::quantize_row_q5_0, s::vec_dot_q5_0_q8_0}},
    {TT::Q5_1, TT::Q8_1, sizeof(BlockQ5_1), {s::dequantize_row_q5_1, s::quantize_row_q5_1, s::vec_dot_q5_1_q8_1}},
    {TT::Q8_0, TT::Q8_0, sizeof(BlockQ8_0), {s::dequantize_row_q8_0, s::quantize_row_q8_0, s::vec_dot_q8_0_q8_0}},
    {TT::Q8_1, TT::Q8_1, sizeof(BlockQ8_1), {s::dequantize_row_q8_1, s::quantize_row_q8_1, nullptr}},
    {TT::Q2_K, TT::Q8_K, sizeof(BlockQ2_K), {s::dequantize_row_q2_k, s::quantize_row_q2_k, s::vec_dot_q2_k_q8_k}},
    {TT::Q3_K, TT::Q8_K, sizeof(BlockQ3_K), {s::dequantize_row_q3_k, s::quantize_row_q3_k, s::vec_dot_q3_k_q8_k}},
    {TT::Q4_K, TT::Q8_K, sizeof(BlockQ4_K), {s::dequantize_row_q4_k, s::quantize_row_q4_k, s::vec_dot_q4_k_q8_k}},
    {TT::Q5_K, TT::Q8_K, sizeof(BlockQ5_K), {s::dequantize_row_q5_k, s::quantize_row_q5_k, s::vec_dot_q5_k_q8_k}},
    {TT::Q6_K, TT::Q8_K, sizeof(BlockQ6_K), {s::dequantize_row_q6_k, s::quantize_row_q6_k, s::vec_dot_q6_k_q8_k}},
    {TT::Q8_K, TT::Q8_K, sizeof(BlockQ8_K), {s::dequantize_row_q8_k, s::quantize_row_q8_k, nullptr}},
}};

constexpr std::array<TensorType, kReference.size()> kSupported = [] {
  std::array<TensorType, kReference.size()> a{};
  for (size_t i = 0; i < kReference.size(); ++i) a[i] = kReference[i].type;
  return a;
}();

// Geometry and names come from the GGUF type table (single source of truth);
// the block structs must agree with it, which is checked here once and by
// tests/kernels/test_type_info.cpp.
std::array<TypeInfo, kReference.size()> build_reference_table() {
  std::array<TypeInfo, kReference.size()> table{};
  for (size_t i = 0; i < kReference.size(); ++i) {
    const auto& r = kReference[i];
    const auto traits = gguf::tensor_type_traits(static_cast<uint32_t>(r.type));
    if (!traits || traits->block_bytes != r.block_struct_bytes) std::abort();  // build-time invariant broken
    table[i] = TypeInfo{r.type, traits->name, traits->block_elems, traits->block_bytes, r.vec_dot_type, r.kernels};
  }
  return table;
}

const std::array<TypeInfo, kReference.size()>& reference_table() {
  static const auto table = build_reference_table();
  return table;
}

std::array<TypeInfo, kReference.size()>& active_table() {
  static auto table = reference_table();
  return table;
}

int index_of(TensorType t) {
  for (size_t i = 0; i < kSupported.size(); ++i) {
    if (kSupported[i] == t) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::span<const TensorType> supported_types() { return kSupported; }

const TypeInfo* type_info(TensorType t) {
  const int i = index_of(t);
  return i < 0 ? nullptr : &active_table()[static_cast<size_t>(i)];
}

const TypeInfo* reference_type_info(TensorType t) {
  const int i = index_of(t);
  return i < 0 ? nullptr : &reference_table()[static_cast<size_t>(i)];
}

bool install_kernels(TensorType t, const Kernels& k) {
  const int i = index_of(t);
  if (i < 0) return false;
  Kernels& dst = active_table()[static_cast<size_t>(i)].kernels;
  if (k.dequantize) dst.dequantize = k.dequantize;
  if (k.quantize) dst.quantize = k.quantize;
  if (k.vec_dot) dst.vec_dot = k.vec_dot;
  if (k.gemm) dst.gemm = k.gemm;
  return true;
}

bool set_gemm(TensorType t, GemmFn gemm) {
  const int i = index_of(t);
  if (i < 0) return false;
  active_table()[static_cast<size_t>(i)].kernels.gemm = gemm;
  return true;
}

void reset_kernels() { active_table() = reference_table(); }

uint64_t row_bytes(TensorType t, int64_t n) {
  const TypeInfo* info = type_info(t);
  if (!info || n < 0 || n % info->block_elems != 0) return 0;
  return static_cast<uint64_t>(n / info->block_elems) * info->block_bytes;
}

}  // namespace ledge::kernels
