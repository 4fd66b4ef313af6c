#include <gtest/gtest.h>

#include <map>

#include "runtime/sampler.h"

namespace ledge::runtime {
namespace {

TEST(Sampler, GreedyPicksArgmaxAndHonoursLogitBias) {
  SamplingParams p;
  p.temperature = 0;
  std::vector<float> logits = {0.1f, 2.0f, 1.5f, -1.f};
  Sampler s(p);
  EXPECT_EQ(s.sample(logits, {}), 1);
  p.logit_bias[2] = 1.0f;
  Sampler b(p);
  EXPECT_EQ(b.sample(logits, {}), 2);
}

TEST(Sampler, SameSeedSameTokens) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = 42;
  std::vector<float> logits = {1.f, 1.f, 1.f, 1.f, 1.f, 1.f};
  Sampler a(p), b(p);
  std::vector<int32_t> ra, rb;
  for (int i = 0; i < 50; ++i) {
    ra.push_back(a.sample(logits, {}));
    rb.push_back(b.sample(logits, {}));
  }
  EXPECT_EQ(ra, rb);
  std::map<int32_t, int> seen;
  for (int32_t t : ra) ++seen[t];
  EXPECT_GT(seen.size(), 3u);  // genuinely random over equal logits
}

TEST(Sampler, TopKAndTopPRestrictCandidates) {
  std::vector<float> logits = {5.f, 4.f, 0.f, -1.f, -2.f};
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_k = 2;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  Sampler s(p);
  for (int i = 0; i < 200; ++i) EXPECT_LT(s.sample(logits, {}), 2);
  p.top_k = 0;
  p.top_p = 0.5f;  // token 0 alone has p ~ 0.71 at temperature 1
  Sampler tp(p);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(tp.sample(logits, {}), 0);
}

TEST(Sampler, PenaltiesDiscourageRepeats) {
  std::vector<float> logits = {2.0f, 1.9f};
  std::vector<int32_t> recent = {0, 0, 0};
  SamplingParams p;
  p.temperature = 0;
  p.frequency_penalty = 0.1f;  // 2.0 - 0.3 < 1.9
  Sampler s(p);
  EXPECT_EQ(s.sample(logits, recent), 1);
  SamplingParams r;
  r.temperature = 0;
  r.repeat_penalty = 1.1f;  // 2.0 / 1.1 < 1.9
  Sampler rs(r);
  EXPECT_EQ(rs.sample(logits, recent), 1);
}

TEST(Sampler, ValidateNamesTheBadParameter) {
  SamplingParams p;
  p.temperature = -1;
  EXPECT_NE(p.validate(10).message().find("temperature"), std::string::npos);
  p = {};
  p.top_p = 0;
  EXPECT_NE(p.validate(10).message().find("top_p"), std::string::npos);
  p = {};
  p.logit_bias[10] = 1;
  EXPECT_NE(p.validate(10).message().find("logit_bias"), std::string::npos);
  EXPECT_TRUE(SamplingParams{}.validate(10).ok());
}

}  // namespace
}  // namespace ledge::runtime
