#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ledge::runtime {

Status SamplingParams::validate(int32_t n_vocab) const {
  if (!std::isfinite(temperature) || temperature < 0.f || temperature > 100.f)
    return Error{"temperature must be in [0, 100], got " + std::to_string(temperature)};
  if (!std::isfinite(top_p) || top_p <= 0.f || top_p > 1.f)
    return Error{"top_p must be in (0, 1], got " + std::to_string(top_p)};
  if (!std::isfinite(min_p) || min_p < 0.f || min_p > 1.f)
    return Error{"min_p must be in [0, 1], got " + std::to_string(min_p)};
  if (!std::isfinite(repeat_penalty) || repeat_penalty <= 0.f)
    return Error{"repeat_penalty must be > 0, got " + std::to_string(repeat_penalty)};
  if (!std::isfinite(presence_penalty) || std::fabs(presence_penalty) > 2.f)
    return Error{"presence_penalty must be in [-2, 2], got " + std::to_string(presence_penalty)};
  if (!std::isfinite(frequency_penalty) || std::fabs(frequency_penalty) > 2.f)
    return Error{"frequency_penalty must be in [-2, 2], got " + std::to_string(frequency_penalty)};
  if (penalty_last_n < 0) return Error{"penalty_last_n must be >= 0"};
  for (const auto& [id, bias] : logit_bias) {
    if (id < 0 || id >= n_vocab)
      return Error{"logit_bias: token id " + std::to_string(id) + " out of range [0, " + std::to_string(n_vocab) + ")"};
    if (std::isnan(bias)) return Error{"logit_bias: bias for token " + std::to_string(id) + " is NaN"};
  }
  return Status::Ok();
}

Sampler::Sampler(SamplingParams params) : p_(std::move(params)), rng_(p_.seed) {}

int32_t argmax(std::span<const float> v) {
  int32_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best]) best = int32_t(i);
  return best;
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> recent) {
  const int32_t n_vocab = int32_t(logits.size());
  cand_.resize(logits.size());
  for (int32_t i = 0; i < n_vocab; ++i) cand_[i] = {i, logits[i]};

  for (const auto& [id, bias] : p_.logit_bias)
    if (id >= 0 && id < n_vocab) cand_[id].logit += bias;

  const bool penalize = p_.repeat_penalty != 1.f || p_.presence_penalty != 0.f || p_.frequency_penalty != 0.f;
  if (penalize && p_.penalty_last_n > 0 && !recent.empty()) {
    size_t n = std::min(recent.size(), size_t(p_.penalty_last_n));
    std::unordered_map<int32_t, int> counts;
    for (size_t i = recent.size() - n; i < recent.size(); ++i) ++counts[recent[i]];
    for (const auto& [id, count] : counts) {
      if (id < 0 || id >= n_vocab) continue;
      float& l = cand_[id].logit;
      l = l > 0 ? l / p_.repeat_penalty : l * p_.repeat_penalty;
      l -= float(count) * p_.frequency_penalty + p_.presence_penalty;
    }
  }

  if (p_.temperature <= 0.f) {
    int32_t best = 0;
    for (int32_t i = 1; i < n_vocab; ++i)
      if (cand_[i].logit > cand_[best].logit) best = i;
    return cand_[best].id;
  }

  // Sort descending by logit; with top-k only the first k need ordering.
  size_t k = cand_.size();
  if (p_.top_k > 0 && size_t(p_.top_k) < k) k = size_t(p_.top_k);
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  std::partial_sort(cand_.begin(), cand_.begin() + k, cand_.end(), by_logit);
  cand_.resize(k);

  // Probabilities at temperature 1 for the top-p / min-p cut (as llama.cpp does).
  prob_.resize(k);
  auto& prob = prob_;
  double sum = 0;
  for (size_t i = 0; i < k; ++i) sum += prob[i] = std::exp(double(cand_[i].logit) - cand_[0].logit);
  if (p_.top_p < 1.f) {
    double cum = 0;
    size_t keep = k;
    for (size_t i = 0; i < k; ++i) {
      cum += prob[i] / sum;
      if (cum >= p_.top_p) {
        keep = i + 1;
        break;
      }
    }
    k = keep;
  }
  if (p_.min_p > 0.f) {
    size_t keep = 1;
    while (keep < k && prob[keep] >= p_.min_p * prob[0]) ++keep;  // prob[0] is the max
    k = keep;
  }

  double total = 0;
  for (size_t i = 0; i < k; ++i)
    total += prob[i] = std::exp((double(cand_[i].logit) - cand_[0].logit) / p_.temperature);
  std::uniform_real_distribution<double> uni(0.0, total);
  double r = uni(rng_);
  for (size_t i = 0; i < k; ++i) {
    r -= prob[i];
    if (r <= 0) return cand_[i].id;
  }
  return cand_[k - 1].id;
}

}  // namespace ledge::runtime
