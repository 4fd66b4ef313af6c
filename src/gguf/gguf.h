// GGUF reader (v2, v3). The whole file is treated as hostile: every count,
// length, dimension, offset and type is validated against the file size and
// sane limits before use, and errors name the field and its byte offset.
// Tensor data is viewed in place in the read-only mapping (zero copy).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/mapped_file.h"
#include "common/status.h"
#include "gguf/tensor_type.h"

namespace ledge::gguf {

enum class ValueType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
std::string_view value_type_name(ValueType t);

// Limits the reader enforces on top of "must fit in the file".
inline constexpr uint32_t kMaxDims = 4;              // GGML_MAX_DIMS
inline constexpr uint32_t kMaxArrayDepth = 8;        // nesting of ARRAY values
inline constexpr uint64_t kMaxKeyLength = 65535;     // GGUF spec: keys < 2^16 bytes
inline constexpr uint64_t kMaxTensorNameLength = 256;
inline constexpr uint64_t kDefaultAlignment = 32;

struct Value;
struct Array {
  ValueType elem_type = ValueType::UINT8;
  std::vector<Value> items;  // nested arrays allowed
};

struct Value {
  ValueType type = ValueType::UINT8;
  std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool, std::string,
               Array, uint64_t, int64_t, double>
      data;
};

// Value builders (used by the writer and tests): make_value(uint32_t{7}),
// make_value("text"), make_array(ValueType::FLOAT32, {...}). The overload
// picked by the argument's C++ type decides the GGUF value type.
Value make_value(uint8_t v);
Value make_value(int8_t v);
Value make_value(uint16_t v);
Value make_value(int16_t v);
Value make_value(uint32_t v);
Value make_value(int32_t v);
Value make_value(float v);
Value make_value(bool v);
Value make_value(std::string v);
Value make_value(const char* v);
Value make_value(uint64_t v);
Value make_value(int64_t v);
Value make_value(double v);
Value make_array(ValueType elem_type, std::vector<Value> items);

// Deep equality; floats compare by bit pattern (so NaN == the same NaN).
bool same_value(const Value& a, const Value& b);

struct KeyValue {
  std::string key;
  Value value;
};

struct TensorInfo {
  std::string name;
  uint32_t n_dims = 0;
  uint64_t ne[4] = {1, 1, 1, 1};  // GGML order: ne[0] is the contiguous (row) dimension
  TensorType type = TensorType::F32;
  uint64_t offset = 0;        // relative to the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

class File {
 public:
  // Maps and parses a file.
  static Result<File> open(const std::string& path);
  // Parses bytes owned by the caller (kept alive as long as the File); used by
  // the fuzzer and tests.
  static Result<File> parse(std::span<const uint8_t> bytes);

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // absolute file offset of the data section
  const std::vector<KeyValue>& metadata() const { return kv_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  const Value* find(std::string_view key) const;
  const TensorInfo* find_tensor(std::string_view name) const;

  // Typed getters. Integers of any width/sign convert when the value fits;
  // floats accept FLOAT32/FLOAT64. Errors name the key and the actual type.
  Result<std::string> get_string(std::string_view key) const;
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::vector<std::string>> get_string_array(std::string_view key) const;
  Result<std::vector<float>> get_float_array(std::string_view key) const;
  Result<std::vector<int64_t>> get_int_array(std::string_view key) const;

  // The tensor's bytes inside the mapping (validated at parse time).
  std::span<const uint8_t> tensor_data(const TensorInfo& t) const;

  // The mapping (empty for parse()); lets callers mlock the weights.
  MappedFile* mapping() { return map_.get(); }

  // Size in bytes of the whole file / parsed buffer.
  uint64_t file_size() const { return bytes_.size(); }
  // Bytes of the whole file / parsed buffer.
  std::span<const uint8_t> bytes() const { return bytes_; }

 private:
  std::unique_ptr<MappedFile> map_;  // unique_ptr keeps bytes_ stable across moves
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> kv_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> kv_index_;      // key -> index in kv_
  std::map<std::string, size_t, std::less<>> tensor_index_;  // name -> index in tensors_
  friend class Parser;
};

}  // namespace ledge::gguf
