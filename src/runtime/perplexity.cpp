#include "runtime/perplexity.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ledge::runtime {

double log_softmax_at(std::span<const float> logits, int32_t id) {
  float mx = logits[0];
  for (float l : logits) mx = std::max(mx, l);
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - mx);
  return double(logits[size_t(id)]) - mx - std::log(sum);
}

Result<PerplexityResult> perplexity(Engine& engine, std::span<const int32_t> tokens, int32_t n_ctx, int32_t bos,
                                    const std::function<void(int, double)>& on_chunk) {
  if (n_ctx < 4) return Error{"perplexity: context must be at least 4 tokens"};
  if (n_ctx > engine.n_ctx())
    return Error{"perplexity: window of " + std::to_string(n_ctx) + " exceeds the engine context " +
                 std::to_string(engine.n_ctx())};
  const int n_chunks = int(tokens.size() / size_t(n_ctx));
  if (n_chunks == 0)
    return Error{"perplexity: need at least " + std::to_string(n_ctx) + " tokens, the text has " +
                 std::to_string(tokens.size())};
  const int32_t first = n_ctx / 2;
  const int32_t n_vocab = engine.n_vocab();

  PerplexityResult r;
  double nll = 0, nll2 = 0;
  std::vector<model::BatchToken> batch;
  std::vector<float> logits;
  for (int c = 0; c < n_chunks; ++c) {
    auto seq = engine.new_sequence();
    if (!seq.ok()) return seq.status();
    const int32_t* chunk = tokens.data() + size_t(c) * n_ctx;
    // Evaluate the window in forward passes of at most the engine's batch size,
    // collecting logits for the scored half.
    std::vector<float> scored;  // [n_ctx - 1 - first][n_vocab]
    scored.reserve(size_t(n_ctx - 1 - first) * n_vocab);
    for (int32_t off = 0; off < n_ctx;) {
      batch.clear();
      const int32_t n = std::min<int32_t>(n_ctx - off, 512);
      for (int32_t i = 0; i < n; ++i) {
        const int32_t pos = off + i;
        const int32_t tok = pos == 0 ? bos : chunk[pos];
        batch.push_back({tok, pos, *seq, pos >= first && pos < n_ctx - 1});
      }
      Status s = engine.decode(batch, logits);
      if (!s.ok()) {
        engine.free_sequence(*seq);
        return s;
      }
      scored.insert(scored.end(), logits.begin(), logits.end());
      off += n;
    }
    engine.free_sequence(*seq);
    for (int32_t j = first; j < n_ctx - 1; ++j) {
      std::span<const float> row(scored.data() + size_t(j - first) * n_vocab, size_t(n_vocab));
      const double v = -log_softmax_at(row, chunk[j + 1]);
      nll += v;
      nll2 += v * v;
      ++r.n_scored;
    }
    r.running_ppl.push_back(std::exp(nll / double(r.n_scored)));
    if (on_chunk) on_chunk(c, r.running_ppl.back());
  }
  const double mean = nll / double(r.n_scored);
  const double var = nll2 / double(r.n_scored) - mean * mean;
  r.ppl = std::exp(mean);
  r.ppl_stderr = r.n_scored > 1 ? std::sqrt(std::max(0.0, var) / double(r.n_scored - 1)) * r.ppl : 0.0;
  r.n_chunks = n_chunks;
  return r;
}

}  // namespace ledge::runtime
