// Token sampling: turns one row of logits into a token id.
//
// Chain (the order llama.cpp and vLLM use, so the knobs mean what users expect):
//   logit bias -> repetition / presence / frequency penalties over the recent
//   tokens -> (temperature <= 0: argmax) -> top-k -> top-p -> min-p ->
//   temperature -> softmax -> draw with a seeded RNG.
// The same seed and inputs always give the same tokens.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace ledge::runtime {

struct SamplingParams {
  float temperature = 0.8f;   // <= 0: greedy
  int32_t top_k = 40;         // <= 0: disabled
  float top_p = 0.95f;        // >= 1: disabled
  float min_p = 0.05f;        // <= 0: disabled
  float repeat_penalty = 1.0f;     // 1: disabled (divides positive logits, multiplies negative)
  float presence_penalty = 0.0f;   // subtracted once per token present
  float frequency_penalty = 0.0f;  // subtracted per occurrence
  int32_t penalty_last_n = 64;     // window of recent tokens the penalties look at
  uint64_t seed = 0xC0FFEE;
  std::unordered_map<int32_t, float> logit_bias;  // token id -> added to its logit

  // Checks ranges; the message names the offending parameter.
  Status validate(int32_t n_vocab) const;
};

class Sampler {
 public:
  explicit Sampler(SamplingParams params);

  // Samples from `logits` (n_vocab). `recent` holds the tokens the penalties see.
  int32_t sample(std::span<const float> logits, std::span<const int32_t> recent);

  const SamplingParams& params() const { return p_; }

 private:
  struct Candidate {
    int32_t id;
    float logit;
  };
  SamplingParams p_;
  std::mt19937_64 rng_;
  std::vector<Candidate> cand_;  // reused across calls: no allocation per token
  std::vector<double> prob_;
};

// Index of the largest value (lowest index on ties).
int32_t argmax(std::span<const float> v);

}  // namespace ledge::runtime
