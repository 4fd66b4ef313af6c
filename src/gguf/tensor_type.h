// GGML tensor element types as stored in GGUF files: ids, block sizes and
// bytes per block exactly as the format defines them. The kernels library
// implements the arithmetic; this table is what the file reader needs to
// validate tensor extents.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ledge::gguf {

enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  // 4 and 5 (Q4_2, Q4_3) were removed from the format.
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  // 31-33 (Q4_0_4_4 ...) were removed from the format.
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct TensorTypeTraits {
  TensorType type;
  std::string_view name;     // as llama.cpp prints it, e.g. "Q4_K"
  uint32_t block_elems;      // elements per block (1 for plain types)
  uint32_t block_bytes;      // bytes per block
};

// Traits of a type id read from a file; nullopt for ids the format does not
// define (the caller reports the id and where it was read).
std::optional<TensorTypeTraits> tensor_type_traits(uint32_t id);

// Name of a type for messages ("Q4_K"; "type#unknown" for an id the table
// lacks; the parser rejects such ids, naming the number, before this is used).
std::string_view tensor_type_name(TensorType t);

}  // namespace ledge::gguf
