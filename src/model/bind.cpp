#include "model/bind.h"

#include "kernels/type_traits.h"

namespace ledge::model {
namespace {
// A weight type is usable when the kernels can dot it with activations.
bool is_supported(gguf::TensorType t) {
  const kernels::TypeInfo* ti = kernels::type_info(t);
  return ti != nullptr && ti->kernels.vec_dot != nullptr;
}

std::string supported_type_names() {
  std::string s;
  for (gguf::TensorType t : kernels::supported_types()) {
    if (!is_supported(t)) continue;
    if (!s.empty()) s += ", ";
    s += gguf::tensor_type_name(t);
  }
  return s;
}

std::string shape(int64_t ne0, int64_t ne1) { return "[" + std::to_string(ne0) + ", " + std::to_string(ne1) + "]"; }
}  // namespace

Status bind_tensor(const gguf::File& f, const std::string& name, int64_t ne0, int64_t ne1, TensorRole role,
                   Tensor& out, bool optional) {
  const gguf::TensorInfo* ti = f.find_tensor(name);
  if (ti == nullptr) {
    if (optional) return Status::Ok();
    return Error{"missing tensor '" + name + "'"};
  }
  if (ti->ne[2] != 1 || ti->ne[3] != 1 || int64_t(ti->ne[0]) != ne0 || int64_t(ti->ne[1]) != ne1)
    return Error{"tensor '" + name + "' has shape " + shape(int64_t(ti->ne[0]), int64_t(ti->ne[1])) +
                 (ti->ne[2] != 1 || ti->ne[3] != 1 ? " (with extra dims)" : "") + ", expected " + shape(ne0, ne1)};
  if (role == TensorRole::kNorm && ti->type != gguf::TensorType::F32)
    return Error{"tensor '" + name + "' has type " + std::string(gguf::tensor_type_name(ti->type)) +
                 ", expected F32"};
  if (role == TensorRole::kMatrix && !is_supported(ti->type))
    return Error{"tensor '" + name + "' has type " + std::string(gguf::tensor_type_name(ti->type)) +
                 ", which ledge does not support yet (supported: " + supported_type_names() + ")"};
  out.name = name;
  out.type = ti->type;
  out.ne0 = ne0;
  out.ne1 = ne1;
  out.row_bytes = kernels::row_bytes(ti->type, ne0);
  out.data = f.tensor_data(*ti).data();
  return Status::Ok();
}

Status bind_decoder_weights(const gguf::File& f, const HParams& hp, Weights& w, bool qkv_bias) {
  const int64_t E = hp.n_embd, Q = hp.q_dim(), KV = hp.kv_dim(), F = hp.n_ff, V = hp.n_vocab;
  using R = TensorRole;
  LEDGE_RETURN_IF_ERROR(bind_tensor(f, "token_embd.weight", E, V, R::kMatrix, w.token_embd));
  LEDGE_RETURN_IF_ERROR(bind_tensor(f, "output_norm.weight", E, 1, R::kNorm, w.output_norm));
  LEDGE_RETURN_IF_ERROR(bind_tensor(f, "output.weight", E, V, R::kMatrix, w.output, /*optional=*/true));
  if (!w.output.present()) w.output = w.token_embd;  // tied embeddings
  LEDGE_RETURN_IF_ERROR(bind_tensor(f, "rope_freqs.weight", hp.n_rot / 2, 1, R::kNorm, w.rope_freqs, true));
  w.layers.resize(size_t(hp.n_layer));
  for (int il = 0; il < hp.n_layer; ++il) {
    LayerWeights& l = w.layers[size_t(il)];
    const std::string p = "blk." + std::to_string(il) + ".";
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_norm.weight", E, 1, R::kNorm, l.attn_norm));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_q.weight", E, Q, R::kMatrix, l.wq));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_k.weight", E, KV, R::kMatrix, l.wk));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_v.weight", E, KV, R::kMatrix, l.wv));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_output.weight", Q, E, R::kMatrix, l.wo));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "ffn_norm.weight", E, 1, R::kNorm, l.ffn_norm));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "ffn_gate.weight", E, F, R::kMatrix, l.ffn_gate));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "ffn_up.weight", E, F, R::kMatrix, l.ffn_up));
    LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "ffn_down.weight", F, E, R::kMatrix, l.ffn_down));
    if (qkv_bias) {
      LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_q.bias", Q, 1, R::kNorm, l.bq));
      LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_k.bias", KV, 1, R::kNorm, l.bk));
      LEDGE_RETURN_IF_ERROR(bind_tensor(f, p + "attn_v.bias", KV, 1, R::kNorm, l.bv));
    }
  }
  return Status::Ok();
}

}  // namespace ledge::model
