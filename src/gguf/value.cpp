// Builders and deep comparison for GGUF metadata values.
#include <cstring>
#include <utility>

#include "gguf/gguf.h"

namespace ledge::gguf {

namespace {
template <typename T>
Value make(ValueType type, T v) {
  Value out;
  out.type = type;
  out.data.emplace<T>(std::move(v));
  return out;
}
}  // namespace

Value make_value(uint8_t v) { return make(ValueType::UINT8, v); }
Value make_value(int8_t v) { return make(ValueType::INT8, v); }
Value make_value(uint16_t v) { return make(ValueType::UINT16, v); }
Value make_value(int16_t v) { return make(ValueType::INT16, v); }
Value make_value(uint32_t v) { return make(ValueType::UINT32, v); }
Value make_value(int32_t v) { return make(ValueType::INT32, v); }
Value make_value(float v) { return make(ValueType::FLOAT32, v); }
Value make_value(bool v) { return make(ValueType::BOOL, v); }
Value make_value(std::string v) { return make(ValueType::STRING, std::move(v)); }
Value make_value(const char* v) { return make(ValueType::STRING, std::string(v)); }
Value make_value(uint64_t v) { return make(ValueType::UINT64, v); }
Value make_value(int64_t v) { return make(ValueType::INT64, v); }
Value make_value(double v) { return make(ValueType::FLOAT64, v); }

Value make_array(ValueType elem_type, std::vector<Value> items) {
  return make(ValueType::ARRAY, Array{elem_type, std::move(items)});
}

bool same_value(const Value& a, const Value& b) {
  // The variant's alternatives are declared in ValueType order, so a
  // well-formed Value has data.index() == type.
  if (a.type != b.type || a.data.index() != static_cast<size_t>(a.type) ||
      b.data.index() != static_cast<size_t>(b.type)) {
    return false;
  }
  switch (a.type) {
    case ValueType::FLOAT32: {
      float x = std::get<float>(a.data), y = std::get<float>(b.data);
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case ValueType::FLOAT64: {
      double x = std::get<double>(a.data), y = std::get<double>(b.data);
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case ValueType::ARRAY: {
      const auto& x = std::get<Array>(a.data);
      const auto& y = std::get<Array>(b.data);
      if (x.elem_type != y.elem_type || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!same_value(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case ValueType::UINT8: return std::get<uint8_t>(a.data) == std::get<uint8_t>(b.data);
    case ValueType::INT8: return std::get<int8_t>(a.data) == std::get<int8_t>(b.data);
    case ValueType::UINT16: return std::get<uint16_t>(a.data) == std::get<uint16_t>(b.data);
    case ValueType::INT16: return std::get<int16_t>(a.data) == std::get<int16_t>(b.data);
    case ValueType::UINT32: return std::get<uint32_t>(a.data) == std::get<uint32_t>(b.data);
    case ValueType::INT32: return std::get<int32_t>(a.data) == std::get<int32_t>(b.data);
    case ValueType::UINT64: return std::get<uint64_t>(a.data) == std::get<uint64_t>(b.data);
    case ValueType::INT64: return std::get<int64_t>(a.data) == std::get<int64_t>(b.data);
    case ValueType::BOOL: return std::get<bool>(a.data) == std::get<bool>(b.data);
    case ValueType::STRING: return std::get<std::string>(a.data) == std::get<std::string>(b.data);
  }
  return false;
}

}  // namespace ledge::gguf
