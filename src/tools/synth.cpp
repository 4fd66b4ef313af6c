#include "tools/synth.h"

#include <cmath>
#include <cstdio>
#include <numbers>
#include <utility>

#include "gguf/gguf.h"
#include "gguf/stream_writer.h"
#include "tools/quantize.h"
#include "tools/synth_rng.h"
#include "tools/synth_vocab.h"
#include "tools/tensor_emit.h"

namespace ledge::tools {
namespace {

using gguf::make_value;

enum class Init { kNormal, kUniform, kRopeFreqs };

struct SynthTensor {
  std::string name;
  std::vector<uint64_t> ne;
  Init init = Init::kNormal;
  float a = 0, b = 0;  // normal: sigma; uniform: [a, b)
  uint64_t elements() const {
    uint64_t n = 1;
    for (uint64_t d : ne) n *= d;
    return n;
  }
};

// The converter's order: extra tensors (rope_freqs), then sorted Hugging
// Face names (lm_head, embed_tokens, layers, final norm).
std::vector<SynthTensor> tensor_list(const SynthShape& s) {
  const uint64_t e = s.n_embd, q = s.n_head * s.head_dim(), kv = s.n_head_kv * s.head_dim(), ff = s.n_ff,
                 v = s.n_vocab;
  const float matrix = 1.5f;  // sigma = 1.5 / sqrt(fan_in), fan_in = ne[0]
  auto mat = [&](std::string name, uint64_t ne0, uint64_t ne1) {
    return SynthTensor{std::move(name), {ne0, ne1}, Init::kNormal, matrix / std::sqrt(float(ne0)), 0};
  };
  auto norm = [](std::string name, uint64_t n) { return SynthTensor{std::move(name), {n}, Init::kUniform, 0.9f, 1.1f}; };
  auto bias = [](std::string name, uint64_t n) { return SynthTensor{std::move(name), {n}, Init::kNormal, 0.1f, 0}; };

  std::vector<SynthTensor> t;
  if (s.llama3_rope) t.push_back({"rope_freqs.weight", {uint64_t(s.head_dim() / 2)}, Init::kRopeFreqs, 0, 0});
  if (!s.tied) t.push_back({"output.weight", {e, v}, Init::kNormal, 3.0f / std::sqrt(float(e)), 0});
  t.push_back({"token_embd.weight", {e, v}, Init::kNormal, s.tied ? 4.5f / std::sqrt(float(e)) : 1.0f, 0});
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    t.push_back(norm(p + "attn_norm.weight", e));
    t.push_back(mat(p + "ffn_down.weight", ff, e));
    t.push_back(mat(p + "ffn_gate.weight", e, ff));
    t.push_back(mat(p + "ffn_up.weight", e, ff));
    t.push_back(norm(p + "ffn_norm.weight", e));
    if (s.qkv_bias) t.push_back(bias(p + "attn_k.bias", kv));
    t.push_back(mat(p + "attn_k.weight", e, kv));
    t.push_back(mat(p + "attn_output.weight", q, e));
    if (s.qkv_bias) t.push_back(bias(p + "attn_q.bias", q));
    t.push_back(mat(p + "attn_q.weight", e, q));
    if (s.qkv_bias) t.push_back(bias(p + "attn_v.bias", kv));
    t.push_back(mat(p + "attn_v.weight", e, kv));
  }
  t.push_back(norm("output_norm.weight", e));
  return t;
}

// Llama 3 rope scaling as the converter bakes it into rope_freqs.weight:
// long wavelengths are slowed by `factor`, short ones kept, a smooth ramp
// in between.
void llama3_rope_factors(const SynthShape& s, float* dst) {
  const double factor = 32.0, low = 1.0, high = 4.0, original_ctx = 8192.0;
  const double low_wavelen = original_ctx / low, high_wavelen = original_ctx / high;
  const int64_t half = s.head_dim() / 2;
  for (int64_t i = 0; i < half; ++i) {
    const double freq = 1.0 / std::pow(s.rope_base, double(2 * i) / double(s.head_dim()));
    const double wavelen = 2.0 * std::numbers::pi / freq;
    double f;
    if (wavelen < high_wavelen) {
      f = 1.0;
    } else if (wavelen > low_wavelen) {
      f = factor;
    } else {
      const double smooth = (original_ctx / wavelen - low) / (high - low);
      f = 1.0 / ((1.0 - smooth) / factor + smooth);
    }
    dst[i] = float(f);
  }
}

// gguf-py's size label: 2 significant digits at least ("1.8M", "10M", "1.2B").
std::string size_label(uint64_t n) {
  double scaled;
  const char* suffix;
  if (n > 1e12) scaled = n * 1e-12, suffix = "T";
  else if (n > 1e9) scaled = n * 1e-9, suffix = "B";
  else if (n > 1e6) scaled = n * 1e-6, suffix = "M";
  else scaled = n * 1e-3, suffix = "K";
  const int int_digits = int(std::to_string(int64_t(std::llround(scaled))).size());
  const int decimals = std::max(2 - int_digits, 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", decimals, scaled, suffix);
  return buf;
}

Status add_model_kvs(gguf::Writer& w, const SynthShape& s, const std::string& name, uint64_t n_params,
                     uint32_t file_type) {
  const std::string a = s.arch + ".";
  auto u32 = [](int64_t v) { return make_value(static_cast<uint32_t>(v)); };
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.architecture", make_value(s.arch)));
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.type", make_value("model")));
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.name", make_value(name)));
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.size_label", make_value(size_label(n_params))));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "block_count", u32(s.n_layer)));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "context_length", u32(s.n_ctx)));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "embedding_length", u32(s.n_embd)));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "feed_forward_length", u32(s.n_ff)));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "attention.head_count", u32(s.n_head)));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "attention.head_count_kv", u32(s.n_head_kv)));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "rope.freq_base", make_value(float(s.rope_base))));
  LEDGE_RETURN_IF_ERROR(w.add_kv(a + "attention.layer_norm_rms_epsilon", make_value(float(s.rms_eps))));
  if (s.explicit_head_dim) {
    LEDGE_RETURN_IF_ERROR(w.add_kv(a + "attention.key_length", u32(s.head_dim())));
    LEDGE_RETURN_IF_ERROR(w.add_kv(a + "attention.value_length", u32(s.head_dim())));
  }
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.file_type", make_value(file_type)));
  if (s.arch == "llama") {
    LEDGE_RETURN_IF_ERROR(w.add_kv(a + "vocab_size", u32(s.n_vocab)));
    LEDGE_RETURN_IF_ERROR(w.add_kv(a + "rope.dimension_count", u32(s.head_dim())));
  }
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.quantization_version", make_value(kQuantizationVersion)));
  return Status::Ok();
}

// tokenizer.* keys of another GGUF (e.g. a real vocab file), in its order.
Result<int64_t> copy_vocab_kvs(gguf::Writer& w, const std::string& path) {
  auto f = gguf::File::open(path);
  if (!f.ok()) return Error{path + ": " + f.message()};
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  if (!tokens.ok()) return Error{path + ": " + tokens.message()};
  for (const auto& kv : f->metadata())
    if (kv.key.rfind("tokenizer.", 0) == 0) LEDGE_RETURN_IF_ERROR(w.add_kv(kv.key, kv.value));
  return static_cast<int64_t>(tokens->size());
}


bool is_float(const FileType& ft) {
  return ft.default_type == gguf::TensorType::F32 || ft.default_type == gguf::TensorType::F16 ||
         ft.default_type == gguf::TensorType::BF16;
}

struct Layout {
  std::vector<size_t> order;             // file position -> index in tensor_list()
  std::vector<gguf::TensorType> types;   // by file position
};

// Float types keep the converter's order (1-D tensors stay F32); quantized
// types follow llama-quantize's order and mix rules.
Result<Layout> plan_layout(const SynthShape& s, const FileType& ft, const std::vector<SynthTensor>& tensors) {
  Layout l;
  if (is_float(ft)) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      l.order.push_back(i);
      l.types.push_back(tensors[i].ne.size() >= 2 ? ft.default_type : gguf::TensorType::F32);
    }
    return l;
  }
  std::vector<MixTensor> mix;
  for (const auto& t : tensors) mix.push_back({t.name, uint32_t(t.ne.size()), t.ne[0], gguf::TensorType::F32});
  l.order = quantize_order(mix);
  std::vector<MixTensor> ordered;
  for (size_t i : l.order) ordered.push_back(mix[i]);
  auto planned = plan_tensor_types(ft, MixModel{s.arch, s.n_layer, s.n_head, s.n_head_kv}, ordered);
  if (!planned.ok()) return planned.status();
  l.types = std::move(*planned);
  return l;
}

}  // namespace

Result<std::vector<gguf::TensorDecl>> synth_layout(const SynthShape& s, const FileType& ft) {
  LEDGE_RETURN_IF_ERROR(validate_shape(s));
  const std::vector<SynthTensor> tensors = tensor_list(s);
  auto layout = plan_layout(s, ft, tensors);
  if (!layout.ok()) return layout.status();
  std::vector<gguf::TensorDecl> decls;
  for (size_t k = 0; k < layout->order.size(); ++k)
    decls.push_back({tensors[layout->order[k]].name, layout->types[k], tensors[layout->order[k]].ne});
  return decls;
}

std::vector<std::string> shape_preset_names() { return {"smollm2-135m", "qwen2.5-0.5b", "llama3.2-1b", "tiny", "custom"}; }

std::optional<SynthShape> shape_preset(std::string_view name) {
  SynthShape s;  // defaults are the tiny shape
  if (name == "tiny" || name == "custom") {
    s.name = name == "tiny" ? "synth-tiny" : "synth-custom";
    return s;
  }
  if (name == "smollm2-135m") {
    s.name = "synth-smollm2-135m";
    s.n_embd = 576, s.n_layer = 30, s.n_head = 9, s.n_head_kv = 3, s.n_ff = 1536, s.n_vocab = 49152, s.n_ctx = 8192;
    s.rope_base = 100000.0, s.rms_eps = 1e-5, s.pre = "smollm";
    return s;
  }
  if (name == "qwen2.5-0.5b") {
    s.arch = "qwen2", s.name = "synth-qwen2.5-0.5b";
    s.n_embd = 896, s.n_layer = 24, s.n_head = 14, s.n_head_kv = 2, s.n_ff = 4864, s.n_vocab = 151936,
    s.n_ctx = 32768;
    s.qkv_bias = true, s.rope_base = 1000000.0, s.rms_eps = 1e-6, s.pre = "qwen2";
    return s;
  }
  if (name == "llama3.2-1b") {
    s.name = "synth-llama3.2-1b";
    s.n_embd = 2048, s.n_layer = 16, s.n_head = 32, s.n_head_kv = 8, s.n_ff = 8192, s.n_vocab = 128256,
    s.n_ctx = 131072;
    s.llama3_rope = true, s.explicit_head_dim = true, s.rope_base = 500000.0, s.rms_eps = 1e-5, s.pre = "llama-bpe";
    return s;
  }
  return std::nullopt;
}

Status validate_shape(const SynthShape& s) {
  if (s.arch != "llama" && s.arch != "qwen2") return Error{"architecture '" + s.arch + "' (expected llama or qwen2)"};
  auto positive = [](const char* what, int64_t v, int64_t max) -> Status {
    if (v < 1 || v > max) return Error{std::string(what) + " " + std::to_string(v) + " is out of range [1, " + std::to_string(max) + "]"};
    return Status::Ok();
  };
  LEDGE_RETURN_IF_ERROR(positive("--n-embd", s.n_embd, 1 << 16));
  LEDGE_RETURN_IF_ERROR(positive("--n-layer", s.n_layer, 1024));
  LEDGE_RETURN_IF_ERROR(positive("--n-head", s.n_head, 1024));
  LEDGE_RETURN_IF_ERROR(positive("--n-head-kv", s.n_head_kv, 1024));
  LEDGE_RETURN_IF_ERROR(positive("--n-ff", s.n_ff, 1 << 18));
  LEDGE_RETURN_IF_ERROR(positive("--ctx", s.n_ctx, 1 << 24));
  if (s.n_embd % s.n_head != 0)
    return Error{"--n-embd " + std::to_string(s.n_embd) + " is not a multiple of --n-head " + std::to_string(s.n_head)};
  if (s.head_dim() % 2 != 0) return Error{"head size " + std::to_string(s.head_dim()) + " must be even (RoPE pairs)"};
  if (s.n_head % s.n_head_kv != 0)
    return Error{"--n-head " + std::to_string(s.n_head) + " is not a multiple of --n-head-kv " + std::to_string(s.n_head_kv)};
  if (s.n_embd % 32 != 0 || s.n_ff % 32 != 0)
    return Error{"--n-embd and --n-ff must be multiples of 32 (the smallest quantization block)"};
  return Status::Ok();
}

Result<SynthReport> synthesize(const SynthOptions& o, const std::string& out_path) {
  SynthShape s = o.shape;
  LEDGE_RETURN_IF_ERROR(validate_shape(s));

  // Vocabulary first: a copied vocab decides n_vocab.
  gguf::Writer vocab_kvs;
  if (!o.vocab_from.empty()) {
    auto n = copy_vocab_kvs(vocab_kvs, o.vocab_from);
    if (!n.ok()) return n.status();
    s.n_vocab = *n;
  } else {
    auto v = make_synth_vocab(s.n_vocab);
    if (!v.ok()) return Error{"--vocab: " + v.message()};
    LEDGE_RETURN_IF_ERROR(add_synth_vocab_kvs(vocab_kvs, *v, s.pre));
  }

  const std::vector<SynthTensor> tensors = tensor_list(s);
  SynthReport report;
  report.n_vocab = s.n_vocab;
  report.n_tensors = tensors.size();
  for (const auto& t : tensors) report.n_params += t.elements();

  // The converter's layout (F32 file type), then llama-quantize's
  // transformation for quantized types.
  const bool float_type = is_float(o.type);
  gguf::Writer meta;
  LEDGE_RETURN_IF_ERROR(add_model_kvs(meta, s, s.name, report.n_params, float_type ? o.type.id : 0));
  for (const auto& kv : vocab_kvs.metadata()) LEDGE_RETURN_IF_ERROR(meta.add_kv(kv.key, kv.value));

  auto layout = plan_layout(s, o.type, tensors);
  if (!layout.ok()) return layout.status();
  const std::vector<size_t>& order = layout->order;
  const std::vector<gguf::TensorType>& types = layout->types;
  if (!float_type) {
    auto q = quantized_metadata(meta.metadata(), o.type);
    if (!q.ok()) return q.status();
    meta = std::move(*q);
  }

  std::vector<gguf::TensorDecl> decls;
  for (size_t k = 0; k < order.size(); ++k) decls.push_back({tensors[order[k]].name, types[k], tensors[order[k]].ne});
  auto w = gguf::StreamWriter::create(out_path, meta, std::move(decls));
  if (!w.ok()) return w.status();

  for (size_t k = 0; k < order.size(); ++k) {
    const size_t index = order[k];  // the seed stream follows the converter's index, not the output order
    const SynthTensor& t = tensors[index];
    const uint64_t ne0 = t.ne[0];
    RowSource rows = [&](uint64_t row0, uint64_t n, float* dst) -> Status {
      if (t.init == Init::kRopeFreqs) {
        llama3_rope_factors(s, dst);
        return Status::Ok();
      }
      for (uint64_t r = 0; r < n; ++r) {
        Xoshiro256 rng(o.seed, index, row0 + r);
        if (t.init == Init::kNormal) rng.normals(dst + r * ne0, ne0, t.a);
        else rng.uniforms(dst + r * ne0, ne0, t.a, t.b);
      }
      return Status::Ok();
    };
    LEDGE_RETURN_IF_ERROR(emit_tensor(*w, EmitSpec{t.name, ne0, t.elements() / ne0, types[k]}, rows, o.n_threads));
  }
  LEDGE_RETURN_IF_ERROR(w->finish());
  auto f = gguf::File::open(out_path);
  report.file_bytes = f.ok() ? f->file_size() : 0;
  return report;
}

}  // namespace ledge::tools
