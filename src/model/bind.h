// Finding a model's tensors by name and checking their shapes and types.
#pragma once

#include <string>

#include "common/status.h"
#include "gguf/gguf.h"
#include "model/hparams.h"
#include "model/model.h"

namespace ledge::model {

enum class TensorRole {
  kNorm,    // 1-D F32 vector (norm weights, biases, rope factors)
  kMatrix,  // 2-D weight in any type the kernels support
};

// Binds `name` with shape [ne0, ne1] (ne1 = 1 for vectors). Missing tensors
// are an error unless `optional`, in which case `out` stays empty.
Status bind_tensor(const gguf::File& f, const std::string& name, int64_t ne0, int64_t ne1, TensorRole role,
                   Tensor& out, bool optional = false);

// The standard pre-norm decoder layout (llama.cpp tensor names): token_embd,
// output_norm, optional output (tied to token_embd when absent), optional
// rope_freqs, and per block attn_norm, attn_{q,k,v,output}, ffn_norm,
// ffn_{gate,up,down}; plus attn_{q,k,v}.bias when `qkv_bias`.
Status bind_decoder_weights(const gguf::File& f, const HParams& hp, Weights& w, bool qkv_bias);

}  // namespace ledge::model
