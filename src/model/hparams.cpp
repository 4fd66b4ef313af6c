#include "model/hparams.h"

#include <cmath>

namespace ledge::model {
namespace {

Result<int32_t> get_dim(const gguf::File& f, const std::string& key, int64_t max_value) {
  auto v = f.get_uint(key);
  if (!v.ok()) return Error{"model metadata: " + v.message()};
  if (*v == 0 || int64_t(*v) > max_value)
    return Error{"model metadata: '" + key + "' = " + std::to_string(*v) + " is out of range [1, " +
                 std::to_string(max_value) + "]"};
  return int32_t(*v);
}

Result<int32_t> get_dim_or(const gguf::File& f, const std::string& key, int32_t fallback, int64_t max_value) {
  if (f.find(key) == nullptr) return fallback;
  return get_dim(f, key, max_value);
}

}  // namespace

Result<HParams> read_hparams(const gguf::File& f, const std::string& arch, RopeStyle rope_style) {
  HParams hp;
  hp.arch = arch;
  hp.rope_style = rope_style;
  const std::string p = arch + ".";
  constexpr int64_t kMaxDim = 1 << 20;

  auto n_embd = get_dim(f, p + "embedding_length", kMaxDim);
  if (!n_embd.ok()) return n_embd.status();
  auto n_layer = get_dim(f, p + "block_count", 4096);
  if (!n_layer.ok()) return n_layer.status();
  auto n_head = get_dim(f, p + "attention.head_count", 4096);
  if (!n_head.ok()) return n_head.status();
  auto n_ff = get_dim(f, p + "feed_forward_length", kMaxDim);
  if (!n_ff.ok()) return n_ff.status();
  auto n_ctx = get_dim(f, p + "context_length", 1 << 24);
  if (!n_ctx.ok()) return n_ctx.status();
  hp.n_embd = *n_embd;
  hp.n_layer = *n_layer;
  hp.n_head = *n_head;
  hp.n_ff = *n_ff;
  hp.n_ctx_train = *n_ctx;

  auto n_head_kv = get_dim_or(f, p + "attention.head_count_kv", hp.n_head, 4096);
  if (!n_head_kv.ok()) return n_head_kv.status();
  hp.n_head_kv = *n_head_kv;
  if (hp.n_head % hp.n_head_kv != 0)
    return Error{"model metadata: attention.head_count " + std::to_string(hp.n_head) +
                 " is not a multiple of head_count_kv " + std::to_string(hp.n_head_kv)};
  if (hp.n_embd % hp.n_head != 0 && f.find(p + "attention.key_length") == nullptr)
    return Error{"model metadata: embedding_length " + std::to_string(hp.n_embd) +
                 " is not a multiple of head_count " + std::to_string(hp.n_head)};
  auto head_dim = get_dim_or(f, p + "attention.key_length", hp.n_embd / hp.n_head, 1 << 16);
  if (!head_dim.ok()) return head_dim.status();
  hp.head_dim = *head_dim;
  if (auto vl = get_dim_or(f, p + "attention.value_length", hp.head_dim, 1 << 16); !vl.ok() || *vl != hp.head_dim)
    return Error{"model metadata: attention.value_length must equal key_length (" + std::to_string(hp.head_dim) + ")"};

  auto n_rot = get_dim_or(f, p + "rope.dimension_count", hp.head_dim, 1 << 16);
  if (!n_rot.ok()) return n_rot.status();
  hp.n_rot = *n_rot;
  if (hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0)
    return Error{"model metadata: rope.dimension_count " + std::to_string(hp.n_rot) +
                 " must be even and <= head dim " + std::to_string(hp.head_dim)};

  if (f.find(p + "rope.freq_base") != nullptr) {
    auto b = f.get_float(p + "rope.freq_base");
    if (!b.ok()) return Error{"model metadata: " + b.message()};
    if (!(*b > 0) || !std::isfinite(*b)) return Error{"model metadata: rope.freq_base must be positive"};
    hp.rope_freq_base = float(*b);
  }
  auto eps = f.get_float(p + "attention.layer_norm_rms_epsilon");
  if (!eps.ok()) return Error{"model metadata: " + eps.message()};
  if (!(*eps > 0) || *eps > 1) return Error{"model metadata: layer_norm_rms_epsilon must be in (0, 1]"};
  hp.rms_eps = float(*eps);

  // Linear rope scaling: positions are compressed by `factor`.
  if (f.find(p + "rope.scaling.type") != nullptr) {
    auto type = f.get_string(p + "rope.scaling.type");
    if (!type.ok()) return Error{"model metadata: " + type.message()};
    if (*type == "linear") {
      auto factor = f.get_float(p + "rope.scaling.factor");
      if (!factor.ok()) return Error{"model metadata: " + factor.message()};
      if (!(*factor >= 1.0) || !std::isfinite(*factor))
        return Error{"model metadata: rope.scaling.factor must be >= 1"};
      hp.rope_freq_scale = float(1.0 / *factor);
    } else if (*type != "none") {
      return Error{"model metadata: rope scaling type '" + *type + "' is not supported (supported: none, linear)"};
    }
  } else if (f.find(p + "rope.scale_linear") != nullptr) {
    auto factor = f.get_float(p + "rope.scale_linear");
    if (!factor.ok()) return Error{"model metadata: " + factor.message()};
    if (!(*factor >= 1.0)) return Error{"model metadata: rope.scale_linear must be >= 1"};
    hp.rope_freq_scale = float(1.0 / *factor);
  }
  return hp;
}

}  // namespace ledge::model
