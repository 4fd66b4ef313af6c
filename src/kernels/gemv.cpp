#include "kernels/gemv.h"

#include <string>

#include "kernels/kernels.h"

namespace ledge::kernels {
namespace {

Status check_weights(TensorType wtype, int64_t rows, int64_t n) {
  LEDGE_RETURN_IF_ERROR(check_row(wtype, n));
  const TypeInfo* w = type_info(wtype);
  if (!w->kernels.vec_dot) {
    return Error{"gemv: " + std::string(w->name) + " is an activation format, not a weight type"};
  }
  if (rows < 0) return Error{"gemv: negative row count " + std::to_string(rows)};
  // The activation format must accept the same row length (e.g. Q8_K's 256).
  LEDGE_RETURN_IF_ERROR(check_row(w->vec_dot_type, n));
  return Status::Ok();
}

}  // namespace

Status matmul(TensorType wtype, const void* w, int64_t rows, int64_t n, const float* x, int64_t n_tokens,
              float* y, GemvScratch& scratch) {
  LEDGE_RETURN_IF_ERROR(check_weights(wtype, rows, n));
  if (n_tokens < 0) return Error{"matmul: negative token count " + std::to_string(n_tokens)};
  const TypeInfo* wi = type_info(wtype);
  const TypeInfo* ai = type_info(wi->vec_dot_type);
  const uint64_t w_row = row_bytes(wtype, n);
  const uint64_t a_row = row_bytes(wi->vec_dot_type, n);
  scratch.act.resize(a_row);
  const auto* wbytes = static_cast<const uint8_t*>(w);
  for (int64_t t = 0; t < n_tokens; ++t) {
    ai->kernels.quantize(x + t * n, scratch.act.data(), n);
    float* yt = y + t * rows;
    for (int64_t r = 0; r < rows; ++r) {
      yt[r] = wi->kernels.vec_dot(n, wbytes + static_cast<uint64_t>(r) * w_row, scratch.act.data());
    }
  }
  return Status::Ok();
}

Status gemv(TensorType wtype, const void* w, int64_t rows, int64_t n, const float* x, float* y,
            GemvScratch& scratch) {
  return matmul(wtype, w, rows, n, x, 1, y, scratch);
}

}  // namespace ledge::kernels
