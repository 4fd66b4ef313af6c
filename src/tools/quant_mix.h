// llama.cpp's quantization "mixes" (file types such as Q4_K_M): the default
// tensor type of each mix and the per-tensor choices llama-quantize makes
// (no imatrix, no overrides), so that `ledge quantize` produces the same
// tensor types — and, with the reference quantizers, the same bytes. The
// rules are described in docs/quantize.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gguf/tensor_type.h"

namespace ledge::tools {

using gguf::TensorType;

struct FileType {
  std::string_view name;     // as llama-quantize spells it: "Q4_K_M"
  uint32_t id;               // general.file_type (llama_ftype)
  TensorType default_type;   // type of the tensors no rule singles out
};

// The mixes ledge can produce, in a fixed order.
std::span<const FileType> file_types();
// Case-insensitive lookup by name; nullopt if unknown.
std::optional<FileType> find_file_type(std::string_view name);
// "F32, F16, ..." for error messages.
std::string file_type_names();

// What the rules need to know about the model.
struct MixModel {
  std::string arch;      // general.architecture
  int64_t n_layer = 0;   // {arch}.block_count
  int64_t n_head = 0;    // {arch}.attention.head_count
  int64_t n_head_kv = 0; // {arch}.attention.head_count_kv (n_head when absent)
};

struct MixTensor {
  std::string name;
  uint32_t n_dims = 0;
  uint64_t ne0 = 0;      // row length
  TensorType type = TensorType::F32;  // current (source) type
};

// The order llama-quantize processes and writes tensors in: tensors outside
// blocks first, then block by block (numeric), by name within each group.
// Returns indices into `tensors`.
std::vector<size_t> quantize_order(std::span<const MixTensor> tensors);

// Target type of every tensor, given in processing order (quantize_order).
// Tensors that are not quantized keep their type.
Result<std::vector<TensorType>> plan_tensor_types(const FileType& ft, const MixModel& model,
                                                  std::span<const MixTensor> tensors_in_order);

}  // namespace ledge::tools
