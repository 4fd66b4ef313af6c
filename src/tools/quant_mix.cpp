#include "tools/quant_mix.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace ledge::tools {
namespace {

using T = TensorType;

constexpr std::array<FileType, 17> kFileTypes{{
    {"F32", 0, T::F32},     {"F16", 1, T::F16},       {"BF16", 32, T::BF16},    {"Q8_0", 7, T::Q8_0},
    {"Q4_0", 2, T::Q4_0},   {"Q4_1", 3, T::Q4_1},     {"Q5_0", 8, T::Q5_0},     {"Q5_1", 9, T::Q5_1},
    {"Q2_K", 10, T::Q2_K},  {"Q3_K_S", 11, T::Q3_K},  {"Q3_K_M", 12, T::Q3_K},  {"Q3_K_L", 13, T::Q3_K},
    {"Q4_K_S", 14, T::Q4_K}, {"Q4_K_M", 15, T::Q4_K}, {"Q5_K_S", 16, T::Q5_K},  {"Q5_K_M", 17, T::Q5_K},
    {"Q6_K", 18, T::Q6_K},
}};

bool is_quantized(T t) { return t != T::F32 && t != T::F16 && t != T::BF16; }

uint32_t block_elems(T t) {
  auto tr = gguf::tensor_type_traits(static_cast<uint32_t>(t));
  return tr ? tr->block_elems : 1;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// Tensors llama-quantize never quantizes: 1-D ones, names not ending in
// "weight", norms, and small special-purpose matrices of other
// architectures (kept here so a file carrying them is treated the same way).
bool may_quantize(const MixTensor& t) {
  if (t.n_dims < 2 || !ends_with(t.name, "weight")) return false;
  static constexpr std::string_view kKeep[] = {
      "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
      "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "attn_rel_b.weight", "time_mix_",
      ".position_embd", ".rel_pos", ".patch_embd", ".patch_merger"};
  for (std::string_view k : kKeep)
    if (contains(t.name, k)) return false;
  return t.name != "position_embd.weight" && t.name != "token_types.weight";
}

enum class Role { kTokenEmbd, kOutput, kAttnQkv, kAttnKvB, kAttnV, kAttnK, kAttnQ, kAttnOutput, kFfnUp, kFfnGate,
                  kFfnDown, kOther };

// First match wins, in this order (ffn_gate_inp was excluded earlier).
Role role_of(std::string_view name) {
  if (name == "output.weight") return Role::kOutput;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::kTokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Role::kAttnQkv;
  if (contains(name, "attn_kv_b.weight")) return Role::kAttnKvB;
  if (contains(name, "attn_v.weight")) return Role::kAttnV;
  if (contains(name, "attn_k.weight")) return Role::kAttnK;
  if (contains(name, "attn_q.weight")) return Role::kAttnQ;
  if (contains(name, "attn_output.weight")) return Role::kAttnOutput;
  if (contains(name, "ffn_up")) return Role::kFfnUp;
  if (contains(name, "ffn_gate")) return Role::kFfnGate;
  if (contains(name, "ffn_down")) return Role::kFfnDown;
  return Role::kOther;
}

bool is_value_like(Role r) { return r == Role::kAttnV || r == Role::kAttnQkv || r == Role::kAttnKvB; }

// llama.cpp spends extra bits on the first and last eighth of the layers and
// on every third layer in between.
bool use_more_bits(int64_t i, int64_t n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

// Block index parsed from "blk.N." (-1 outside blocks).
int64_t block_of(std::string_view name) {
  if (name.substr(0, 4) != "blk.") return -1;
  int64_t n = -1;
  auto r = std::from_chars(name.data() + 4, name.data() + name.size(), n);
  if (r.ec != std::errc() || r.ptr == name.data() + name.size() || *r.ptr != '.') return -1;
  return n;
}

struct Counters {
  int64_t n_value = 0, i_value = 0, i_ffn_down = 0;
  bool tied = true;
};

// The mix rules for one quantizable tensor, before the shape fallback.
T mixed_type(std::string_view ft, T type, const MixModel& m, const MixTensor& t, Role role, Counters& c) {
  const bool falcon = m.arch == "falcon";
  const int64_t n_gqa = m.n_head_kv > 0 ? m.n_head / m.n_head_kv : 1;
  // llama.cpp classifies 80-layer llama/qwen2 models as 70B and gives their
  // (8x shared) value projections more bits.
  const bool is_70b = m.n_layer == 80 && (m.arch == "llama" || m.arch == "qwen2");

  if (role == Role::kOutput || (c.tied && role == Role::kTokenEmbd)) {
    if (falcon || t.ne0 % block_elems(type) != 0) return T::Q8_0;
    return type != T::Q8_0 ? T::Q6_K : type;
  }
  if (is_value_like(role)) {
    if (ft == "Q2_K") type = n_gqa >= 4 ? T::Q4_K : T::Q3_K;
    else if (ft == "Q3_K_M") type = c.i_value < 2 ? T::Q5_K : T::Q4_K;
    else if (ft == "Q3_K_L") type = T::Q5_K;
    else if ((ft == "Q4_K_M" || ft == "Q5_K_M") && use_more_bits(c.i_value, c.n_value)) type = T::Q6_K;
    else if (ft == "Q4_K_S" && c.i_value < 4) type = T::Q5_K;
    if (is_70b && (type == T::Q3_K || type == T::Q4_K)) type = T::Q5_K;
    ++c.i_value;
    return type;
  }
  if (role == Role::kFfnDown) {
    const int64_t i = c.i_ffn_down++, n = m.n_layer;
    if (ft == "Q2_K") return T::Q3_K;
    if (ft == "Q3_K_M") return i < n / 16 ? T::Q5_K : (!falcon || use_more_bits(i, n)) ? T::Q4_K : T::Q3_K;
    if (ft == "Q3_K_L") return falcon ? T::Q4_K : T::Q5_K;
    if (ft == "Q4_K_M") {
      if (falcon) return i < n / 16 ? T::Q6_K : use_more_bits(i, n) ? T::Q5_K : T::Q4_K;
      return use_more_bits(i, n) ? T::Q6_K : type;
    }
    if (ft == "Q5_K_M" && use_more_bits(i, n)) return T::Q6_K;
    if (ft == "Q4_K_S" && !falcon && i < n / 8) return T::Q5_K;
    return type;
  }
  if (role == Role::kAttnOutput) {
    if (falcon) return ft == "Q3_K_L" ? T::Q4_K : type;
    if (ft == "Q2_K") return T::Q3_K;
    if (ft == "Q3_K_M") return T::Q4_K;
    if (ft == "Q3_K_L") return T::Q5_K;
    return type;
  }
  return type;
}

// When the row length is not a multiple of the chosen type's block,
// llama-quantize substitutes a type with 32-element blocks, or F16.
Result<T> shape_fallback(const MixTensor& t, T type) {
  if (t.ne0 % block_elems(type) == 0) return type;
  T alt;
  switch (type) {
    case T::Q2_K:
    case T::Q3_K: alt = T::Q4_0; break;
    case T::Q4_K: alt = T::Q5_0; break;
    case T::Q5_K: alt = T::Q5_1; break;
    case T::Q6_K: alt = T::Q8_0; break;
    default:
      return Error{"tensor '" + t.name + "': row length " + std::to_string(t.ne0) + " is not a multiple of the " +
                   std::to_string(block_elems(type)) + "-element blocks of " +
                   std::string(gguf::tensor_type_name(type)) + " and no fallback type is defined"};
  }
  return t.ne0 % block_elems(alt) == 0 ? alt : T::F16;
}

}  // namespace

std::span<const FileType> file_types() { return kFileTypes; }

std::optional<FileType> find_file_type(std::string_view name) {
  for (const FileType& f : kFileTypes) {
    if (f.name.size() != name.size()) continue;
    bool same = std::equal(name.begin(), name.end(), f.name.begin(),
                           [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; });
    if (same) return f;
  }
  return std::nullopt;
}

std::string file_type_names() {
  std::string s;
  for (const FileType& f : kFileTypes) {
    if (!s.empty()) s += ", ";
    s += f.name;
  }
  return s;
}

std::vector<size_t> quantize_order(std::span<const MixTensor> tensors) {
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    int64_t la = block_of(tensors[a].name), lb = block_of(tensors[b].name);
    if (la != lb) return la < lb;
    return tensors[a].name < tensors[b].name;
  });
  return order;
}

Result<std::vector<TensorType>> plan_tensor_types(const FileType& ft, const MixModel& model,
                                                  std::span<const MixTensor> tensors) {
  Counters c;
  for (const MixTensor& t : tensors) {
    Role r = role_of(t.name);
    if (is_value_like(r)) ++c.n_value;
    if (r == Role::kOutput) c.tied = false;
  }
  std::vector<TensorType> out;
  out.reserve(tensors.size());
  for (const MixTensor& t : tensors) {
    if (!may_quantize(t)) {
      out.push_back(t.type);
      continue;
    }
    T type = ft.default_type;
    if (is_quantized(type)) {
      type = mixed_type(ft.name, type, model, t, role_of(t.name), c);
      auto fb = shape_fallback(t, type);
      if (!fb.ok()) return fb.status();
      type = *fb;
    }
    out.push_back(type);
  }
  return out;
}

}  // namespace ledge::tools
