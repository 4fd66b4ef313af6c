// GGUF v3 writer: metadata key/values and tensors in, a file out. Everything
// is validated the same way the reader validates it (unique keys and names,
// 1..4 non-zero dims, ne[0] a multiple of the type's block size, data size
// matching the shape), so whatever Writer produces, File can read back.
// `general.alignment` (an unsigned integer, power of two) sets the alignment
// of the data section and of each tensor; the default is 32.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "gguf/gguf.h"

namespace ledge::gguf {

class Writer {
 public:
  // Appends a metadata entry; keys must be unique and non-empty. Entries are
  // written in the order they are added.
  Status add_kv(std::string key, Value value);

  // Appends a tensor whose bytes the writer owns.
  Status add_tensor(std::string name, TensorType type, std::span<const uint64_t> ne, std::vector<uint8_t> bytes);
  // Appends a tensor whose bytes stay owned by the caller; they must stay
  // valid until the last write()/serialize() call (e.g. a File's mapping).
  Status add_tensor_view(std::string name, TensorType type, std::span<const uint64_t> ne,
                         std::span<const uint8_t> bytes);

  // Copies every key/value and tensor (as views into `src`'s bytes, so `src`
  // must outlive this writer's writes).
  static Result<Writer> from_file(const File& src);

  const std::vector<KeyValue>& metadata() const { return kv_; }
  size_t tensor_count() const { return tensors_.size(); }

  // The whole file in memory.
  Result<std::vector<uint8_t>> serialize() const;
  // Writes to `path` atomically: a temporary file beside it, fsync, rename.
  Status write(const std::string& path) const;

 private:
  struct Tensor {
    TensorInfo info;
    std::vector<uint8_t> owned;     // used when `view` is empty
    std::span<const uint8_t> view;  // caller memory
    std::span<const uint8_t> data() const { return view.data() != nullptr ? view : std::span<const uint8_t>(owned); }
  };
  Status add_tensor_impl(std::string name, TensorType type, std::span<const uint64_t> ne,
                         std::vector<uint8_t> owned, std::span<const uint8_t> view);
  // Metadata, tensor infos and padding up to the data section; also fills
  // in each tensor's offset and returns the alignment used.
  Result<std::vector<uint8_t>> header(uint64_t& alignment, std::vector<uint64_t>& offsets) const;

  std::vector<KeyValue> kv_;
  std::vector<Tensor> tensors_;
  std::set<std::string, std::less<>> keys_;
  std::set<std::string, std::less<>> names_;
};

}  // namespace ledge::gguf
