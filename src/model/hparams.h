// Model hyper-parameters, read only from GGUF metadata ({arch}.* keys).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "gguf/gguf.h"

namespace ledge::model {

// How rotary embeddings pair up dimensions.
enum class RopeStyle {
  kNormal,  // GPT-J style: rotates adjacent pairs (x[2i], x[2i+1])      — llama
  kNeox,    // GPT-NeoX style: rotates (x[i], x[i + n_rot/2])             — qwen2
};

struct HParams {
  std::string arch;
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;   // key/value length per head
  int32_t n_ff = 0;
  int32_t n_rot = 0;      // rotated dimensions per head
  float rope_freq_base = 10000.f;
  float rope_freq_scale = 1.f;  // 1 / linear scaling factor
  float rms_eps = 1e-5f;
  RopeStyle rope_style = RopeStyle::kNormal;

  int32_t q_dim() const { return n_head * head_dim; }
  int32_t kv_dim() const { return n_head_kv * head_dim; }
};

// Reads and cross-checks the hyper-parameters. `rope_style` comes from the
// architecture (llama.cpp decides it per architecture, not from metadata).
Result<HParams> read_hparams(const gguf::File& f, const std::string& arch, RopeStyle rope_style);

}  // namespace ledge::model
