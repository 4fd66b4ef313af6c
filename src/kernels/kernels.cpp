#include "kernels/kernels.h"

#include <cassert>
#include <string>

namespace ledge::kernels {

Status check_row(TensorType t, int64_t n) {
  const TypeInfo* info = type_info(t);
  if (!info) {
    return Error{"kernels: tensor type " + std::string(gguf::tensor_type_name(t)) + " (id " +
                 std::to_string(static_cast<uint32_t>(t)) + ") is not supported"};
  }
  if (n < 0 || n % info->block_elems != 0) {
    return Error{"kernels: row of " + std::to_string(n) + " elements is not a multiple of the " +
                 std::string(info->name) + " block size " + std::to_string(info->block_elems)};
  }
  return Status::Ok();
}

Status dequantize_row(TensorType t, const void* src, float* dst, int64_t n) {
  LEDGE_RETURN_IF_ERROR(check_row(t, n));
  type_info(t)->kernels.dequantize(src, dst, n);
  return Status::Ok();
}

Status quantize_row(TensorType t, const float* src, void* dst, int64_t n) {
  LEDGE_RETURN_IF_ERROR(check_row(t, n));
  type_info(t)->kernels.quantize(src, dst, n);
  return Status::Ok();
}

float vec_dot(TensorType t, int64_t n, const void* w_row, const void* act_row) {
  const TypeInfo* info = type_info(t);
  assert(info && info->kernels.vec_dot && n % info->block_elems == 0);
  return info->kernels.vec_dot(n, w_row, act_row);
}

}  // namespace ledge::kernels
