// qwen2: Qwen2 / Qwen2.5. Same block as llama plus q/k/v biases, and NeoX RoPE.
#include "model/architecture.h"
#include "model/bind.h"
#include "model/layers.h"

namespace ledge::model {
namespace {

class Qwen2 final : public Architecture {
 public:
  std::string_view name() const override { return "qwen2"; }
  RopeStyle rope_style() const override { return RopeStyle::kNeox; }
  Status bind(const gguf::File& f, const HParams& hp, Weights& w) const override {
    return bind_decoder_weights(f, hp, w, /*qkv_bias=*/true);
  }
  void block(const LayerWeights& lw, int il, ForwardState& st) const override {
    self_attention_block(st, lw, il);  // biases are present, so they are added
    swiglu_ffn_block(st, lw);
  }
};

}  // namespace

const Architecture& qwen2_architecture() {
  static const Qwen2 arch;
  return arch;
}

}  // namespace ledge::model
