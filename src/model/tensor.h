// A 2-D weight matrix viewed in place inside the mmapped GGUF file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gguf/tensor_type.h"

namespace ledge::model {

struct Tensor {
  std::string name;
  gguf::TensorType type = gguf::TensorType::F32;
  int64_t ne0 = 0;            // elements per row (input features)
  int64_t ne1 = 1;            // rows (output features)
  size_t row_bytes = 0;
  const uint8_t* data = nullptr;  // points into the mapping; never copied

  bool present() const { return data != nullptr; }
  const uint8_t* row(int64_t r) const { return data + size_t(r) * row_bytes; }
  const float* f32() const { return reinterpret_cast<const float*>(data); }
};

}  // namespace ledge::model
