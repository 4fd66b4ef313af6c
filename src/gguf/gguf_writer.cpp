#include "gguf/gguf_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "common/checked_math.h"

namespace ledge::gguf {

namespace {

constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Appends little-endian scalars / GGUF strings to a byte buffer.
struct Out {
  std::vector<uint8_t>& b;
  void raw(const void* p, size_t n) {
    if (n == 0) return;
    size_t at = b.size();
    b.resize(at + n);
    std::memcpy(b.data() + at, p, n);
  }
  template <typename T>
  void put(T v) {
    raw(&v, sizeof(T));  // little-endian host
  }
  void str(std::string_view s) {
    put<uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  void value(const Value& v) {
    switch (v.type) {
      case ValueType::UINT8: put(std::get<uint8_t>(v.data)); break;
      case ValueType::INT8: put(std::get<int8_t>(v.data)); break;
      case ValueType::UINT16: put(std::get<uint16_t>(v.data)); break;
      case ValueType::INT16: put(std::get<int16_t>(v.data)); break;
      case ValueType::UINT32: put(std::get<uint32_t>(v.data)); break;
      case ValueType::INT32: put(std::get<int32_t>(v.data)); break;
      case ValueType::FLOAT32: put(std::get<float>(v.data)); break;
      case ValueType::BOOL: put<uint8_t>(std::get<bool>(v.data) ? 1 : 0); break;
      case ValueType::STRING: str(std::get<std::string>(v.data)); break;
      case ValueType::UINT64: put(std::get<uint64_t>(v.data)); break;
      case ValueType::INT64: put(std::get<int64_t>(v.data)); break;
      case ValueType::FLOAT64: put(std::get<double>(v.data)); break;
      case ValueType::ARRAY: {
        const auto& a = std::get<Array>(v.data);
        put(static_cast<uint32_t>(a.elem_type));
        put<uint64_t>(a.items.size());
        for (const auto& item : a.items) value(item);
        break;
      }
    }
  }
};

// A Value the writer can serialize: its variant holds the alternative its
// type names, array items all have the array's element type, nesting is
// bounded like the reader's.
Status check_value(const Value& v, const std::string& where, uint32_t depth) {
  if (static_cast<uint32_t>(v.type) > static_cast<uint32_t>(ValueType::FLOAT64)) {
    return Error{where + ": unknown value type " + std::to_string(static_cast<uint32_t>(v.type))};
  }
  if (v.data.index() != static_cast<size_t>(v.type)) {
    return Error{where + ": value declared " + std::string(value_type_name(v.type)) +
                 " holds a different C++ type"};
  }
  if (v.type != ValueType::ARRAY) return Status::Ok();
  if (depth + 1 > kMaxArrayDepth) {
    return Error{where + ": arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels"};
  }
  const auto& a = std::get<Array>(v.data);
  for (size_t i = 0; i < a.items.size(); ++i) {
    std::string w = where + " element " + std::to_string(i);
    if (a.items[i].type != a.elem_type) {
      return Error{w + ": type " + std::string(value_type_name(a.items[i].type)) + " in an array of " +
                   std::string(value_type_name(a.elem_type))};
    }
    LEDGE_RETURN_IF_ERROR(check_value(a.items[i], w, depth + 1));
  }
  return Status::Ok();
}

// general.alignment as the reader accepts it: any integer type holding a
// positive power of two (the spec says UINT32; signed types are tolerated so
// that every file the reader accepts can be written back).
std::optional<uint64_t> alignment_value(const Value& v) {
  switch (v.type) {
    case ValueType::UINT8: return std::get<uint8_t>(v.data);
    case ValueType::UINT16: return std::get<uint16_t>(v.data);
    case ValueType::UINT32: return std::get<uint32_t>(v.data);
    case ValueType::UINT64: return std::get<uint64_t>(v.data);
    case ValueType::INT8: return std::get<int8_t>(v.data) < 0 ? 0 : static_cast<uint64_t>(std::get<int8_t>(v.data));
    case ValueType::INT16: return std::get<int16_t>(v.data) < 0 ? 0 : static_cast<uint64_t>(std::get<int16_t>(v.data));
    case ValueType::INT32: return std::get<int32_t>(v.data) < 0 ? 0 : static_cast<uint64_t>(std::get<int32_t>(v.data));
    case ValueType::INT64: return std::get<int64_t>(v.data) < 0 ? 0 : static_cast<uint64_t>(std::get<int64_t>(v.data));
    default: return std::nullopt;
  }
}

Status check_alignment(const Value& v) {
  auto a = alignment_value(v);
  if (!a) {
    return Error{"metadata key 'general.alignment' has type " + std::string(value_type_name(v.type)) +
                 ", expected UINT32"};
  }
  if (!is_power_of_two(*a)) {
    return Error{"metadata key 'general.alignment': alignment is not a positive power of two"};
  }
  return Status::Ok();
}

uint64_t alignment_of(const Value& v) {
  return alignment_value(v).value_or(kDefaultAlignment);  // add_kv() admitted only valid ones
}

}  // namespace

Status Writer::add_kv(std::string key, Value value) {
  if (key.empty()) return Error{"metadata key is empty"};
  if (key.size() > kMaxKeyLength) {
    return Error{"metadata key of " + std::to_string(key.size()) + " bytes exceeds the limit of " +
                 std::to_string(kMaxKeyLength)};
  }
  std::string where = "metadata key '" + key + "'";
  if (keys_.count(key) != 0) return Error{where + ": duplicate key"};
  LEDGE_RETURN_IF_ERROR(check_value(value, where, 0));
  if (key == "general.alignment") LEDGE_RETURN_IF_ERROR(check_alignment(value));
  keys_.insert(key);
  kv_.push_back(KeyValue{std::move(key), std::move(value)});
  return Status::Ok();
}

Status Writer::add_tensor(std::string name, TensorType type, std::span<const uint64_t> ne,
                          std::vector<uint8_t> bytes) {
  return add_tensor_impl(std::move(name), type, ne, std::move(bytes), {});
}

Status Writer::add_tensor_view(std::string name, TensorType type, std::span<const uint64_t> ne,
                               std::span<const uint8_t> bytes) {
  return add_tensor_impl(std::move(name), type, ne, {}, bytes);
}

Status Writer::add_tensor_impl(std::string name, TensorType type, std::span<const uint64_t> ne,
                               std::vector<uint8_t> owned, std::span<const uint8_t> view) {
  if (name.empty()) return Error{"tensor name is empty"};
  std::string where = "tensor '" + name + "'";
  if (name.size() > kMaxTensorNameLength) {
    return Error{where + ": name exceeds " + std::to_string(kMaxTensorNameLength) + " bytes"};
  }
  if (names_.count(name) != 0) return Error{where + ": duplicate tensor name"};
  if (ne.empty() || ne.size() > kMaxDims) {
    return Error{where + ": n_dims " + std::to_string(ne.size()) + " is not in 1.." + std::to_string(kMaxDims)};
  }
  auto traits = tensor_type_traits(static_cast<uint32_t>(type));
  if (!traits) return Error{where + ": unknown tensor type id " + std::to_string(static_cast<uint32_t>(type))};

  TensorInfo info;
  info.name = name;
  info.type = type;
  info.n_dims = static_cast<uint32_t>(ne.size());
  uint64_t n = 1;
  for (size_t d = 0; d < ne.size(); ++d) {
    if (ne[d] == 0 || ne[d] > kInt64Max) {
      return Error{where + ": ne[" + std::to_string(d) + "] " + std::to_string(ne[d]) + " is out of range"};
    }
    auto p = checked_mul(n, ne[d]);
    if (!p || *p > kInt64Max) return Error{where + ": element count overflows"};
    n = *p;
    info.ne[d] = ne[d];
  }
  if (ne[0] % traits->block_elems != 0) {
    return Error{where + ": ne[0] " + std::to_string(ne[0]) + " is not a multiple of the block size " +
                 std::to_string(traits->block_elems) + " of type " + std::string(traits->name)};
  }
  auto n_bytes = checked_mul(n / traits->block_elems, traits->block_bytes);
  if (!n_bytes || *n_bytes > kInt64Max) return Error{where + ": byte size overflows"};
  info.n_elements = n;
  info.n_bytes = *n_bytes;
  uint64_t given = view.data() != nullptr ? view.size() : owned.size();
  if (given != info.n_bytes) {
    return Error{where + ": " + std::to_string(given) + " data bytes given, shape and type need " +
                 std::to_string(info.n_bytes)};
  }
  names_.insert(name);
  tensors_.push_back(Tensor{std::move(info), std::move(owned), view});
  return Status::Ok();
}

Result<Writer> Writer::from_file(const File& src) {
  Writer w;
  for (const auto& kv : src.metadata()) LEDGE_RETURN_IF_ERROR(w.add_kv(kv.key, kv.value));
  for (const auto& t : src.tensors()) {
    LEDGE_RETURN_IF_ERROR(w.add_tensor_view(t.name, t.type, std::span<const uint64_t>(t.ne, t.n_dims),
                                            src.tensor_data(t)));
  }
  return w;
}

Result<std::vector<uint8_t>> Writer::header(uint64_t& alignment, std::vector<uint64_t>& offsets) const {
  alignment = kDefaultAlignment;
  for (const auto& kv : kv_) {
    if (kv.key == "general.alignment") alignment = alignment_of(kv.value);
  }
  offsets.clear();
  uint64_t next = 0;
  for (const auto& t : tensors_) {
    offsets.push_back(next);
    auto end = checked_add(next, t.info.n_bytes);
    auto aligned = end ? checked_align_up(*end, alignment) : std::nullopt;
    if (!aligned) return Error{"tensor '" + t.info.name + "': data offset overflows"};
    next = *aligned;
  }

  std::vector<uint8_t> bytes;
  Out out{bytes};
  out.raw("GGUF", 4);
  out.put<uint32_t>(3);
  out.put<uint64_t>(tensors_.size());
  out.put<uint64_t>(kv_.size());
  for (const auto& kv : kv_) {
    out.str(kv.key);
    out.put(static_cast<uint32_t>(kv.value.type));
    out.value(kv.value);
  }
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const TensorInfo& t = tensors_[i].info;
    out.str(t.name);
    out.put<uint32_t>(t.n_dims);
    for (uint32_t d = 0; d < t.n_dims; ++d) out.put<uint64_t>(t.ne[d]);
    out.put(static_cast<uint32_t>(t.type));
    out.put<uint64_t>(offsets[i]);
  }
  // A file without tensors (a vocab-only file) ends right after its
  // metadata, like the reference vocab files; otherwise pad to the data.
  if (!tensors_.empty()) {
    auto data_start = checked_align_up(bytes.size(), alignment);
    if (!data_start) return Error{"data section offset overflows"};
    bytes.resize(static_cast<size_t>(*data_start), 0);
  }
  return bytes;
}

Result<std::vector<uint8_t>> Writer::serialize() const {
  uint64_t alignment = 0;
  std::vector<uint64_t> offsets;
  auto head = header(alignment, offsets);
  if (!head.ok()) return Error{head.message()};
  std::vector<uint8_t> bytes = std::move(head.value());
  const uint64_t base = bytes.size();
  for (size_t i = 0; i < tensors_.size(); ++i) {
    bytes.resize(static_cast<size_t>(base + offsets[i]), 0);
    auto d = tensors_[i].data();
    Out{bytes}.raw(d.data(), d.size());
  }
  if (!tensors_.empty()) {  // pad the last tensor too, as the reference writers do
    auto end = checked_align_up(bytes.size(), alignment);
    if (!end) return Error{"data section size overflows"};
    bytes.resize(static_cast<size_t>(*end), 0);
  }
  return bytes;
}

Status Writer::write(const std::string& path) const {
  uint64_t alignment = 0;
  std::vector<uint64_t> offsets;
  auto head = header(alignment, offsets);
  if (!head.ok()) return Error{head.message()};

  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{"cannot create '" + tmp + "': " + std::strerror(errno)};
  auto fail = [&](const std::string& what) -> Status {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error{what + " '" + tmp + "': " + std::strerror(e)};
  };
  uint64_t written = 0;
  auto put = [&](std::span<const uint8_t> b) -> bool {
    while (!b.empty()) {
      ssize_t n = ::write(fd, b.data(), b.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      b = b.subspan(static_cast<size_t>(n));
      written += static_cast<uint64_t>(n);
    }
    return true;
  };
  static const uint8_t zeros[256] = {};
  auto pad_to = [&](uint64_t target) -> bool {
    while (written < target) {
      uint64_t n = std::min<uint64_t>(target - written, sizeof zeros);
      if (!put(std::span<const uint8_t>(zeros, static_cast<size_t>(n)))) return false;
    }
    return true;
  };

  if (!put(head.value())) return fail("cannot write");
  const uint64_t base = written;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (!pad_to(base + offsets[i]) || !put(tensors_[i].data())) return fail("cannot write");
  }
  if (!tensors_.empty()) {
    auto end = checked_align_up(written, alignment);
    if (!end || !pad_to(*end)) return fail("cannot write");
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Error{"cannot close '" + tmp + "': " + std::strerror(e)};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Error{"cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(e)};
  }
  return Status::Ok();
}

}  // namespace ledge::gguf
