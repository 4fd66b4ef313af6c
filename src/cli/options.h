// Option parsing shared by several subcommands.
#pragma once

#include <string>

#include "common/status.h"
#include "kvcache/kv_cache.h"

namespace ledge::cli {

inline Result<kv::KvType> parse_kv_type(const std::string& s) {
  if (s == "f16") return kv::KvType::F16;
  if (s == "f32") return kv::KvType::F32;
  return Error{"unknown KV cache type '" + s + "' (expected f16 or f32)"};
}

}  // namespace ledge::cli
