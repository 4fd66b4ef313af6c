// StreamWriter writes the same bytes Writer does and refuses misuse.
#include <gtest/gtest.h>

#include "gguf/gguf_writer.h"
#include "gguf/stream_writer.h"
#include "tools_test_util.h"

namespace ledge {
namespace {

TEST(StreamWriter, SameBytesAsWriter) {
  test::ScratchDir dir("stream");
  gguf::Writer meta;
  ASSERT_TRUE(meta.add_kv("general.architecture", gguf::make_value("llama")).ok());
  ASSERT_TRUE(meta.add_kv("general.alignment", gguf::make_value(uint32_t{64})).ok());
  std::vector<uint8_t> a(32 * 3 * 4), b(34);  // F32 [32,3], Q8_0 [32]
  for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(i * 7);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i + 1);
  const uint64_t ne_a[2] = {32, 3}, ne_b[1] = {32};

  gguf::Writer whole = meta;
  ASSERT_TRUE(whole.add_tensor("a", gguf::TensorType::F32, ne_a, a).ok());
  ASSERT_TRUE(whole.add_tensor("b", gguf::TensorType::Q8_0, ne_b, b).ok());
  ASSERT_TRUE(whole.write(dir.file("whole.gguf")).ok());

  auto s = gguf::StreamWriter::create(dir.file("stream.gguf"), meta,
                                      {{"a", gguf::TensorType::F32, {32, 3}}, {"b", gguf::TensorType::Q8_0, {32}}});
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(s->write(std::span<const uint8_t>(a).first(100)).ok());  // in pieces
  ASSERT_TRUE(s->write(std::span<const uint8_t>(a).subspan(100)).ok());
  ASSERT_TRUE(s->write(b).ok());
  EXPECT_FALSE(s->write(b).ok());  // nothing left to write
  ASSERT_TRUE(s->finish().ok());
  EXPECT_EQ(test::read_file(dir.file("stream.gguf")), test::read_file(dir.file("whole.gguf")));
}

TEST(StreamWriter, RefusesBadDeclarationsAndIncompleteFiles) {
  test::ScratchDir dir("stream-bad");
  gguf::Writer meta;
  auto dup = gguf::StreamWriter::create(dir.file("x.gguf"), meta,
                                        {{"a", gguf::TensorType::F32, {4}}, {"a", gguf::TensorType::F32, {4}}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.message().find("duplicate"), std::string::npos);
  auto block = gguf::StreamWriter::create(dir.file("x.gguf"), meta, {{"q", gguf::TensorType::Q4_K, {32}}});
  ASSERT_FALSE(block.ok());
  EXPECT_NE(block.message().find("multiple of the block size 256"), std::string::npos);
  {
    auto s = gguf::StreamWriter::create(dir.file("x.gguf"), meta, {{"a", gguf::TensorType::F32, {4}}});
    ASSERT_TRUE(s.ok());
    std::vector<uint8_t> too_many(20);
    EXPECT_FALSE(s->write(too_many).ok());
    auto f = s->finish();
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.message().find("tensor 'a' was not (completely) written"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.gguf")));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // no temporary left behind
}

}  // namespace
}  // namespace ledge
