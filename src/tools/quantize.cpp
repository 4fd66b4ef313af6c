#include "tools/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "gguf/stream_writer.h"
#include "kernels/type_traits.h"
#include "tools/tensor_emit.h"

namespace ledge::tools {
namespace {

bool is_float_source(gguf::TensorType t) {
  return t == gguf::TensorType::F32 || t == gguf::TensorType::F16 || t == gguf::TensorType::BF16;
}

Result<int64_t> dim(const gguf::File& f, const std::string& key) {
  auto v = f.get_uint(key);
  if (!v.ok()) return Error{v.message()};
  if (*v == 0 || *v > (1u << 20)) return Error{"metadata key '" + key + "' = " + std::to_string(*v) + " is out of range"};
  return static_cast<int64_t>(*v);
}

// Copies a tensor's bytes unchanged, refusing non-finite F32 values.
Status copy_tensor(gguf::StreamWriter& w, const gguf::File& f, const gguf::TensorInfo& t) {
  auto bytes = f.tensor_data(t);
  if (t.type == gguf::TensorType::F32) {
    for (uint64_t i = 0; i < t.n_elements; ++i) {
      float x;
      std::memcpy(&x, bytes.data() + i * sizeof x, sizeof x);
      if (!std::isfinite(x))
        return Error{"tensor '" + t.name + "': non-finite value " + std::to_string(x) + " at element " +
                     std::to_string(i)};
    }
  }
  return w.write(bytes);
}

}  // namespace

Result<gguf::Writer> quantized_metadata(const std::vector<gguf::KeyValue>& src, const FileType& ft) {
  gguf::Writer w;
  for (const auto& kv : src) {
    if (kv.key == "general.quantization_version" || kv.key == "general.file_type") continue;
    if (kv.key.rfind("split.", 0) == 0) continue;  // the output is one file
    LEDGE_RETURN_IF_ERROR(w.add_kv(kv.key, kv.value));
  }
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.quantization_version", gguf::make_value(kQuantizationVersion)));
  LEDGE_RETURN_IF_ERROR(w.add_kv("general.file_type", gguf::make_value(ft.id)));
  return w;
}

Result<MixModel> mix_model_from(const gguf::File& f) {
  MixModel m;
  auto arch = f.get_string("general.architecture");
  if (!arch.ok()) return Error{arch.message()};
  m.arch = *arch;
  const std::string p = m.arch + ".";
  if (f.find(p + "expert_count") != nullptr) {
    auto n = f.get_uint(p + "expert_count");
    if (!n.ok() || *n > 1)
      return Error{"mixture-of-experts models (" + p + "expert_count) are not supported by ledge quantize"};
  }
  auto n_layer = dim(f, p + "block_count");
  if (!n_layer.ok()) return n_layer.status();
  m.n_layer = *n_layer;
  auto n_head = dim(f, p + "attention.head_count");
  if (!n_head.ok()) return n_head.status();
  m.n_head = *n_head;
  m.n_head_kv = m.n_head;
  if (f.find(p + "attention.head_count_kv") != nullptr) {
    auto kv = dim(f, p + "attention.head_count_kv");
    if (!kv.ok()) return kv.status();
    m.n_head_kv = *kv;
  }
  return m;
}

Result<QuantizeReport> quantize_file(const std::string& in, const std::string& out, const FileType& ft,
                                     int n_threads) {
  std::error_code ec;
  if (std::filesystem::equivalent(in, out, ec)) return Error{"input and output are the same file: '" + in + "'"};
  auto file = gguf::File::open(in);
  if (!file.ok()) return Error{in + ": " + file.message()};
  const gguf::File& f = *file;
  auto model = mix_model_from(f);
  if (!model.ok()) return Error{in + ": " + model.message()};

  std::vector<MixTensor> mix;
  for (const auto& t : f.tensors()) mix.push_back({t.name, t.n_dims, t.ne[0], t.type});
  const std::vector<size_t> order = quantize_order(mix);
  std::vector<MixTensor> ordered;
  for (size_t i : order) ordered.push_back(mix[i]);
  auto types = plan_tensor_types(ft, *model, ordered);
  if (!types.ok()) return Error{in + ": " + types.message()};

  QuantizeReport report;
  report.file_bytes_in = f.file_size();
  std::vector<gguf::TensorDecl> decls;
  for (size_t k = 0; k < order.size(); ++k) {
    const gguf::TensorInfo& t = f.tensors()[order[k]];
    const gguf::TensorType to = (*types)[k];
    if (to != t.type && !is_float_source(t.type))
      return Error{in + ": tensor '" + t.name + "' is " + std::string(gguf::tensor_type_name(t.type)) +
                   "; only F32, F16 and BF16 tensors can be quantized (requantizing loses precision)"};
    if (to != t.type && kernels::reference_type_info(to) == nullptr)
      return Error{in + ": tensor '" + t.name + "' would need type " + std::string(gguf::tensor_type_name(to)) +
                   ", which ledge cannot produce"};
    decls.push_back({t.name, to, std::vector<uint64_t>(t.ne, t.ne + t.n_dims)});
  }
  auto meta = quantized_metadata(f.metadata(), ft);
  if (!meta.ok()) return Error{in + ": " + meta.message()};
  auto writer = gguf::StreamWriter::create(out, *meta, std::move(decls));
  if (!writer.ok()) return writer.status();

  for (size_t k = 0; k < order.size(); ++k) {
    const gguf::TensorInfo& t = f.tensors()[order[k]];
    const gguf::TensorType to = (*types)[k];
    if (to == t.type) {
      LEDGE_RETURN_IF_ERROR(copy_tensor(*writer, f, t));
    } else {
      const kernels::TypeInfo* src = kernels::reference_type_info(t.type);
      const uint64_t src_row = kernels::row_bytes(t.type, static_cast<int64_t>(t.ne[0]));
      const uint8_t* base = f.tensor_data(t).data();
      RowSource rows = [&](uint64_t row0, uint64_t n, float* dst) -> Status {
        for (uint64_t r = 0; r < n; ++r)
          src->kernels.dequantize(base + (row0 + r) * src_row, dst + r * t.ne[0], static_cast<int64_t>(t.ne[0]));
        return Status::Ok();
      };
      EmitSpec spec{t.name, t.ne[0], t.n_elements / t.ne[0], to};
      LEDGE_RETURN_IF_ERROR(emit_tensor(*writer, spec, rows, n_threads));
    }
    report.tensors.push_back({t.name, t.type, to, t.n_bytes, writer->tensors()[k].n_bytes});
  }
  LEDGE_RETURN_IF_ERROR(writer->finish());
  std::error_code size_ec;
  report.file_bytes_out = std::filesystem::file_size(out, size_ec);
  return report;
}

}  // namespace ledge::tools
