#include "model/architecture.h"

#include <array>
#include <string>

namespace ledge::model {
namespace {
std::array<const Architecture*, 2> all() { return {&llama_architecture(), &qwen2_architecture()}; }
}  // namespace

const Architecture* find_architecture(std::string_view name) {
  for (const Architecture* a : all())
    if (a->name() == name) return a;
  return nullptr;
}

std::string supported_architectures() {
  std::string s;
  for (const Architecture* a : all()) {
    if (!s.empty()) s += ", ";
    s += a->name();
  }
  return s;
}

}  // namespace ledge::model
