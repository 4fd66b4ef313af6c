// Log-probabilities of the model's distribution for one sampled token: the
// log-softmax of the raw logits (before logit bias, penalties and
// temperature, as vLLM reports by default), the sampled token's value and the
// k most probable tokens. No JSON here: the API layer shapes the result.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ledge::server {

inline constexpr int32_t kMaxTopLogprobs = 20;

struct TopLogprob {
  int32_t id = 0;
  float logprob = 0;
  std::string token;  // the token's bytes (may be part of a UTF-8 character)
};

struct TokenLogprobs {
  int32_t id = 0;
  float logprob = 0;
  std::string token;
  std::vector<TopLogprob> top;  // most probable first; ties: lower id first
};

// Fills `out.id`, `out.logprob` and `out.top` (k entries, k <= logits.size());
// token texts are left to the caller. `order` is scratch reused across calls.
void compute_logprobs(std::span<const float> logits, int32_t sampled, int32_t k, std::vector<int32_t>& order,
                      TokenLogprobs& out);

}  // namespace ledge::server
