// Paged key/value cache.
//
// Contract (what the forward pass and the scheduler may rely on):
//  * Memory is one pool of fixed-size blocks allocated up front; nothing is
//    allocated while tokens are evaluated. A block holds `block_size`
//    consecutive positions of K and V for every layer.
//  * A sequence is an ordered list of blocks (its block table); position p
//    lives in block table[p / block_size], slot p % block_size.
//  * Blocks are reference counted. fork() lets a new sequence share the
//    blocks of a prefix (prompt caching, n > 1 sampling); a shared block is
//    copied before it is written (copy-on-write in prepare_write()).
//  * Before writing positions [begin, begin + n) of a sequence the caller
//    calls prepare_write(); it fails cleanly (nothing changed) when the pool
//    is exhausted. After the forward pass the caller commits the new length.
//  * Rows are stored as F16 (default, half the memory) or F32 (exact).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace ledge::kv {

enum class KvType { F32, F16 };
const char* kv_type_name(KvType t);

using SeqId = int32_t;

struct KvCacheConfig {
  int n_layer = 0;
  int kv_dim = 0;          // n_head_kv * head_dim
  int block_size = 32;     // positions per block
  int n_blocks = 0;        // pool size
  KvType type = KvType::F16;
};

class KvCache {
 public:
  static Result<KvCache> create(const KvCacheConfig& cfg);

  const KvCacheConfig& config() const { return cfg_; }
  size_t element_size() const { return cfg_.type == KvType::F16 ? 2 : 4; }
  size_t row_bytes() const { return element_size() * static_cast<size_t>(cfg_.kv_dim); }
  size_t pool_bytes() const { return pool_.size(); }
  int free_blocks() const { return static_cast<int>(free_list_.size()); }
  // Max positions a single new sequence could hold right now.
  int64_t capacity_tokens() const { return int64_t(free_blocks()) * cfg_.block_size; }

  SeqId new_sequence();
  // A new sequence sharing the first `n_prefix` positions of `src`.
  Result<SeqId> fork(SeqId src, int32_t n_prefix);
  void free_sequence(SeqId seq);
  bool has_sequence(SeqId seq) const { return seqs_.count(seq) != 0; }

  // Number of positions holding valid K/V.
  int32_t length(SeqId seq) const;
  // Drop positions >= n (keeps blocks still needed, releases the rest).
  void truncate(SeqId seq, int32_t n);

  // Makes positions [begin, begin + n) writable: allocates blocks and
  // un-shares shared ones. begin must be <= length(seq).
  Status prepare_write(SeqId seq, int32_t begin, int32_t n);
  // Marks positions [0, n) as valid after the forward pass wrote them.
  void commit(SeqId seq, int32_t n);

  // Row pointers; the position must be covered by prepare_write/commit.
  uint8_t* k_row(int layer, SeqId seq, int32_t pos) { return row(layer, 0, seq, pos); }
  uint8_t* v_row(int layer, SeqId seq, int32_t pos) { return row(layer, 1, seq, pos); }
  const uint8_t* k_row(int layer, SeqId seq, int32_t pos) const { return const_cast<KvCache*>(this)->row(layer, 0, seq, pos); }
  const uint8_t* v_row(int layer, SeqId seq, int32_t pos) const { return const_cast<KvCache*>(this)->row(layer, 1, seq, pos); }

  // K/V rows of one sequence in one layer with the block table resolved once,
  // for loops over many positions (attention). Valid until the sequence's
  // blocks change (prepare_write / truncate / free).
  class LayerView {
   public:
    const uint8_t* k(int32_t pos) const { return at(pos, 0); }
    const uint8_t* v(int32_t pos) const { return at(pos, 1); }

   private:
    friend class KvCache;
    const uint8_t* at(int32_t pos, int kv) const {
      return base_ + size_t(blocks_[size_t(pos / block_size_)]) * block_bytes_ + size_t(kv) * kv_stride_ +
             size_t(pos % block_size_) * row_bytes_;
    }
    const uint8_t* base_ = nullptr;     // layer `il`'s K rows of block 0
    std::span<const int32_t> blocks_;
    int32_t block_size_ = 0;
    size_t block_bytes_ = 0, kv_stride_ = 0, row_bytes_ = 0;
  };
  LayerView layer_view(int layer, SeqId seq) const;

  int block_refcount(int block) const { return refcount_[block]; }
  std::span<const int32_t> block_table(SeqId seq) const;

 private:
  struct Sequence {
    std::vector<int32_t> blocks;
    int32_t length = 0;
  };
  uint8_t* row(int layer, int kv, SeqId seq, int32_t pos);
  uint8_t* block_base(int32_t block) { return pool_.data() + size_t(block) * block_bytes_; }
  void release_block(int32_t block);

  KvCacheConfig cfg_;
  size_t block_bytes_ = 0;
  std::vector<uint8_t> pool_;      // [n_blocks][n_layer][2 (K,V)][block_size][kv_dim]
  std::vector<int32_t> refcount_;  // per block
  std::vector<int32_t> free_list_;
  std::unordered_map<SeqId, Sequence> seqs_;
  SeqId next_seq_ = 0;
};

}  // namespace ledge::kv
