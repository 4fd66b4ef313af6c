// A byte-level GGUF builder for tests: writes exactly the fields it is told,
// in order, with no validation, so tests can craft malformed files that the
// real Writer refuses to produce.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ledge::gguf::test {

class GgufBytes {
 public:
  std::vector<uint8_t> bytes;

  size_t size() const { return bytes.size(); }

  GgufBytes& raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) bytes.push_back(b[i]);
    return *this;
  }
  template <typename T>
  GgufBytes& put(T v) {
    return raw(&v, sizeof v);
  }
  GgufBytes& u8(uint8_t v) { return put(v); }
  GgufBytes& u32(uint32_t v) { return put(v); }
  GgufBytes& u64(uint64_t v) { return put(v); }
  GgufBytes& str(std::string_view s) {
    u64(s.size());
    return raw(s.data(), s.size());
  }
  // A length field that lies: claims `len` bytes, writes `s`.
  GgufBytes& str_with_len(uint64_t len, std::string_view s) {
    u64(len);
    return raw(s.data(), s.size());
  }
  GgufBytes& zeros(size_t n) {
    bytes.insert(bytes.end(), n, 0);
    return *this;
  }
  GgufBytes& pad_to(uint64_t alignment) {
    while (bytes.size() % alignment != 0) bytes.push_back(0);
    return *this;
  }

  // magic, version, n_tensors, n_kv
  GgufBytes& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    raw("GGUF", 4);
    u32(version);
    u64(n_tensors);
    return u64(n_kv);
  }
  GgufBytes& kv_u32(std::string_view key, uint32_t v) {
    str(key);
    u32(4);  // UINT32
    return u32(v);
  }
  GgufBytes& kv_str(std::string_view key, std::string_view v) {
    str(key);
    u32(8);  // STRING
    return str(v);
  }
  GgufBytes& tensor(std::string_view name, std::initializer_list<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name);
    u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) u64(d);
    u32(type);
    return u64(offset);
  }
};

}  // namespace ledge::gguf::test
