// `ledge synth`: random-weight GGUF models with the exact tensor shapes and
// metadata layout of real small models (what convert_hf_to_gguf.py writes),
// for benchmarks and offline demos without downloads. Output is a pure
// function of (shape, type, seed): the same bytes every time on a given build.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gguf/stream_writer.h"
#include "tools/quant_mix.h"

namespace ledge::tools {

struct SynthShape {
  std::string arch = "llama";  // llama | qwen2
  std::string name;            // general.name
  int64_t n_embd = 64, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 192, n_vocab = 512, n_ctx = 2048;
  bool tied = true;
  bool qkv_bias = false;       // qwen2: biases on q/k/v
  bool llama3_rope = false;    // rope_freqs.weight with Llama 3 scaling (factor 32, low 1, high 4, orig 8192)
  bool explicit_head_dim = false;  // write attention.key_length/value_length (as for Llama 3.2)
  double rope_base = 10000.0;
  double rms_eps = 1e-5;
  std::string pre = "gpt-2";   // tokenizer.ggml.pre of the generated vocab

  int64_t head_dim() const { return n_embd / n_head; }
};

// Names accepted by shape_preset(): smollm2-135m, qwen2.5-0.5b, llama3.2-1b, tiny, custom.
std::vector<std::string> shape_preset_names();
std::optional<SynthShape> shape_preset(std::string_view name);

// Checks the dimensions fit together (heads divide, head_dim even, ...).
Status validate_shape(const SynthShape& s);

struct SynthOptions {
  SynthShape shape;
  FileType type{"F16", 1, gguf::TensorType::F16};
  uint64_t seed = 42;
  std::string vocab_from;  // copy tokenizer.* keys from this GGUF instead of generating a vocab
  int n_threads = 1;
};

struct SynthReport {
  uint64_t n_params = 0;
  uint64_t file_bytes = 0;
  int64_t n_vocab = 0;
  size_t n_tensors = 0;
};

// The tensors synthesize() writes for `shape` and `type`, in file order,
// with their types (sizes follow from them).
Result<std::vector<gguf::TensorDecl>> synth_layout(const SynthShape& shape, const FileType& type);

// Float types (F32/F16/BF16) are laid out as the converter writes them;
// quantized types exactly as `ledge quantize` (and llama-quantize) would
// write the F32 model, so synth --type Q4_K_M == quantize(synth --type F32).
Result<SynthReport> synthesize(const SynthOptions& opts, const std::string& out_path);

}  // namespace ledge::tools
