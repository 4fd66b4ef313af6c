// GGUF v3 writer for files too large to hold in memory: the tensor list
// (names, types, shapes) is declared up front so the header can be written
// first, then each tensor's bytes are appended in declaration order as the
// caller produces them. Metadata is validated and serialised by Writer, so a
// streamed file is byte-identical to what Writer::write() would produce for
// the same keys and tensors. The file appears atomically on finish().
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"

namespace ledge::gguf {

struct TensorDecl {
  std::string name;
  TensorType type = TensorType::F32;
  std::vector<uint64_t> ne;  // GGML order, 1..4 dims
};

class StreamWriter {
 public:
  StreamWriter() = default;
  ~StreamWriter();  // removes the temporary file unless finish() succeeded
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;
  StreamWriter(StreamWriter&& o) noexcept;
  StreamWriter& operator=(StreamWriter&& o) noexcept;

  // `metadata` holds the key/values only (no tensors). Validates the tensor
  // declarations like Writer::add_tensor does and writes the header.
  static Result<StreamWriter> create(const std::string& path, const Writer& metadata,
                                     std::vector<TensorDecl> tensors);

  // Byte size the declared tensor `i` must be given.
  uint64_t tensor_bytes(size_t i) const { return infos_[i].n_bytes; }
  const std::vector<TensorInfo>& tensors() const { return infos_; }
  size_t next_tensor() const { return next_; }

  // Appends the next tensor's data (exactly tensor_bytes(next_tensor())
  // bytes, possibly over several calls).
  Status write(std::span<const uint8_t> bytes);

  // Pads, fsyncs and renames into place; fails if a tensor is incomplete.
  Status finish();

 private:
  Status put(std::span<const uint8_t> bytes);
  Status pad_to(uint64_t target);
  void abandon();

  int fd_ = -1;
  std::string path_, tmp_;
  std::vector<TensorInfo> infos_;
  uint64_t alignment_ = kDefaultAlignment;
  uint64_t data_base_ = 0;   // absolute offset of the data section
  uint64_t written_ = 0;     // bytes written so far (absolute)
  uint64_t in_tensor_ = 0;   // bytes of the current tensor written
  size_t next_ = 0;
};

}  // namespace ledge::gguf
