#include "server/core/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ledge::server {

void compute_logprobs(std::span<const float> logits, int32_t sampled, int32_t k, std::vector<int32_t>& order,
                      TokenLogprobs& out) {
  const size_t n = logits.size();
  out.id = sampled;
  out.top.clear();
  if (n == 0) return;
  // log-softmax in double: log p_i = l_i - (max + log sum exp(l_j - max)).
  float mx = -std::numeric_limits<float>::infinity();
  for (float l : logits) mx = std::max(mx, l);
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - double(mx));
  const double log_z = double(mx) + std::log(sum);
  auto lp = [&](int32_t id) { return float(double(logits[size_t(id)]) - log_z); };
  out.logprob = sampled >= 0 && size_t(sampled) < n ? lp(sampled) : -std::numeric_limits<float>::infinity();

  const size_t kk = std::min(size_t(std::max(k, 0)), n);
  if (kk == 0) return;
  order.resize(n);
  for (size_t i = 0; i < n; ++i) order[i] = int32_t(i);
  auto better = [&](int32_t a, int32_t b) {
    const float la = logits[size_t(a)], lb = logits[size_t(b)];
    return la > lb || (la == lb && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(kk), order.end(), better);
  out.top.reserve(kk);
  for (size_t i = 0; i < kk; ++i) out.top.push_back({order[i], lp(order[i]), {}});
}

}  // namespace ledge::server
