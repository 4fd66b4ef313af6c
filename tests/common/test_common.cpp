#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/checked_math.h"
#include "common/mapped_file.h"
#include "common/status.h"
#include "gguf/tensor_type.h"
#include "support/fixtures.h"

namespace ledge {
namespace {

Result<int> parse_positive(int x) {
  if (x <= 0) return Error{"x must be positive, got " + std::to_string(x)};
  return x;
}

Status chain(int x) {
  LEDGE_RETURN_IF_ERROR(parse_positive(x));
  return Status::Ok();
}

TEST(Status, ResultCarriesValueOrMessage) {
  auto ok = parse_positive(3);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "x must be positive, got -1");
  EXPECT_TRUE(chain(1).ok());
  EXPECT_EQ(chain(0).message(), "x must be positive, got 0");
}

TEST(CheckedMath, DetectsOverflow) {
  EXPECT_EQ(checked_mul(1ull << 32, 1ull << 31).value(), 1ull << 63);
  EXPECT_FALSE(checked_mul(1ull << 32, 1ull << 32).has_value());
  EXPECT_FALSE(checked_add(~0ull, 1).has_value());
  EXPECT_EQ(checked_align_up(33, 32).value(), 64u);
  EXPECT_FALSE(checked_align_up(~0ull - 3, 32).has_value());
  EXPECT_TRUE(is_power_of_two(32));
  EXPECT_FALSE(is_power_of_two(0));
  EXPECT_FALSE(is_power_of_two(48));
}

TEST(MappedFile, MapsFixtureAndReportsMissingFile) {
  auto f = MappedFile::open(test::fixture("models/stories260K.gguf").string());
  ASSERT_TRUE(f.ok()) << f.message();
  ASSERT_GE(f->size(), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->data()), 4), "GGUF");
  auto missing = MappedFile::open("/nonexistent/ledge-model.gguf");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("/nonexistent/ledge-model.gguf"), std::string::npos);
}

TEST(TensorType, BlockGeometryMatchesFormat) {
  auto q4k = gguf::tensor_type_traits(12);
  ASSERT_TRUE(q4k.has_value());
  EXPECT_EQ(q4k->name, "Q4_K");
  EXPECT_EQ(q4k->block_elems, 256u);
  EXPECT_EQ(q4k->block_bytes, 144u);
  EXPECT_EQ(gguf::tensor_type_traits(8)->block_bytes, 34u);  // Q8_0: f16 scale + 32 int8
  EXPECT_FALSE(gguf::tensor_type_traits(4).has_value());     // removed Q4_2
  EXPECT_FALSE(gguf::tensor_type_traits(0xFFFFFFFFu).has_value());
}

}  // namespace
}  // namespace ledge
