#include "model/forward.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/type_traits.h"
#include "model/architecture.h"
#include "model/layers.h"

namespace ledge::model {

Forward::Forward(const Model& model, int max_batch, int max_ctx)
    : model_(model), max_batch_(std::max(1, max_batch)), max_ctx_(std::max(1, max_ctx)) {
  const HParams& hp = model.hparams();
  const size_t T = size_t(max_batch_);
  st_.model = &model;
  st_.hp = &model.hparams();
  st_.x.resize(T * hp.n_embd);
  st_.xn.resize(T * hp.n_embd);
  st_.q.resize(T * hp.q_dim());
  st_.k.resize(T * hp.kv_dim());
  st_.v.resize(T * hp.kv_dim());
  st_.attn.resize(T * hp.q_dim());
  st_.gate.resize(T * hp.n_ff);
  st_.up.resize(T * hp.n_ff);
  st_.sub.resize(T * hp.n_embd);
  st_.rope_cos.resize(T * (hp.n_rot / 2));
  st_.rope_sin.resize(T * (hp.n_rot / 2));
  size_attention_scratch(st_, max_ctx_, 1);
  // The widest activation row any matrix product quantizes.
  size_t widest = 0;
  auto consider = [&](const Tensor& w) {
    if (w.present()) widest = std::max<size_t>(widest, kernels::row_bytes(kernels::type_info(w.type)->vec_dot_type, w.ne0));
  };
  const Weights& ws = model.weights();
  consider(ws.output);
  for (const LayerWeights& lw : ws.layers) {
    for (const Tensor* w : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.ffn_gate, &lw.ffn_up, &lw.ffn_down}) consider(*w);
  }
  st_.act.resize(T * widest);
  spans_.reserve(T);  // at most one span per token
}

void Forward::set_thread_pool(ThreadPool* pool) {
  st_.pool = pool;
  size_attention_scratch(st_, max_ctx_, pool != nullptr ? pool->size() : 1);
}

Status Forward::validate(std::span<const BatchToken> batch, const kv::KvCache& cache) {
  if (batch.empty()) return Error{"empty batch"};
  if (int(batch.size()) > max_batch_)
    return Error{"batch of " + std::to_string(batch.size()) + " tokens exceeds the maximum " + std::to_string(max_batch_)};
  const int32_t n_vocab = model_.hparams().n_vocab;
  // Positions of each sequence must continue its cached length without gaps.
  // Also records, per sequence, the positions this batch writes (spans_).
  spans_.clear();
  for (size_t i = 0; i < batch.size(); ++i) {
    const BatchToken& bt = batch[i];
    if (bt.token < 0 || bt.token >= n_vocab)
      return Error{"token id " + std::to_string(bt.token) + " at batch index " + std::to_string(i) +
                   " is out of the vocabulary [0, " + std::to_string(n_vocab) + ")"};
    if (!cache.has_sequence(bt.seq)) return Error{"unknown sequence " + std::to_string(bt.seq)};
    auto it = std::find_if(spans_.begin(), spans_.end(), [&](const SeqSpan& s) { return s.seq == bt.seq; });
    if (it == spans_.end()) it = spans_.insert(spans_.end(), SeqSpan{bt.seq, cache.length(bt.seq), 0});
    const int32_t expected = it->begin + it->count;
    if (bt.pos != expected)
      return Error{"sequence " + std::to_string(bt.seq) + ": token at batch index " + std::to_string(i) +
                   " has position " + std::to_string(bt.pos) + ", expected " + std::to_string(expected)};
    if (bt.pos >= max_ctx_)
      return Error{"context overflow: position " + std::to_string(bt.pos) + " exceeds the context size " +
                   std::to_string(max_ctx_)};
    ++it->count;
  }
  return Status::Ok();
}

void Forward::prepare_rope() {
  const HParams& hp = *st_.hp;
  const int half = hp.n_rot / 2;
  const float theta_scale = std::pow(hp.rope_freq_base, -2.0f / float(hp.n_rot));
  const Tensor& freqs = model_.weights().rope_freqs;
  for (int t = 0; t < st_.T; ++t) {
    // theta_i = pos * base^(-2i/n_rot), built by repeated multiplication in
    // float as the reference does, so angles agree to the last bit.
    float theta = float(st_.batch[t].pos);
    for (int i = 0; i < half; ++i) {
      const float ff = freqs.present() ? freqs.f32()[i] : 1.0f;
      const float th = hp.rope_freq_scale * (theta / ff);
      st_.rope_cos[size_t(t) * half + i] = std::cos(th);
      st_.rope_sin[size_t(t) * half + i] = std::sin(th);
      theta *= theta_scale;
    }
  }
}

Status Forward::run(std::span<const BatchToken> batch, kv::KvCache& cache, std::vector<float>& logits) {
  LEDGE_RETURN_IF_ERROR(validate(batch, cache));
  // Reserve cache space for every sequence touched; nothing is written on failure.
  for (const SeqSpan& r : spans_) LEDGE_RETURN_IF_ERROR(cache.prepare_write(r.seq, r.begin, r.count));

  const HParams& hp = *st_.hp;
  const Weights& w = model_.weights();
  st_.cache = &cache;
  st_.batch = batch;
  st_.T = int(batch.size());

  // Token embeddings: one dequantized row per token.
  const kernels::TypeInfo& emb = *kernels::type_info(w.token_embd.type);
  for (int t = 0; t < st_.T; ++t)
    emb.kernels.dequantize(w.token_embd.row(batch[t].token), st_.x.data() + size_t(t) * hp.n_embd, hp.n_embd);

  prepare_rope();
  for (int il = 0; il < hp.n_layer; ++il) model_.arch().block(w.layers[size_t(il)], il, st_);

  for (const SeqSpan& r : spans_) cache.commit(r.seq, r.begin + r.count);

  // Final norm and output projection, only for the rows that want logits.
  int n_out = 0;
  for (int t = 0; t < st_.T; ++t) {
    if (!batch[t].want_logits) continue;
    std::copy_n(st_.x.data() + size_t(t) * hp.n_embd, hp.n_embd, st_.x.data() + size_t(n_out) * hp.n_embd);
    ++n_out;
  }
  logits.resize(size_t(n_out) * hp.n_vocab);
  if (n_out == 0) return Status::Ok();
  const int T_all = st_.T;
  st_.T = n_out;
  rms_norm(st_, w.output_norm, st_.x.data(), st_.xn.data());
  linear(st_, w.output, st_.xn.data(), logits.data());
  st_.T = T_all;
  return Status::Ok();
}

}  // namespace ledge::model
