// llama: Llama 2/3.x, TinyLlama, SmolLM/SmolLM2, Mistral (no sliding window).
// Pre-norm blocks: RMSNorm -> attention (normal RoPE, GQA) -> RMSNorm -> SwiGLU.
#include "model/architecture.h"
#include "model/bind.h"
#include "model/layers.h"

namespace ledge::model {
namespace {

class Llama final : public Architecture {
 public:
  std::string_view name() const override { return "llama"; }
  RopeStyle rope_style() const override { return RopeStyle::kNormal; }
  Status bind(const gguf::File& f, const HParams& hp, Weights& w) const override {
    return bind_decoder_weights(f, hp, w, /*qkv_bias=*/false);
  }
  void block(const LayerWeights& lw, int il, ForwardState& st) const override {
    self_attention_block(st, lw, il);
    swiglu_ffn_block(st, lw);
  }
};

}  // namespace

const Architecture& llama_architecture() {
  static const Llama arch;
  return arch;
}

}  // namespace ledge::model
