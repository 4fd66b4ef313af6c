// The engine API the CLI and the server drive:
//   load model -> create sequence -> feed tokens -> get logits -> sample.
// Many sequences can be fed in one batch (continuous batching); the KV cache
// is paged and sized once from the context length and the number of parallel
// sequences, so nothing is allocated per token.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "kvcache/kv_cache.h"
#include "model/forward.h"
#include "model/model.h"

namespace ledge::runtime {

struct EngineOptions {
  int32_t n_ctx = 0;         // per-sequence context; 0 = the model's training context, capped at 4096
  int32_t n_parallel = 1;    // sequences that may be alive at once
  int32_t max_batch = 512;   // tokens per forward pass (longer inputs are chunked)
  kv::KvType kv_type = kv::KvType::F16;
  int32_t n_threads = 1;     // threads of the data-parallel loops: the caller + n_threads - 1 pool workers
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> load(const std::string& path, const EngineOptions& opts);

  const model::Model& model() const { return *model_; }
  const model::HParams& hparams() const { return model_->hparams(); }
  int32_t n_ctx() const { return n_ctx_; }
  int32_t n_vocab() const { return model_->hparams().n_vocab; }
  const kv::KvCache& cache() const { return cache_; }
  // Created once at load with n_threads threads; the forward pass splits the
  // output rows of every matrix product over it.
  ThreadPool& thread_pool() { return *pool_; }

  // A new empty sequence (fails when n_parallel sequences are alive).
  Result<kv::SeqId> new_sequence();
  void free_sequence(kv::SeqId seq);
  int32_t length(kv::SeqId seq) const { return cache_.length(seq); }

  // Appends `tokens` to `seq` and returns the logits after the last one
  // (n_vocab floats). Inputs longer than max_batch are split into several
  // forward passes. Fails (sequence unchanged) on context overflow or bad ids.
  Result<std::span<const float>> feed(kv::SeqId seq, std::span<const int32_t> tokens);

  // Low level: one forward pass over an arbitrary multi-sequence batch; logits
  // rows for the tokens with want_logits, in batch order.
  Status decode(std::span<const model::BatchToken> batch, std::vector<float>& logits);

 private:
  std::unique_ptr<model::Model> model_;
  kv::KvCache cache_;
  std::unique_ptr<model::Forward> forward_;
  std::unique_ptr<ThreadPool> pool_;
  int32_t n_ctx_ = 0;
  int32_t n_parallel_ = 1;
  int32_t max_batch_ = 512;
  int32_t n_alive_ = 0;
  std::vector<model::BatchToken> batch_;  // reused by feed()
  std::vector<float> logits_;
};

}  // namespace ledge::runtime
