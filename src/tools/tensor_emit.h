// Writes one tensor to a StreamWriter from rows of floats, converting or
// quantizing them to the target type with the reference kernels (the ones
// llama-quantize uses). Rows are produced and converted in bounded chunks
// on several threads, so a tensor never has to fit in memory as F32.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "gguf/stream_writer.h"

namespace ledge::tools {

// Fills rows [row0, row0 + n_rows) as floats (n_rows * ne0 values). Called
// concurrently for disjoint row ranges.
using RowSource = std::function<Status(uint64_t row0, uint64_t n_rows, float* dst)>;

struct EmitSpec {
  std::string name;      // for error messages
  uint64_t ne0 = 0;      // row length
  uint64_t n_rows = 0;   // product of the other dimensions
  gguf::TensorType type = gguf::TensorType::F32;
};

// Rejects non-finite values (naming the tensor and the element), converts,
// and appends the bytes as the writer's next tensor.
Status emit_tensor(gguf::StreamWriter& w, const EmitSpec& spec, const RowSource& source, int n_threads);

}  // namespace ledge::tools
