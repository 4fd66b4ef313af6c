// A loaded model: hyper-parameters, weight views and the architecture that
// knows how to run them. Weights stay in the mmapped file (no copy).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "gguf/gguf.h"
#include "model/hparams.h"
#include "model/tensor.h"

namespace ledge::model {

struct LayerWeights {
  Tensor attn_norm;              // [n_embd]
  Tensor wq, wk, wv, wo;         // [n_embd -> q_dim], [n_embd -> kv_dim] x2, [q_dim -> n_embd]
  Tensor bq, bk, bv;             // optional biases [q_dim], [kv_dim], [kv_dim]
  Tensor ffn_norm;               // [n_embd]
  Tensor ffn_gate, ffn_up;       // [n_embd -> n_ff]
  Tensor ffn_down;               // [n_ff -> n_embd]
};

struct Weights {
  Tensor token_embd;             // [n_embd, n_vocab] (one row per token)
  Tensor output_norm;            // [n_embd]
  Tensor output;                 // [n_embd -> n_vocab]; token_embd when tied
  Tensor rope_freqs;             // optional [n_rot / 2] per-frequency divisors (Llama 3 scaling)
  std::vector<LayerWeights> layers;
};

class Architecture;

class Model {
 public:
  // Opens a GGUF file and binds every tensor the architecture needs, checking
  // names, shapes and types. Errors name the tensor or key.
  static Result<std::unique_ptr<Model>> load(const std::string& path);

  const HParams& hparams() const { return hp_; }
  const Weights& weights() const { return w_; }
  const Architecture& arch() const { return *arch_; }
  gguf::File& file() { return file_; }
  const gguf::File& file() const { return file_; }
  // Bytes of weight data the file maps (what a forward pass streams).
  uint64_t weight_bytes() const;

 private:
  gguf::File file_;
  HParams hp_;
  Weights w_;
  const Architecture* arch_ = nullptr;
};

}  // namespace ledge::model
