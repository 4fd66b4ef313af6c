// Attention and the element-wise ops run on the thread pool and through the
// ISA-dispatched kernels (kernels/attn_ops.h); neither may change a single
// bit of the logits. Each batch shape below takes a different attention
// kernel: one pass (2..63 rows), tiled (>= 64 rows, also with two sequences
// interleaved so a task holds several runs), split-KV decode (one token over
// >= 512 padded cells), plain one-pass decode, and the F32 cache.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "runtime/engine.h"
#include "support/fixtures.h"

namespace ledge::runtime {
namespace {

// Logits of a fixed script of forward passes, concatenated.
std::vector<float> run_script(const std::string& model, kv::KvType kv, int n_threads) {
  EngineOptions o;
  o.n_ctx = 512;
  o.kv_type = kv;
  o.n_parallel = 2;
  o.max_batch = 512;
  o.n_threads = n_threads;
  auto e = Engine::load(test::fixture("models/" + model).string(), o);
  EXPECT_TRUE(e.ok()) << e.message();
  if (!e.ok()) return {};
  Engine& eng = **e;
  std::vector<float> all;
  auto keep = [&](std::span<const float> l) { all.insert(all.end(), l.begin(), l.end()); };
  auto tokens = [](int n, int salt) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) t[size_t(i)] = 1 + (i * 37 + salt * 11) % 500;
    return t;
  };
  auto a = eng.new_sequence();
  EXPECT_TRUE(a.ok());
  for (auto [n, salt] : {std::pair{70, 1}, {5, 2}, {1, 3}, {200, 4}, {1, 5}, {1, 6}}) {
    // 70: tiled; 5: one pass; 1 at 75: one-pass decode; 200: tiled over
    // several tiles; 1 at 276 and 277: split-KV decode.
    auto l = eng.feed(*a, tokens(n, salt));
    EXPECT_TRUE(l.ok()) << l.message();
    if (!l.ok()) return {};
    keep(*l);
  }
  // Two sequences interleaved in one batch of 80 rows (tiled kernel), every
  // row asking for logits.
  auto b = eng.new_sequence();
  EXPECT_TRUE(b.ok());
  std::vector<model::BatchToken> batch;
  const int32_t a0 = eng.length(*a);
  for (int i = 0; i < 40; ++i) {
    batch.push_back({1 + (i * 13) % 500, a0 + i, *a, true});
    batch.push_back({1 + (i * 29) % 500, i, *b, true});
  }
  std::vector<float> logits;
  const Status s = eng.decode(batch, logits);
  EXPECT_TRUE(s.ok()) << s.message();
  all.insert(all.end(), logits.begin(), logits.end());
  return all;
}

void expect_bit_equal(const std::vector<float>& want, const std::vector<float>& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  ASSERT_FALSE(want.empty()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(want[i]), std::bit_cast<uint32_t>(got[i])) << what << " at logit " << i;
}

class AttentionParallel : public ::testing::TestWithParam<kv::KvType> {
 protected:
  // Back to the level the engine installs (set_isa_level re-resolves the
  // entries from the reference's arithmetic that Engine::load installed).
  void TearDown() override { (void)kernels::set_isa_level(kernels::isa_level_from_env()); }
};

TEST_P(AttentionParallel, LogitsIndependentOfThreadsAndIsa) {
  // head_dim 32 (every score a tail of the F16 dot product) and 64 (the
  // 64-wide vector steps); the F32 cache path is the same for both.
  std::vector<const char*> models = {"synth-llama-spm512-Q8_0.gguf"};
  if (GetParam() == kv::KvType::F16) models.push_back("synth-qwen2-bpe-dscoder-Q8_0.gguf");
  for (const char* model : models) {
    // The first Engine::load installs the reference's kernels once per
    // process; only then does set_isa_level choose among their variants.
    (void)run_script(model, GetParam(), 1);
    ASSERT_TRUE(kernels::set_isa_level(kernels::IsaLevel::kScalar).ok());
    const std::vector<float> ref = run_script(model, GetParam(), 1);
    for (kernels::IsaLevel level : kernels::kAllIsaLevels) {
      if (!kernels::isa_level_supported(level)) continue;
      ASSERT_TRUE(kernels::set_isa_level(level).ok());
      for (int threads : {1, 3}) {
        expect_bit_equal(ref, run_script(model, GetParam(), threads),
                         std::string(model) + " " + std::string(kernels::isa_level_name(level)) + " threads " +
                             std::to_string(threads));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kv, AttentionParallel, ::testing::Values(kv::KvType::F16, kv::KvType::F32),
                         [](const ::testing::TestParamInfo<kv::KvType>& info) {
                           return std::string(kv::kv_type_name(info.param));
                         });

}  // namespace
}  // namespace ledge::runtime
