#include "runtime/engine.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "kernels/dispatch.h"
#include "kernels/peer_order.h"

namespace ledge::runtime {

Result<std::unique_ptr<Engine>> Engine::load(const std::string& path, const EngineOptions& opts) {
  if (opts.n_ctx < 0) return Error{"context size must be >= 0, got " + std::to_string(opts.n_ctx)};
  if (opts.n_parallel < 1 || opts.n_parallel > 1024)
    return Error{"parallel sequences must be in [1, 1024], got " + std::to_string(opts.n_parallel)};
  if (opts.max_batch < 1 || opts.max_batch > 65536)
    return Error{"batch size must be in [1, 65536], got " + std::to_string(opts.max_batch)};
  if (opts.n_threads < 1 || opts.n_threads > 256)
    return Error{"thread count must be in [1, 256], got " + std::to_string(opts.n_threads)};
  // The reference's arithmetic, then the best SIMD twins for this CPU (once
  // per process; $LEDGE_ISA caps the level). set_isa_level re-resolves the
  // twins in case something called init_dispatch before the install.
  static std::once_flag kernels_once;
  std::call_once(kernels_once, [] {
    kernels::peer::install_as_reference();
    kernels::init_dispatch();
    (void)kernels::set_isa_level(kernels::isa_level_from_env());
  });
  auto m = model::Model::load(path);
  if (!m.ok()) return m.status();
  auto e = std::unique_ptr<Engine>(new Engine());
  e->model_ = std::move(m).value();
  const model::HParams& hp = e->model_->hparams();
  e->n_ctx_ = opts.n_ctx > 0 ? opts.n_ctx : std::min(hp.n_ctx_train, 4096);
  if (e->n_ctx_ > (1 << 20)) return Error{"context size " + std::to_string(e->n_ctx_) + " is too large"};
  e->n_parallel_ = opts.n_parallel;
  e->max_batch_ = opts.max_batch;

  kv::KvCacheConfig kc;
  kc.n_layer = hp.n_layer;
  kc.kv_dim = hp.kv_dim();
  kc.block_size = 32;
  kc.n_blocks = opts.n_parallel * ((e->n_ctx_ + kc.block_size - 1) / kc.block_size);
  kc.type = opts.kv_type;
  auto cache = kv::KvCache::create(kc);
  if (!cache.ok()) return cache.status();
  e->cache_ = std::move(cache).value();
  e->forward_ = std::make_unique<model::Forward>(*e->model_, e->max_batch_, e->n_ctx_);
  e->batch_.reserve(size_t(e->max_batch_));
  e->pool_ = std::make_unique<ThreadPool>(opts.n_threads);
  e->forward_->set_thread_pool(e->pool_.get());
  return e;
}

Result<kv::SeqId> Engine::new_sequence() {
  if (n_alive_ >= n_parallel_)
    return Error{"all " + std::to_string(n_parallel_) + " sequence slots are in use"};
  ++n_alive_;
  return cache_.new_sequence();
}

void Engine::free_sequence(kv::SeqId seq) {
  if (!cache_.has_sequence(seq)) return;
  cache_.free_sequence(seq);
  --n_alive_;
}

Result<std::span<const float>> Engine::feed(kv::SeqId seq, std::span<const int32_t> tokens) {
  if (!cache_.has_sequence(seq)) return Error{"unknown sequence " + std::to_string(seq)};
  if (tokens.empty()) return Error{"no tokens to evaluate"};
  const int32_t start = cache_.length(seq);
  if (int64_t(start) + int64_t(tokens.size()) > n_ctx_)
    return Error{"context overflow: " + std::to_string(start) + " cached + " + std::to_string(tokens.size()) +
                 " new tokens exceed the context size " + std::to_string(n_ctx_)};
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= n_vocab())
      return Error{"token id " + std::to_string(tokens[i]) + " at index " + std::to_string(i) +
                   " is out of the vocabulary [0, " + std::to_string(n_vocab()) + ")"};
  for (size_t off = 0; off < tokens.size(); off += size_t(max_batch_)) {
    const size_t n = std::min(tokens.size() - off, size_t(max_batch_));
    batch_.clear();
    for (size_t i = 0; i < n; ++i) {
      const bool last = off + i + 1 == tokens.size();
      batch_.push_back({tokens[off + i], int32_t(start + off + i), seq, last});
    }
    LEDGE_RETURN_IF_ERROR(forward_->run(batch_, cache_, logits_));
  }
  return std::span<const float>(logits_.data(), size_t(n_vocab()));
}

Status Engine::decode(std::span<const model::BatchToken> batch, std::vector<float>& logits) {
  return forward_->run(batch, cache_, logits);
}

}  // namespace ledge::runtime
