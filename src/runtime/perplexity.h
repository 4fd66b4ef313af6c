// Perplexity over a token stream, scored the way llama.cpp's perplexity tool
// does by default: non-overlapping windows of n_ctx tokens, each evaluated
// from an empty cache with its first token replaced by BOS, and only the
// second half of each window scored (so every scored token has at least
// n_ctx/2 tokens of context).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "common/status.h"
#include "runtime/engine.h"

namespace ledge::runtime {

struct PerplexityResult {
  double ppl = 0;
  double ppl_stderr = 0;
  int n_chunks = 0;
  int64_t n_scored = 0;
  std::vector<double> running_ppl;  // after each chunk
};

// `tokens` should start with BOS. `on_chunk(i, running_ppl)` reports progress.
Result<PerplexityResult> perplexity(Engine& engine, std::span<const int32_t> tokens, int32_t n_ctx, int32_t bos,
                                    const std::function<void(int, double)>& on_chunk = {});

// log(softmax(logits)[id]) computed in double.
double log_softmax_at(std::span<const float> logits, int32_t id);

}  // namespace ledge::runtime
