// `ledge quantize`: converts a GGUF model's weights to one of llama.cpp's
// quantization mixes, reproducing llama-quantize's output (no imatrix): the
// same per-tensor types (quant_mix.h), the same quantized bytes (reference
// quantizers), the same tensor order and metadata order (general.file_type
// and general.quantization_version rewritten at the end).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"
#include "tools/quant_mix.h"

namespace ledge::tools {

inline constexpr uint32_t kQuantizationVersion = 2;  // GGML_QNT_VERSION

// The source metadata with general.quantization_version and
// general.file_type moved to the end, as llama-quantize writes them.
Result<gguf::Writer> quantized_metadata(const std::vector<gguf::KeyValue>& src, const FileType& ft);

// What the mix rules need, read from {arch}.* metadata.
Result<MixModel> mix_model_from(const gguf::File& f);

struct QuantizedTensor {
  std::string name;
  gguf::TensorType from = gguf::TensorType::F32, to = gguf::TensorType::F32;
  uint64_t bytes_in = 0, bytes_out = 0;
};

struct QuantizeReport {
  std::vector<QuantizedTensor> tensors;  // in output order
  uint64_t file_bytes_in = 0, file_bytes_out = 0;
};

// Reads `in`, writes `out` atomically. Sources of converted tensors must be
// F32, F16 or BF16 and finite; tensors whose type does not change are copied.
Result<QuantizeReport> quantize_file(const std::string& in, const std::string& out, const FileType& ft,
                                     int n_threads);

}  // namespace ledge::tools
