// One forward pass over a batch of tokens that may belong to many sequences
// (continuous batching). Matrix products run over the whole batch at once;
// attention reads each token's own sequence from the paged KV cache.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "kernels/attn_ops.h"
#include "kvcache/kv_cache.h"
#include "model/model.h"

namespace ledge::model {

struct BatchToken {
  int32_t token = 0;
  int32_t pos = 0;        // position in its sequence; must continue the sequence's cached length
  kv::SeqId seq = 0;
  bool want_logits = false;
};

// Per-thread scratch of attention (one per thread-pool thread, indexed by the
// thread number parallel_for passes), sized by size_attention_scratch().
struct AttnScratch {
  std::vector<const uint16_t*> k_rows;  // [max_ctx]  F16 K rows of one KV head, by cell
  std::vector<const uint16_t*> v_rows;  // [max_ctx]  F16 V rows of one KV head, by cell
  std::vector<uint16_t> q16;            // [head_dim] query rounded to F16 (one-pass kernel)
  std::vector<uint16_t> acc16;          // [head_dim] F16 value accumulator (one-pass kernel)
  std::vector<float> work;              // [max(max_ctx, tiled kernel scratch)] scores / tiles
  std::vector<kernels::attn::TiledQuery> queries;  // [tokens per tiled task * heads per KV head]
};

// Scratch memory for one forward pass, sized once for `max_batch` tokens and
// `max_ctx` positions so the token loop never allocates. Shapes are row-major
// [rows][cols]; T = tokens in the batch.
struct ForwardState {
  const Model* model = nullptr;
  const HParams* hp = nullptr;
  kv::KvCache* cache = nullptr;
  ThreadPool* pool = nullptr;   // data-parallel loops; nullptr = caller only
  std::span<const BatchToken> batch;
  int T = 0;

  std::vector<float> x;         // [T][n_embd]   residual stream
  std::vector<float> xn;        // [T][n_embd]   normalized input of the current sub-layer
  std::vector<float> q;         // [T][q_dim]
  std::vector<float> k;         // [T][kv_dim]
  std::vector<float> v;         // [T][kv_dim]
  std::vector<float> attn;      // [T][q_dim]    attention output (heads concatenated)
  std::vector<float> gate;      // [T][n_ff]
  std::vector<float> up;        // [T][n_ff]
  std::vector<float> sub;       // [T][n_embd]   sub-layer output before the residual add
  std::vector<uint8_t> act;     // [T][bytes of one activation row in the weight's vec_dot type]
  std::vector<float> rope_cos;  // [T][n_rot/2]
  std::vector<float> rope_sin;  // [T][n_rot/2]
  std::vector<AttnScratch> attn_scratch;           // [threads]
  std::vector<float> split_out;                    // [n_head][split chunks][head_dim] partial sums
  std::vector<kernels::attn::Partial> split_part;  // [n_head][split chunks]
};

class Forward {
 public:
  Forward(const Model& model, int max_batch, int max_ctx);

  // Evaluates `batch`, writing its keys/values into `cache` (whose sequences
  // must exist). On success `logits` holds one row of n_vocab floats per
  // token with want_logits, in batch order. On failure the cache lengths are
  // unchanged and the message says which token/sequence was wrong.
  Status run(std::span<const BatchToken> batch, kv::KvCache& cache, std::vector<float>& logits);

  int max_batch() const { return max_batch_; }
  // Threads for the matrix products and attention (not owned; may be
  // nullptr). Sizes the per-thread scratch: call before run(), not during.
  void set_thread_pool(ThreadPool* pool);

 private:
  // Checks ids and positions and fills spans_.
  Status validate(std::span<const BatchToken> batch, const kv::KvCache& cache);
  void prepare_rope();

  const Model& model_;
  int max_batch_;
  int max_ctx_;
  ForwardState st_;
  // Positions [begin, begin + count) of each sequence in the current batch;
  // a vector (few sequences per batch) reused across passes, not a hash map.
  struct SeqSpan {
    kv::SeqId seq;
    int32_t begin;
    int32_t count;
  };
  std::vector<SeqSpan> spans_;
};

}  // namespace ledge::model
