// GGUF reader. The parser (class Parser below) treats every byte as hostile:
// each count, length, dimension, offset and type is checked against the bytes
// that remain and against fixed limits, with overflow-checked arithmetic,
// before it is used to allocate, index or slice anything.
#include "gguf/gguf.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "common/checked_math.h"

namespace ledge::gguf {

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::UINT8: return "UINT8";
    case ValueType::INT8: return "INT8";
    case ValueType::UINT16: return "UINT16";
    case ValueType::INT16: return "INT16";
    case ValueType::UINT32: return "UINT32";
    case ValueType::INT32: return "INT32";
    case ValueType::FLOAT32: return "FLOAT32";
    case ValueType::BOOL: return "BOOL";
    case ValueType::STRING: return "STRING";
    case ValueType::ARRAY: return "ARRAY";
    case ValueType::UINT64: return "UINT64";
    case ValueType::INT64: return "INT64";
    case ValueType::FLOAT64: return "FLOAT64";
  }
  return "type#unknown";
}

namespace {

constexpr uint32_t kMaxValueType = 12;
constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Fewest bytes one serialized value of type t can occupy; used to reject
// element counts that cannot possibly fit in the bytes that remain.
uint64_t min_value_bytes(ValueType t) {
  switch (t) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::BOOL: return 1;
    case ValueType::UINT16:
    case ValueType::INT16: return 2;
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::FLOAT32: return 4;
    case ValueType::UINT64:
    case ValueType::INT64:
    case ValueType::FLOAT64: return 8;
    case ValueType::STRING: return 8;   // uint64 length
    case ValueType::ARRAY: return 12;   // uint32 type + uint64 count
  }
  return 1;
}

// A metadata entry: key length (8) + key (>= 0) + type (4) + value (>= 1).
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;
// A tensor info: name length (8) + name (>= 1) + n_dims (4) + ne (>= 8) + type (4) + offset (8).
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;

// Bytes from a hostile file made safe for a one-line message: printable ASCII
// kept, everything else escaped, long text cut.
std::string printable(std::string_view s, size_t max_len = 80) {
  std::string out;
  size_t n = std::min(s.size(), max_len);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max_len) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string u64s(uint64_t v) { return std::to_string(v); }

bool is_integer_type(ValueType t) {
  switch (t) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::UINT16:
    case ValueType::INT16:
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::UINT64:
    case ValueType::INT64: return true;
    default: return false;
  }
}

// Integer value as (negative?, magnitude). Only for is_integer_type values.
struct IntParts {
  bool negative;
  uint64_t magnitude;
};
IntParts int_parts(const Value& v) {
  auto from_signed = [](int64_t x) {
    return x < 0 ? IntParts{true, static_cast<uint64_t>(-(x + 1)) + 1} : IntParts{false, static_cast<uint64_t>(x)};
  };
  switch (v.type) {
    case ValueType::UINT8: return {false, std::get<uint8_t>(v.data)};
    case ValueType::INT8: return from_signed(std::get<int8_t>(v.data));
    case ValueType::UINT16: return {false, std::get<uint16_t>(v.data)};
    case ValueType::INT16: return from_signed(std::get<int16_t>(v.data));
    case ValueType::UINT32: return {false, std::get<uint32_t>(v.data)};
    case ValueType::INT32: return from_signed(std::get<int32_t>(v.data));
    case ValueType::UINT64: return {false, std::get<uint64_t>(v.data)};
    case ValueType::INT64: return from_signed(std::get<int64_t>(v.data));
    default: return {false, 0};
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, File& file) : b_(bytes), f_(file) {}

  Status run() {
    LEDGE_RETURN_IF_ERROR(parse_header());
    LEDGE_RETURN_IF_ERROR(parse_metadata());
    LEDGE_RETURN_IF_ERROR(parse_alignment());
    LEDGE_RETURN_IF_ERROR(parse_tensor_infos());
    LEDGE_RETURN_IF_ERROR(place_data());
    return Status::Ok();
  }

 private:
  std::span<const uint8_t> b_;
  File& f_;
  uint64_t pos_ = 0;
  std::string ctx_ = "GGUF header";  // what is being parsed, for messages
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
  uint64_t alignment_value_offset_ = 0;  // where general.alignment's value was read
  std::vector<uint64_t> tensor_offset_at_;  // byte offset of each tensor's `offset` field

  uint64_t remaining() const { return b_.size() - pos_; }

  Error fail(uint64_t at, const std::string& msg) const {
    return Error{ctx_ + ": " + msg + " at byte offset " + u64s(at)};
  }

  Status need(uint64_t n, std::string_view what) const {
    if (n > remaining()) {
      return fail(pos_, "truncated file: " + std::string(what) + " needs " + u64s(n) + " bytes but only " +
                            u64s(remaining()) + " remain (file is " + u64s(b_.size()) + " bytes)");
    }
    return Status::Ok();
  }

  template <typename T>
  Status read(T& out, std::string_view what) {
    LEDGE_RETURN_IF_ERROR(need(sizeof(T), what));
    std::memcpy(&out, b_.data() + pos_, sizeof(T));  // little-endian host (x86-64, aarch64)
    pos_ += sizeof(T);
    return Status::Ok();
  }

  // Messages about metadata values name the element being read ("value",
  // "value array element 3 array element 0"). The name is built only when
  // an error is reported: vocabularies hold 10^5+ elements.
  std::vector<uint64_t> path_;
  std::string value_name(std::string_view leaf = {}) const {
    std::string s = "value";
    for (uint64_t i : path_) s += " array element " + u64s(i);
    if (!leaf.empty()) {
      s += ' ';
      s += leaf;
    }
    return s;
  }

  // Strings: a uint64 length, then that many bytes (any bytes; GGUF says
  // UTF-8 but the reader keeps what is there). `name` is called only to
  // describe a failure.
  template <typename Name>
  Status read_string_impl(std::string& out, uint64_t max_len, const Name& name) {
    uint64_t at = pos_;
    uint64_t len = 0;
    if (sizeof len > remaining()) {
      return need(sizeof len, name() + " length");
    }
    std::memcpy(&len, b_.data() + pos_, sizeof len);
    pos_ += sizeof len;
    if (len > remaining()) {
      return fail(at, name() + " length " + u64s(len) + " exceeds the " + u64s(remaining()) +
                          " bytes left in the file");
    }
    if (len > max_len) {
      return fail(at, name() + " length " + u64s(len) + " exceeds the limit of " + u64s(max_len));
    }
    out.assign(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<size_t>(len));
    pos_ += len;
    return Status::Ok();
  }

  Status read_string(std::string& out, std::string_view what, uint64_t max_len) {
    return read_string_impl(out, max_len, [what] { return std::string(what); });
  }

  template <typename Name>
  Status read_value_type(ValueType& out, const Name& name) {
    uint64_t at = pos_;
    uint32_t raw = 0;
    if (sizeof raw > remaining()) return need(sizeof raw, name());
    std::memcpy(&raw, b_.data() + pos_, sizeof raw);
    pos_ += sizeof raw;
    if (raw > kMaxValueType) return fail(at, "unknown " + name() + " " + u64s(raw));
    out = static_cast<ValueType>(raw);
    return Status::Ok();
  }

  // Reads one value of type t; depth is the number of enclosing arrays.
  Status read_value(ValueType t, Value& out, uint32_t depth) {
    out.type = t;
    switch (t) {
      case ValueType::UINT8: return read_scalar<uint8_t>(out);
      case ValueType::INT8: return read_scalar<int8_t>(out);
      case ValueType::UINT16: return read_scalar<uint16_t>(out);
      case ValueType::INT16: return read_scalar<int16_t>(out);
      case ValueType::UINT32: return read_scalar<uint32_t>(out);
      case ValueType::INT32: return read_scalar<int32_t>(out);
      case ValueType::FLOAT32: return read_scalar<float>(out);
      case ValueType::UINT64: return read_scalar<uint64_t>(out);
      case ValueType::INT64: return read_scalar<int64_t>(out);
      case ValueType::FLOAT64: return read_scalar<double>(out);
      case ValueType::BOOL: {
        uint64_t at = pos_;
        uint8_t raw = 0;
        if (sizeof raw > remaining()) return need(sizeof raw, value_name("(BOOL)"));
        raw = b_[pos_++];
        if (raw > 1) return fail(at, value_name() + ": invalid BOOL byte " + u64s(raw) + " (must be 0 or 1)");
        out.data = raw == 1;
        return Status::Ok();
      }
      case ValueType::STRING: {
        std::string s;
        LEDGE_RETURN_IF_ERROR(read_string_impl(s, std::numeric_limits<uint64_t>::max(),
                                               [this] { return value_name("string"); }));
        out.data = std::move(s);
        return Status::Ok();
      }
      case ValueType::ARRAY: return read_array(out, depth + 1);
    }
    return fail(pos_, "unknown value type " + u64s(static_cast<uint32_t>(t)));
  }

  template <typename T>
  Status read_scalar(Value& out) {
    T v{};
    if (sizeof v > remaining()) {
      return need(sizeof v, value_name("(" + std::string(value_type_name(out.type)) + ")"));
    }
    std::memcpy(&v, b_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    out.data = v;
    return Status::Ok();
  }

  Status read_array(Value& out, uint32_t depth) {
    uint64_t at = pos_;
    if (depth > kMaxArrayDepth) {
      return fail(at, value_name() + ": arrays nested deeper than " + u64s(kMaxArrayDepth) + " levels");
    }
    Array arr;
    LEDGE_RETURN_IF_ERROR(read_value_type(arr.elem_type, [this] { return value_name("array element type"); }));
    uint64_t count_at = pos_;
    uint64_t count = 0;
    if (sizeof count > remaining()) return need(sizeof count, value_name("array length"));
    std::memcpy(&count, b_.data() + pos_, sizeof count);
    pos_ += sizeof count;
    // Every element takes at least min_value_bytes(), so a count the rest of
    // the file cannot hold is rejected before anything is allocated.
    uint64_t min_each = min_value_bytes(arr.elem_type);
    auto min_total = checked_mul(count, min_each);
    if (!min_total || *min_total > remaining()) {
      return fail(count_at, value_name("array length") + " " + u64s(count) + " of " +
                                std::string(value_type_name(arr.elem_type)) + " needs at least " +
                                (min_total ? u64s(*min_total) : std::string("2^64+")) + " bytes but only " +
                                u64s(remaining()) + " remain");
    }
    arr.items.resize(static_cast<size_t>(count));
    path_.push_back(0);
    for (uint64_t i = 0; i < count; ++i) {
      path_.back() = i;
      LEDGE_RETURN_IF_ERROR(read_value(arr.elem_type, arr.items[i], depth));
    }
    path_.pop_back();
    out.data = std::move(arr);
    return Status::Ok();
  }

  Status parse_header() {
    if (b_.size() < 4) {
      return fail(0, "file is " + u64s(b_.size()) + " bytes, too small for the GGUF magic");
    }
    if (std::memcmp(b_.data(), "GGUF", 4) != 0) {
      std::string got(reinterpret_cast<const char*>(b_.data()), 4);
      return fail(0, "not a GGUF file: magic is '" + printable(got) + "', expected 'GGUF'");
    }
    pos_ = 4;
    uint64_t at = pos_;
    uint32_t version = 0;
    LEDGE_RETURN_IF_ERROR(read(version, "version"));
    if (version == 1) {
      return fail(at, "GGUF version 1 is not supported (v1 used 32-bit counts and lengths; "
                      "re-convert the model with a current llama.cpp)");
    }
    if (version != 2 && version != 3) {
      if ((version & 0xFFFFu) == 0 && (version >> 16) != 0) {
        return fail(at, "version field " + u64s(version) + " looks byte-swapped: big-endian GGUF files are not supported");
      }
      return fail(at, "unsupported GGUF version " + u64s(version) + " (supported: 2, 3)");
    }
    f_.version_ = version;

    uint64_t nt_at = pos_;
    LEDGE_RETURN_IF_ERROR(read(n_tensors_, "tensor count"));
    uint64_t nkv_at = pos_;
    LEDGE_RETURN_IF_ERROR(read(n_kv_, "metadata count"));
    // Every entry occupies a minimum number of bytes, so a count the rest of
    // the file cannot hold is rejected before anything is reserved.
    if (n_kv_ > remaining() / kMinKvBytes) {
      return fail(nkv_at, "metadata count (n_kv) " + u64s(n_kv_) + " cannot fit in the " + u64s(remaining()) +
                              " bytes left (each entry needs at least " + u64s(kMinKvBytes) + ")");
    }
    if (n_tensors_ > remaining() / kMinTensorInfoBytes) {
      return fail(nt_at, "tensor count (n_tensors) " + u64s(n_tensors_) + " cannot fit in the " +
                             u64s(remaining()) + " bytes left (each tensor info needs at least " +
                             u64s(kMinTensorInfoBytes) + ")");
    }
    if (n_kv_ * kMinKvBytes + n_tensors_ * kMinTensorInfoBytes > remaining()) {  // both bounded above: no overflow
      return fail(nt_at, "tensor count " + u64s(n_tensors_) + " and metadata count " + u64s(n_kv_) +
                             " together cannot fit in the " + u64s(remaining()) + " bytes left");
    }
    return Status::Ok();
  }

  Status parse_metadata() {
    f_.kv_.reserve(static_cast<size_t>(n_kv_));
    for (uint64_t i = 0; i < n_kv_; ++i) {
      ctx_ = "metadata entry #" + u64s(i);
      KeyValue kv;
      uint64_t key_at = pos_;
      LEDGE_RETURN_IF_ERROR(read_string(kv.key, "key", kMaxKeyLength));
      if (kv.key.empty()) return fail(key_at, "empty key");
      ctx_ = "metadata key '" + printable(kv.key) + "' (#" + u64s(i) + ")";
      auto [it, inserted] = f_.kv_index_.try_emplace(kv.key, f_.kv_.size());
      if (!inserted) {
        return fail(key_at, "duplicate key (first defined by entry #" + u64s(it->second) + ")");
      }
      LEDGE_RETURN_IF_ERROR(read_value_type(kv.value.type, [] { return std::string("value type"); }));
      uint64_t value_at = pos_;
      LEDGE_RETURN_IF_ERROR(read_value(kv.value.type, kv.value, 0));
      if (kv.key == "general.alignment") alignment_value_offset_ = value_at;
      f_.kv_.push_back(std::move(kv));
    }
    return Status::Ok();
  }

  Status parse_alignment() {
    const Value* v = f_.find("general.alignment");
    if (v == nullptr) {
      f_.alignment_ = kDefaultAlignment;
      return Status::Ok();
    }
    ctx_ = "metadata key 'general.alignment'";
    if (!is_integer_type(v->type)) {
      return fail(alignment_value_offset_,
                  "has type " + std::string(value_type_name(v->type)) + ", expected UINT32");
    }
    IntParts p = int_parts(*v);
    if (p.negative || !is_power_of_two(p.magnitude)) {
      return fail(alignment_value_offset_, "alignment " + std::string(p.negative ? "-" : "") + u64s(p.magnitude) +
                                               " is not a power of two");
    }
    f_.alignment_ = p.magnitude;
    return Status::Ok();
  }

  Status parse_tensor_infos() {
    f_.tensors_.reserve(static_cast<size_t>(n_tensors_));
    tensor_offset_at_.reserve(static_cast<size_t>(n_tensors_));
    for (uint64_t i = 0; i < n_tensors_; ++i) {
      ctx_ = "tensor #" + u64s(i);
      TensorInfo t;
      uint64_t name_at = pos_;
      LEDGE_RETURN_IF_ERROR(read_string(t.name, "name", kMaxTensorNameLength));
      if (t.name.empty()) return fail(name_at, "empty tensor name");
      ctx_ = "tensor '" + printable(t.name) + "' (#" + u64s(i) + ")";
      auto [it, inserted] = f_.tensor_index_.try_emplace(t.name, f_.tensors_.size());
      if (!inserted) {
        return fail(name_at, "duplicate tensor name (first defined by tensor #" + u64s(it->second) + ")");
      }

      uint64_t at = pos_;
      LEDGE_RETURN_IF_ERROR(read(t.n_dims, "n_dims"));
      if (t.n_dims < 1) return fail(at, "n_dims 0 is less than 1");
      if (t.n_dims > kMaxDims) return fail(at, "n_dims " + u64s(t.n_dims) + " exceeds " + u64s(kMaxDims));

      uint64_t n_elements = 1;
      for (uint32_t d = 0; d < t.n_dims; ++d) {
        at = pos_;
        std::string field = "ne[" + u64s(d) + "]";
        LEDGE_RETURN_IF_ERROR(read(t.ne[d], field));
        if (t.ne[d] == 0) return fail(at, field + " is 0 (zero-sized dimension)");
        if (t.ne[d] > kInt64Max) return fail(at, field + " " + u64s(t.ne[d]) + " exceeds INT64_MAX");
        auto prod = checked_mul(n_elements, t.ne[d]);
        if (!prod || *prod > kInt64Max) {
          return fail(at, "element count overflows: product of ne up to " + field + " exceeds INT64_MAX");
        }
        n_elements = *prod;
      }
      t.n_elements = n_elements;

      at = pos_;
      uint32_t type_id = 0;
      LEDGE_RETURN_IF_ERROR(read(type_id, "type"));
      auto traits = tensor_type_traits(type_id);
      if (!traits) {
        bool removed = type_id == 4 || type_id == 5 || (type_id >= 31 && type_id <= 33);
        return fail(at, "unknown tensor type id " + u64s(type_id) +
                            (removed ? " (removed from the GGUF format)" : ""));
      }
      t.type = traits->type;
      if (t.ne[0] % traits->block_elems != 0) {
        return fail(at, "ne[0] " + u64s(t.ne[0]) + " is not a multiple of the block size " +
                            u64s(traits->block_elems) + " of type " + std::string(traits->name));
      }
      auto n_bytes = checked_mul(n_elements / traits->block_elems, traits->block_bytes);
      if (!n_bytes || *n_bytes > kInt64Max) {
        return fail(at, "byte size overflows: " + u64s(n_elements) + " elements of type " +
                            std::string(traits->name));
      }
      t.n_bytes = *n_bytes;

      at = pos_;
      LEDGE_RETURN_IF_ERROR(read(t.offset, "data offset"));
      if (t.offset % f_.alignment_ != 0) {
        return fail(at, "data offset " + u64s(t.offset) + " is not a multiple of the alignment " +
                            u64s(f_.alignment_));
      }
      tensor_offset_at_.push_back(at);
      f_.tensors_.push_back(std::move(t));
    }
    return Status::Ok();
  }

  Status place_data() {
    ctx_ = "data section";
    auto data_offset = checked_align_up(pos_, f_.alignment_);
    if (!data_offset) {
      return fail(pos_, "aligning the data section to " + u64s(f_.alignment_) + " overflows");
    }
    uint64_t size = b_.size();
    if (*data_offset > size) {
      if (!f_.tensors_.empty()) {
        return fail(pos_, "data section would start at byte offset " + u64s(*data_offset) +
                              ", past the end of the file (" + u64s(size) + " bytes)");
      }
      data_offset = size;  // no tensors: an unpadded end of file is fine
    }
    f_.data_offset_ = *data_offset;
    uint64_t data_size = size - *data_offset;

    for (size_t i = 0; i < f_.tensors_.size(); ++i) {
      const TensorInfo& t = f_.tensors_[i];
      ctx_ = "tensor '" + printable(t.name) + "' (#" + u64s(i) + ")";
      auto end = checked_add(t.offset, t.n_bytes);
      if (!end || *end > data_size) {
        return fail(tensor_offset_at_[i],
                    "data [" + u64s(t.offset) + ", +" + u64s(t.n_bytes) + " bytes) extends past the end of the " +
                        "data section (" + u64s(data_size) + " bytes starting at byte offset " +
                        u64s(*data_offset) + ")");
      }
    }

    // Tensors must not share bytes: sort by offset and compare neighbours.
    std::vector<size_t> order(f_.tensors_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return f_.tensors_[a].offset < f_.tensors_[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
      const TensorInfo& prev = f_.tensors_[order[k - 1]];
      const TensorInfo& cur = f_.tensors_[order[k]];
      if (cur.offset < prev.offset + prev.n_bytes) {  // no overflow: checked above
        ctx_ = "tensor '" + printable(cur.name) + "' (#" + u64s(order[k]) + ")";
        return fail(tensor_offset_at_[order[k]], "data offset " + u64s(cur.offset) + " overlaps tensor '" +
                                                     printable(prev.name) + "' [" + u64s(prev.offset) + ", " +
                                                     u64s(prev.offset + prev.n_bytes) + ")");
      }
    }
    return Status::Ok();
  }
};

// ---------------------------------------------------------------------------
// File
// ---------------------------------------------------------------------------

Result<File> File::parse(std::span<const uint8_t> bytes) {
  File f;
  f.bytes_ = bytes;
  Parser p(bytes, f);
  Status s = p.run();
  if (!s.ok()) return Error{s.message()};
  return f;
}

Result<File> File::open(const std::string& path) {
  auto m = MappedFile::open(path);
  if (!m.ok()) return Error{m.message()};
  auto map = std::make_unique<MappedFile>(std::move(m.value()));
  auto f = parse(map->bytes());
  if (!f.ok()) return Error{"'" + path + "': " + f.message()};
  f.value().map_ = std::move(map);  // bytes_ already points into *map; the heap object does not move
  return f;
}

const Value* File::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].value;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const uint8_t> File::tensor_data(const TensorInfo& t) const {
  uint64_t size = bytes_.size();
  auto begin = checked_add(data_offset_, t.offset);
  if (!begin || *begin > size) return {};
  if (t.n_bytes > size - *begin) return {};
  return bytes_.subspan(static_cast<size_t>(*begin), static_cast<size_t>(t.n_bytes));
}

namespace {

std::string key_msg(std::string_view key) { return "metadata key '" + printable(key) + "'"; }

Error type_error(std::string_view key, const Value& v, std::string_view expected) {
  std::string actual(value_type_name(v.type));
  if (v.type == ValueType::ARRAY) {
    const auto& a = std::get<Array>(v.data);
    actual += " of " + std::string(value_type_name(a.elem_type));
  }
  return Error{key_msg(key) + " has type " + actual + ", expected " + std::string(expected)};
}

Result<const Value*> lookup(const File& f, std::string_view key) {
  const Value* v = f.find(key);
  if (v == nullptr) return Error{key_msg(key) + " not found"};
  return v;
}

Result<uint64_t> as_uint(std::string_view key, const Value& v, std::string_view where) {
  IntParts p = int_parts(v);
  if (p.negative) {
    return Error{key_msg(key) + std::string(where) + " is negative (-" + u64s(p.magnitude) + "), expected unsigned"};
  }
  return p.magnitude;
}

Result<int64_t> as_int(std::string_view key, const Value& v, std::string_view where) {
  IntParts p = int_parts(v);
  if (p.negative) return p.magnitude == kInt64Max + 1 ? std::numeric_limits<int64_t>::min()
                                                     : -static_cast<int64_t>(p.magnitude);
  if (p.magnitude > kInt64Max) {
    return Error{key_msg(key) + std::string(where) + " value " + u64s(p.magnitude) + " does not fit in INT64"};
  }
  return static_cast<int64_t>(p.magnitude);
}

}  // namespace

Result<std::string> File::get_string(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if ((*v)->type != ValueType::STRING) return type_error(key, **v, "STRING");
  return std::get<std::string>((*v)->data);
}

Result<uint64_t> File::get_uint(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if (!is_integer_type((*v)->type)) return type_error(key, **v, "an integer");
  return as_uint(key, **v, "");
}

Result<int64_t> File::get_int(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if (!is_integer_type((*v)->type)) return type_error(key, **v, "an integer");
  return as_int(key, **v, "");
}

Result<double> File::get_float(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if ((*v)->type == ValueType::FLOAT32) return static_cast<double>(std::get<float>((*v)->data));
  if ((*v)->type == ValueType::FLOAT64) return std::get<double>((*v)->data);
  return type_error(key, **v, "FLOAT32 or FLOAT64");
}

Result<bool> File::get_bool(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if ((*v)->type != ValueType::BOOL) return type_error(key, **v, "BOOL");
  return std::get<bool>((*v)->data);
}

Result<std::vector<std::string>> File::get_string_array(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if ((*v)->type != ValueType::ARRAY) return type_error(key, **v, "ARRAY of STRING");
  const auto& a = std::get<Array>((*v)->data);
  if (a.elem_type != ValueType::STRING) return type_error(key, **v, "ARRAY of STRING");
  std::vector<std::string> out;
  out.reserve(a.items.size());
  for (const auto& item : a.items) out.push_back(std::get<std::string>(item.data));
  return out;
}

Result<std::vector<float>> File::get_float_array(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if ((*v)->type != ValueType::ARRAY) return type_error(key, **v, "ARRAY of FLOAT32");
  const auto& a = std::get<Array>((*v)->data);
  std::vector<float> out;
  out.reserve(a.items.size());
  if (a.elem_type == ValueType::FLOAT32) {
    for (const auto& item : a.items) out.push_back(std::get<float>(item.data));
  } else if (a.elem_type == ValueType::FLOAT64) {
    for (const auto& item : a.items) out.push_back(static_cast<float>(std::get<double>(item.data)));
  } else {
    return type_error(key, **v, "ARRAY of FLOAT32");
  }
  return out;
}

Result<std::vector<int64_t>> File::get_int_array(std::string_view key) const {
  auto v = lookup(*this, key);
  if (!v.ok()) return Error{v.message()};
  if ((*v)->type != ValueType::ARRAY) return type_error(key, **v, "ARRAY of integers");
  const auto& a = std::get<Array>((*v)->data);
  if (!is_integer_type(a.elem_type)) return type_error(key, **v, "ARRAY of integers");
  std::vector<int64_t> out;
  out.reserve(a.items.size());
  for (size_t i = 0; i < a.items.size(); ++i) {
    auto x = as_int(key, a.items[i], " element " + u64s(i));
    if (!x.ok()) return Error{x.message()};
    out.push_back(*x);
  }
  return out;
}

}  // namespace ledge::gguf
