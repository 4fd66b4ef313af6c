#include "gguf/stream_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include "common/checked_math.h"

namespace ledge::gguf {
namespace {

constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
constexpr size_t kTensorCountOffset = 8;  // after "GGUF" and the version

template <typename T>
void put_le(std::vector<uint8_t>& b, T v) {
  size_t at = b.size();
  b.resize(at + sizeof(T));
  std::memcpy(b.data() + at, &v, sizeof(T));  // little-endian host
}

uint64_t alignment_from(const Writer& w) {
  for (const auto& kv : w.metadata()) {
    if (kv.key != "general.alignment") continue;
    // Writer::add_kv admitted only positive powers of two of integer types.
    return std::visit(
        [](const auto& v) -> uint64_t {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            return static_cast<uint64_t>(v);
          } else {
            return kDefaultAlignment;
          }
        },
        kv.value.data);
  }
  return kDefaultAlignment;
}

Result<TensorInfo> check_decl(const TensorDecl& d) {
  if (d.name.empty()) return Error{"tensor name is empty"};
  std::string where = "tensor '" + d.name + "'";
  if (d.name.size() > kMaxTensorNameLength)
    return Error{where + ": name exceeds " + std::to_string(kMaxTensorNameLength) + " bytes"};
  if (d.ne.empty() || d.ne.size() > kMaxDims)
    return Error{where + ": n_dims " + std::to_string(d.ne.size()) + " is not in 1.." + std::to_string(kMaxDims)};
  auto traits = tensor_type_traits(static_cast<uint32_t>(d.type));
  if (!traits) return Error{where + ": unknown tensor type id " + std::to_string(static_cast<uint32_t>(d.type))};
  TensorInfo info;
  info.name = d.name;
  info.type = d.type;
  info.n_dims = static_cast<uint32_t>(d.ne.size());
  uint64_t n = 1;
  for (size_t i = 0; i < d.ne.size(); ++i) {
    if (d.ne[i] == 0 || d.ne[i] > kInt64Max)
      return Error{where + ": ne[" + std::to_string(i) + "] " + std::to_string(d.ne[i]) + " is out of range"};
    auto p = checked_mul(n, d.ne[i]);
    if (!p || *p > kInt64Max) return Error{where + ": element count overflows"};
    n = *p;
    info.ne[i] = d.ne[i];
  }
  if (d.ne[0] % traits->block_elems != 0)
    return Error{where + ": ne[0] " + std::to_string(d.ne[0]) + " is not a multiple of the block size " +
                 std::to_string(traits->block_elems) + " of type " + std::string(traits->name)};
  auto bytes = checked_mul(n / traits->block_elems, traits->block_bytes);
  if (!bytes || *bytes > kInt64Max) return Error{where + ": byte size overflows"};
  info.n_elements = n;
  info.n_bytes = *bytes;
  return info;
}

}  // namespace

StreamWriter::~StreamWriter() { abandon(); }

StreamWriter::StreamWriter(StreamWriter&& o) noexcept { *this = std::move(o); }

StreamWriter& StreamWriter::operator=(StreamWriter&& o) noexcept {
  if (this != &o) {
    abandon();
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
    tmp_ = std::move(o.tmp_);
    infos_ = std::move(o.infos_);
    alignment_ = o.alignment_;
    data_base_ = o.data_base_;
    written_ = o.written_;
    in_tensor_ = o.in_tensor_;
    next_ = o.next_;
  }
  return *this;
}

void StreamWriter::abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(tmp_.c_str());
  fd_ = -1;
}

Result<StreamWriter> StreamWriter::create(const std::string& path, const Writer& metadata,
                                          std::vector<TensorDecl> tensors) {
  if (metadata.tensor_count() != 0) return Error{"StreamWriter: the metadata writer must not hold tensors"};
  StreamWriter s;
  s.path_ = path;
  s.alignment_ = alignment_from(metadata);
  std::set<std::string, std::less<>> names;
  for (const auto& d : tensors) {
    auto info = check_decl(d);
    if (!info.ok()) return info.status();
    if (!names.insert(d.name).second) return Error{"tensor '" + d.name + "': duplicate tensor name"};
    s.infos_.push_back(std::move(*info));
  }

  // Writer serialises a tensor-less file as the fixed header plus the
  // key/values; the tensor count is patched and the infos appended here.
  auto head = metadata.serialize();
  if (!head.ok()) return head.status();
  std::vector<uint8_t> bytes = std::move(*head);
  uint64_t n_tensors = s.infos_.size();
  std::memcpy(bytes.data() + kTensorCountOffset, &n_tensors, sizeof n_tensors);
  uint64_t offset = 0;
  for (auto& t : s.infos_) {
    t.offset = offset;
    put_le<uint64_t>(bytes, t.name.size());
    bytes.insert(bytes.end(), t.name.begin(), t.name.end());
    put_le<uint32_t>(bytes, t.n_dims);
    for (uint32_t d = 0; d < t.n_dims; ++d) put_le<uint64_t>(bytes, t.ne[d]);
    put_le<uint32_t>(bytes, static_cast<uint32_t>(t.type));
    put_le<uint64_t>(bytes, t.offset);
    auto end = checked_add(offset, t.n_bytes);
    auto aligned = end ? checked_align_up(*end, s.alignment_) : std::nullopt;
    if (!aligned) return Error{"tensor '" + t.name + "': data offset overflows"};
    offset = *aligned;
  }
  if (!s.infos_.empty()) {
    auto start = checked_align_up(bytes.size(), s.alignment_);
    if (!start) return Error{"data section offset overflows"};
    bytes.resize(static_cast<size_t>(*start), 0);
  }
  s.data_base_ = bytes.size();

  s.tmp_ = path + ".tmp." + std::to_string(::getpid());
  s.fd_ = ::open(s.tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s.fd_ < 0) return Error{"cannot create '" + s.tmp_ + "': " + std::strerror(errno)};
  LEDGE_RETURN_IF_ERROR(s.put(bytes));
  return s;
}

Status StreamWriter::put(std::span<const uint8_t> b) {
  while (!b.empty()) {
    ssize_t n = ::write(fd_, b.data(), b.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{"cannot write '" + tmp_ + "': " + std::strerror(errno)};
    }
    b = b.subspan(static_cast<size_t>(n));
    written_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status StreamWriter::pad_to(uint64_t target) {
  static const uint8_t zeros[4096] = {};
  while (written_ < target) {
    uint64_t n = std::min<uint64_t>(target - written_, sizeof zeros);
    LEDGE_RETURN_IF_ERROR(put(std::span<const uint8_t>(zeros, static_cast<size_t>(n))));
  }
  return Status::Ok();
}

Status StreamWriter::write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return Error{"StreamWriter: not open"};
  if (next_ >= infos_.size()) return Error{"StreamWriter: all declared tensors are already written"};
  const TensorInfo& t = infos_[next_];
  if (in_tensor_ == 0) LEDGE_RETURN_IF_ERROR(pad_to(data_base_ + t.offset));
  if (bytes.size() > t.n_bytes - in_tensor_)
    return Error{"tensor '" + t.name + "': " + std::to_string(in_tensor_ + bytes.size()) +
                 " data bytes given, shape and type need " + std::to_string(t.n_bytes)};
  LEDGE_RETURN_IF_ERROR(put(bytes));
  in_tensor_ += bytes.size();
  if (in_tensor_ == t.n_bytes) {
    ++next_;
    in_tensor_ = 0;
  }
  return Status::Ok();
}

Status StreamWriter::finish() {
  if (fd_ < 0) return Error{"StreamWriter: not open"};
  if (next_ != infos_.size())
    return Error{"StreamWriter: tensor '" + infos_[next_].name + "' was not (completely) written"};
  if (!infos_.empty()) {
    auto end = checked_align_up(written_, alignment_);
    if (!end) return Error{"data section size overflows"};
    LEDGE_RETURN_IF_ERROR(pad_to(*end));
  }
  if (::fsync(fd_) != 0) return Error{"cannot fsync '" + tmp_ + "': " + std::strerror(errno)};
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp_.c_str());
    return Error{"cannot close '" + tmp_ + "': " + std::strerror(e)};
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp_.c_str());
    return Error{"cannot rename '" + tmp_ + "' to '" + path_ + "': " + std::strerror(e)};
  }
  return Status::Ok();
}

}  // namespace ledge::gguf
