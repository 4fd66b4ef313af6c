// ISA level selection: names, support checks, the $LEDGE_ISA cap, and
// init_dispatch being idempotent under concurrent first calls.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/type_traits.h"

namespace ledge::kernels {
namespace {

TEST(SimdDispatch, LevelNamesRoundTrip) {
  for (IsaLevel l : kAllIsaLevels) EXPECT_EQ(parse_isa_level(isa_level_name(l)), l);
  EXPECT_FALSE(parse_isa_level("sse9").has_value());
  EXPECT_FALSE(parse_isa_level("").has_value());
}

TEST(SimdDispatch, SupportFollowsCpuFeatures) {
  const CpuFeatures& f = cpu_features();
  EXPECT_TRUE(isa_level_supported(IsaLevel::kScalar));
#if defined(__x86_64__)
  EXPECT_EQ(isa_level_supported(IsaLevel::kAvx2), f.avx2 && f.fma && f.f16c);
  EXPECT_EQ(isa_level_supported(IsaLevel::kAvx512),
            isa_level_supported(IsaLevel::kAvx2) && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni);
#endif
  EXPECT_TRUE(isa_level_supported(best_isa_level()));
  EXPECT_FALSE(f.to_string().empty());
}

TEST(SimdDispatch, UnsupportedLevelIsRefusedWithTheMissingFeatures) {
  IsaLevel missing = IsaLevel::kScalar;
  for (IsaLevel l : kAllIsaLevels)
    if (!isa_level_supported(l)) missing = l;
  if (missing == IsaLevel::kScalar) GTEST_SKIP() << "this CPU supports every level";
  const auto before = type_info(TensorType::Q8_0)->kernels.vec_dot;
  const Status s = set_isa_level(missing);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(isa_level_requirements(missing)), std::string::npos) << s.message();
  EXPECT_EQ(type_info(TensorType::Q8_0)->kernels.vec_dot, before);
}

TEST(SimdDispatch, EnvironmentCapsTheLevel) {
  ASSERT_EQ(setenv(kIsaEnvVar, "scalar", 1), 0);
  EXPECT_EQ(isa_level_from_env(), IsaLevel::kScalar);
  ASSERT_EQ(setenv(kIsaEnvVar, "avx512", 1), 0);  // never raises past the CPU
  EXPECT_EQ(isa_level_from_env(), best_isa_level());
  ASSERT_EQ(setenv(kIsaEnvVar, "bogus", 1), 0);
  EXPECT_EQ(isa_level_from_env(), best_isa_level());
  ASSERT_EQ(unsetenv(kIsaEnvVar), 0);
  EXPECT_EQ(isa_level_from_env(), best_isa_level());
}

TEST(SimdDispatch, InitDispatchOnceFromManyThreads) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([] { init_dispatch(); });
  for (auto& t : threads) t.join();
  init_dispatch();
  EXPECT_EQ(active_isa_level(), isa_level_from_env());
  EXPECT_EQ(active_isa(), isa_level_name(active_isa_level()));
  reset_kernels();
}

TEST(SimdDispatch, ScalarLevelRestoresTheReference) {
  ASSERT_TRUE(set_isa_level(best_isa_level()).ok());
  ASSERT_TRUE(set_isa_level(IsaLevel::kScalar).ok());
  for (TensorType t : supported_types()) {
    EXPECT_EQ(type_info(t)->kernels.vec_dot, reference_type_info(t)->kernels.vec_dot);
    EXPECT_EQ(type_info(t)->kernels.quantize, reference_type_info(t)->kernels.quantize);
  }
  EXPECT_EQ(active_isa(), "scalar");
}

}  // namespace
}  // namespace ledge::kernels
