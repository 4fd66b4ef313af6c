// An architecture binds a file's tensors and runs one transformer block.
// Each architecture is one small file (arch_<name>.cpp) composed from the
// shared layer helpers in layers.h; nothing else in the engine knows names.
#pragma once

#include <span>
#include <string_view>

#include "common/status.h"
#include "gguf/gguf.h"
#include "model/hparams.h"
#include "model/model.h"

namespace ledge::model {

struct ForwardState;

class Architecture {
 public:
  virtual ~Architecture() = default;
  virtual std::string_view name() const = 0;
  virtual RopeStyle rope_style() const = 0;
  // Finds and checks every tensor (names, shapes, types) into `w`.
  virtual Status bind(const gguf::File& f, const HParams& hp, Weights& w) const = 0;
  // Runs block `il` over the whole batch: st.x is read and updated in place.
  virtual void block(const LayerWeights& lw, int il, ForwardState& st) const = 0;
};

// nullptr when the architecture is not supported.
const Architecture* find_architecture(std::string_view name);
// Comma-separated list for error messages.
std::string supported_architectures();

// Registered architectures (one per arch_<name>.cpp).
const Architecture& llama_architecture();
const Architecture& qwen2_architecture();

}  // namespace ledge::model
