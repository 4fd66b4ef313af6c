#include "tools/tensor_emit.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include "kernels/type_traits.h"

namespace ledge::tools {
namespace {

// Elements converted per chunk: large enough to amortise thread start-up,
// small enough to keep memory bounded (~32 MiB of floats).
constexpr uint64_t kChunkElems = uint64_t{8} << 20;

Status convert_rows(const EmitSpec& spec, const RowSource& source, const kernels::QuantizeRowFn quantize,
                    uint64_t row_bytes, uint64_t row0, uint64_t n_rows, float* f32, uint8_t* out) {
  LEDGE_RETURN_IF_ERROR(source(row0, n_rows, f32));
  const uint64_t n = n_rows * spec.ne0;
  for (uint64_t i = 0; i < n; ++i) {
    if (!std::isfinite(f32[i])) {
      uint64_t row = row0 + i / spec.ne0, col = i % spec.ne0;
      return Error{"tensor '" + spec.name + "': non-finite value " + std::to_string(f32[i]) + " at row " +
                   std::to_string(row) + ", column " + std::to_string(col)};
    }
  }
  for (uint64_t r = 0; r < n_rows; ++r)
    quantize(f32 + r * spec.ne0, out + r * row_bytes, static_cast<int64_t>(spec.ne0));
  return Status::Ok();
}

}  // namespace

Status emit_tensor(gguf::StreamWriter& w, const EmitSpec& spec, const RowSource& source, int n_threads) {
  // The reference quantizers reproduce llama-quantize's bytes; the active
  // table may hold faster activation quantizers that round differently.
  const kernels::TypeInfo* info = kernels::reference_type_info(spec.type);
  if (info == nullptr || info->kernels.quantize == nullptr)
    return Error{"tensor '" + spec.name + "': ledge cannot produce type " +
                 std::string(gguf::tensor_type_name(spec.type))};
  const uint64_t row_bytes = kernels::row_bytes(spec.type, static_cast<int64_t>(spec.ne0));
  if (row_bytes == 0)
    return Error{"tensor '" + spec.name + "': row length " + std::to_string(spec.ne0) + " does not fit type " +
                 std::string(info->name)};

  n_threads = std::max(1, n_threads);
  const uint64_t chunk_rows = std::max<uint64_t>(1, kChunkElems / std::max<uint64_t>(1, spec.ne0));
  std::vector<float> f32;
  std::vector<uint8_t> out;
  for (uint64_t row0 = 0; row0 < spec.n_rows; row0 += chunk_rows) {
    const uint64_t rows = std::min(chunk_rows, spec.n_rows - row0);
    f32.resize(rows * spec.ne0);
    out.resize(rows * row_bytes);
    const uint64_t workers = std::min<uint64_t>(static_cast<uint64_t>(n_threads), rows);
    std::vector<Status> status(workers);
    auto part = [&](uint64_t k) {
      uint64_t a = rows * k / workers, b = rows * (k + 1) / workers;
      if (a == b) return;
      status[k] = convert_rows(spec, source, info->kernels.quantize, row_bytes, row0 + a, b - a,
                               f32.data() + a * spec.ne0, out.data() + a * row_bytes);
    };
    std::vector<std::thread> threads;
    for (uint64_t k = 1; k < workers; ++k) threads.emplace_back(part, k);
    part(0);
    for (auto& t : threads) t.join();
    for (const Status& s : status) LEDGE_RETURN_IF_ERROR(s);
    LEDGE_RETURN_IF_ERROR(w.write(out));
  }
  return Status::Ok();
}

}  // namespace ledge::tools
