#include "kvcache/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "common/checked_math.h"

namespace ledge::kv {

const char* kv_type_name(KvType t) { return t == KvType::F16 ? "f16" : "f32"; }

Result<KvCache> KvCache::create(const KvCacheConfig& cfg) {
  if (cfg.n_layer <= 0 || cfg.kv_dim <= 0 || cfg.block_size <= 0 || cfg.n_blocks <= 0)
    return Error{"kv cache: n_layer, kv_dim, block_size and n_blocks must be positive"};
  KvCache c;
  c.cfg_ = cfg;
  auto bb = checked_mul(c.row_bytes(), uint64_t(cfg.block_size) * 2 * uint64_t(cfg.n_layer));
  auto total = bb ? checked_mul(*bb, uint64_t(cfg.n_blocks)) : std::nullopt;
  if (!total || *total > (uint64_t(1) << 40)) return Error{"kv cache: requested size overflows"};
  c.block_bytes_ = *bb;
  c.pool_.assign(*total, 0);  // touched now so the token loop never page-faults into fresh memory
  c.refcount_.assign(cfg.n_blocks, 0);
  c.free_list_.reserve(cfg.n_blocks);
  for (int b = cfg.n_blocks - 1; b >= 0; --b) c.free_list_.push_back(b);  // pop_back hands out 0, 1, ...
  return c;
}

SeqId KvCache::new_sequence() {
  SeqId id = next_seq_++;
  seqs_[id] = Sequence{};
  return id;
}

Result<SeqId> KvCache::fork(SeqId src, int32_t n_prefix) {
  auto it = seqs_.find(src);
  if (it == seqs_.end()) return Error{"kv cache: unknown sequence " + std::to_string(src)};
  if (n_prefix < 0 || n_prefix > it->second.length)
    return Error{"kv cache: fork prefix " + std::to_string(n_prefix) + " exceeds sequence length " +
                 std::to_string(it->second.length)};
  Sequence s;
  int32_t n_blocks = (n_prefix + cfg_.block_size - 1) / cfg_.block_size;
  s.blocks.assign(it->second.blocks.begin(), it->second.blocks.begin() + n_blocks);
  for (int32_t b : s.blocks) ++refcount_[b];
  s.length = n_prefix;
  SeqId id = next_seq_++;
  seqs_[id] = std::move(s);
  return id;
}

void KvCache::release_block(int32_t block) {
  if (--refcount_[block] == 0) free_list_.push_back(block);
}

void KvCache::free_sequence(SeqId seq) {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  for (int32_t b : it->second.blocks) release_block(b);
  seqs_.erase(it);
}

int32_t KvCache::length(SeqId seq) const {
  auto it = seqs_.find(seq);
  return it == seqs_.end() ? 0 : it->second.length;
}

void KvCache::truncate(SeqId seq, int32_t n) {
  auto it = seqs_.find(seq);
  if (it == seqs_.end() || n < 0) return;
  Sequence& s = it->second;
  size_t keep = size_t((n + cfg_.block_size - 1) / cfg_.block_size);
  while (s.blocks.size() > keep) {
    release_block(s.blocks.back());
    s.blocks.pop_back();
  }
  s.length = std::min(s.length, n);
}

Status KvCache::prepare_write(SeqId seq, int32_t begin, int32_t n) {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) return Error{"kv cache: unknown sequence " + std::to_string(seq)};
  Sequence& s = it->second;
  if (begin < 0 || n < 0 || begin > s.length)
    return Error{"kv cache: write at " + std::to_string(begin) + " leaves a gap after length " +
                 std::to_string(s.length)};
  const int32_t end = begin + n;
  const size_t need = size_t((end + cfg_.block_size - 1) / cfg_.block_size);
  const size_t first = size_t(begin / cfg_.block_size);
  // Count the blocks this write consumes before changing anything, so a
  // failure leaves the cache exactly as it was.
  size_t new_blocks = need > s.blocks.size() ? need - s.blocks.size() : 0;
  size_t cow = 0;
  for (size_t i = first; i < std::min(need, s.blocks.size()); ++i)
    if (refcount_[s.blocks[i]] > 1) ++cow;
  if (new_blocks + cow > free_list_.size())
    return Error{"kv cache full: need " + std::to_string(new_blocks + cow) + " blocks, " +
                 std::to_string(free_list_.size()) + " free"};
  for (size_t i = first; i < std::min(need, s.blocks.size()); ++i) {
    int32_t b = s.blocks[i];
    if (refcount_[b] > 1) {
      int32_t nb = free_list_.back();
      free_list_.pop_back();
      refcount_[nb] = 1;
      std::memcpy(block_base(nb), block_base(b), block_bytes_);
      --refcount_[b];
      s.blocks[i] = nb;
    }
  }
  while (s.blocks.size() < need) {
    int32_t nb = free_list_.back();
    free_list_.pop_back();
    refcount_[nb] = 1;
    s.blocks.push_back(nb);
  }
  return Status::Ok();
}

void KvCache::commit(SeqId seq, int32_t n) {
  auto it = seqs_.find(seq);
  if (it != seqs_.end()) it->second.length = std::max(it->second.length, n);
}

std::span<const int32_t> KvCache::block_table(SeqId seq) const {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) return {};
  return it->second.blocks;
}

KvCache::LayerView KvCache::layer_view(int layer, SeqId seq) const {
  LayerView v;
  v.blocks_ = block_table(seq);
  v.block_size_ = cfg_.block_size;
  v.block_bytes_ = block_bytes_;
  v.row_bytes_ = row_bytes();
  v.kv_stride_ = size_t(cfg_.block_size) * row_bytes();
  v.base_ = pool_.data() + size_t(layer) * 2 * v.kv_stride_;  // same layout as row()
  return v;
}

uint8_t* KvCache::row(int layer, int kv, SeqId seq, int32_t pos) {
  const Sequence& s = seqs_.find(seq)->second;
  int32_t block = s.blocks[size_t(pos / cfg_.block_size)];
  size_t slot = size_t(pos % cfg_.block_size);
  size_t off = ((size_t(layer) * 2 + size_t(kv)) * size_t(cfg_.block_size) + slot) * row_bytes();
  return block_base(block) + off;
}

}  // namespace ledge::kv
