// Crafted malformed GGUF files, one per bug class of the published GGUF
// parser advisories (integer overflow in sizes, huge counts and lengths,
// bad dims, unknown types, bad alignment, out-of-file data, duplicates,
// truncation). Each must fail cleanly with a message naming the field.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"
#include "gguf_bytes.h"

namespace ledge::gguf {
namespace {

using test::GgufBytes;

constexpr uint32_t kF32 = 0;
constexpr uint32_t kQ4_0 = 2;
constexpr uint32_t kTypeUint8 = 0, kTypeBool = 7, kTypeString = 8, kTypeArray = 9;
constexpr uint64_t kHuge = ~uint64_t{0};

// Parses and expects failure whose message contains every fragment.
void expect_error(const std::vector<uint8_t>& bytes, std::initializer_list<std::string> fragments) {
  auto f = File::parse(bytes);
  ASSERT_FALSE(f.ok()) << "parse unexpectedly succeeded";
  for (const auto& frag : fragments) {
    EXPECT_NE(f.message().find(frag), std::string::npos) << "message lacks '" << frag << "': " << f.message();
  }
  EXPECT_NE(f.message().find("at byte offset"), std::string::npos) << f.message();
}

// One valid F32 tensor of `ne` with data, preceded by nothing but the header.
std::vector<uint8_t> one_tensor(std::initializer_list<uint64_t> ne, uint32_t type, uint64_t offset,
                                size_t data_bytes) {
  GgufBytes b;
  b.header(1, 0).tensor("t", ne, type, offset).pad_to(32).zeros(data_bytes);
  return b.bytes;
}

TEST(GgufHostile, ValidMinimalFileParses) {
  auto f = File::parse(one_tensor({8, 2}, kF32, 0, 64));
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->tensors().at(0).n_bytes, 64u);
}

TEST(GgufHostile, BadMagicAndVersion) {
  expect_error({}, {"too small", "magic"});
  expect_error({'G', 'G', 'M', 'L', 3, 0, 0, 0}, {"magic", "GGML"});
  GgufBytes v1;
  v1.raw("GGUF", 4).u32(1).u32(0).u32(0);
  expect_error(v1.bytes, {"version 1", "32-bit"});
  GgufBytes v4;
  v4.header(0, 0, 4);
  expect_error(v4.bytes, {"unsupported GGUF version 4"});
  GgufBytes be;
  be.header(0, 0, 0x03000000);
  expect_error(be.bytes, {"big-endian"});
}

TEST(GgufHostile, Version2IsAccepted) {
  GgufBytes b;
  b.header(0, 1, 2).kv_str("general.architecture", "llama");
  auto f = File::parse(b.bytes);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->version(), 2u);
  EXPECT_EQ(*f->get_string("general.architecture"), "llama");
}

TEST(GgufHostile, HugeCounts) {
  GgufBytes kv;
  kv.header(0, kHuge);
  expect_error(kv.bytes, {"metadata count (n_kv) 18446744073709551615"});
  GgufBytes t;
  t.header(kHuge, 0);
  expect_error(t.bytes, {"tensor count (n_tensors) 18446744073709551615"});
  // Plausible-looking counts that still cannot fit in the bytes that follow.
  GgufBytes kv2;
  kv2.header(0, 1000).kv_u32("a", 1);
  expect_error(kv2.bytes, {"metadata count (n_kv) 1000"});
  GgufBytes both;
  both.header(1, 2).zeros(40);
  expect_error(both.bytes, {"together cannot fit"});
}

TEST(GgufHostile, HugeStringLengths) {
  GgufBytes key;
  key.header(0, 1).str_with_len(kHuge, "general.name").u32(kTypeString).str("x");
  expect_error(key.bytes, {"metadata entry #0", "key length 18446744073709551615"});
  GgufBytes val;
  val.header(0, 1).str("general.name").u32(kTypeString).str_with_len(1ull << 40, "abc");
  expect_error(val.bytes, {"metadata key 'general.name' (#0)", "value string length 1099511627776"});
  GgufBytes name;
  name.header(1, 0).str_with_len(kHuge - 7, "t").u32(1).u64(1).u32(kF32).u64(0).zeros(64);
  expect_error(name.bytes, {"tensor #0", "name length 18446744073709551608"});
  GgufBytes long_key;
  long_key.header(0, 1).str(std::string(70000, 'k')).u32(kTypeUint8).u8(1);
  expect_error(long_key.bytes, {"key length 70000 exceeds the limit"});
}

TEST(GgufHostile, HugeArrayCounts) {
  GgufBytes u8;
  u8.header(0, 1).str("a").u32(kTypeArray).u32(kTypeUint8).u64(kHuge);
  expect_error(u8.bytes, {"metadata key 'a' (#0)", "array length 18446744073709551615"});
  // count * 8 wraps around 2^64 to a small number: must not pass.
  GgufBytes strs;
  strs.header(0, 1).str("tokenizer.ggml.tokens").u32(kTypeArray).u32(kTypeString).u64(1ull << 61).zeros(16);
  expect_error(strs.bytes, {"tokenizer.ggml.tokens", "array length 2305843009213693952"});
  GgufBytes nested;
  nested.header(0, 1).str("n").u32(kTypeArray).u32(kTypeArray).u64(2).u32(kTypeUint8).u64(kHuge / 2).zeros(32);
  expect_error(nested.bytes, {"array element 0 array length 9223372036854775807"});
}

TEST(GgufHostile, ArrayNestingDepthIsLimited) {
  auto nested = [](int depth) {
    GgufBytes b;
    b.header(0, 1).str("deep").u32(kTypeArray);
    for (int i = 1; i < depth; ++i) b.u32(kTypeArray).u64(1);
    b.u32(kTypeUint8).u64(1).u8(7);
    return b.bytes;
  };
  auto ok = File::parse(nested(8));
  ASSERT_TRUE(ok.ok()) << ok.message();
  expect_error(nested(9), {"metadata key 'deep'", "nested deeper than 8"});
  expect_error(nested(1000), {"nested deeper than 8"});
}

TEST(GgufHostile, UnknownValueTypes) {
  GgufBytes v;
  v.header(0, 1).str("k").u32(13).u32(0);
  expect_error(v.bytes, {"metadata key 'k' (#0)", "unknown value type 13"});
  GgufBytes neg;
  neg.header(0, 1).str("k").u32(0xFFFFFFFF).u32(0);
  expect_error(neg.bytes, {"unknown value type 4294967295"});
  GgufBytes elem;
  elem.header(0, 1).str("k").u32(kTypeArray).u32(99).u64(0);
  expect_error(elem.bytes, {"unknown value array element type 99"});
}

TEST(GgufHostile, InvalidBool) {
  GgufBytes b;
  b.header(0, 1).str("tokenizer.ggml.add_bos_token").u32(kTypeBool).u8(2);
  expect_error(b.bytes, {"tokenizer.ggml.add_bos_token", "invalid BOOL byte 2"});
  GgufBytes arr;
  arr.header(0, 1).str("flags").u32(kTypeArray).u32(kTypeBool).u64(3).u8(1).u8(0).u8(0xFF);
  expect_error(arr.bytes, {"flags", "array element 2", "invalid BOOL byte 255"});
}

TEST(GgufHostile, EmptyKey) {
  GgufBytes b;
  b.header(0, 1).kv_u32("", 1);
  expect_error(b.bytes, {"metadata entry #0", "empty key"});
}

TEST(GgufHostile, DuplicateKey) {
  GgufBytes b;
  b.header(0, 3).kv_u32("a", 1).kv_u32("general.name", 2).kv_u32("a", 3);
  expect_error(b.bytes, {"metadata key 'a' (#2)", "duplicate key", "entry #0"});
}

TEST(GgufHostile, DuplicateTensorName) {
  GgufBytes b;
  b.header(2, 0).tensor("w", {8}, kF32, 0).tensor("w", {8}, kF32, 32).pad_to(32).zeros(64);
  expect_error(b.bytes, {"tensor 'w' (#1)", "duplicate tensor name", "tensor #0"});
}

TEST(GgufHostile, NDims) {
  for (uint32_t n_dims : {0u, 5u, 0xFFFFFFFFu}) {
    SCOPED_TRACE(n_dims);
    GgufBytes b;
    b.header(1, 0).str("blk.0.attn_q.weight").u32(n_dims).u64(1).u64(1).u64(1).u64(1).u64(1).u32(kF32).u64(0);
    b.pad_to(32).zeros(64);
    expect_error(b.bytes, {"tensor 'blk.0.attn_q.weight' (#0)", "n_dims " + std::to_string(n_dims)});
  }
}

TEST(GgufHostile, NDimsMessageHasExactOffset) {
  GgufBytes b;
  b.header(1, 0).str("blk.0.attn_q.weight");
  size_t at = b.size();
  b.u32(7).zeros(64);
  auto f = File::parse(b.bytes);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.message(),
            "tensor 'blk.0.attn_q.weight' (#0): n_dims 7 exceeds 4 at byte offset " + std::to_string(at));
}

TEST(GgufHostile, ZeroDims) {
  expect_error(one_tensor({8, 0}, kF32, 0, 64), {"tensor 't' (#0)", "ne[1] is 0"});
  expect_error(one_tensor({0}, kF32, 0, 64), {"ne[0] is 0"});
}

TEST(GgufHostile, NegativeDims) {
  expect_error(one_tensor({8, uint64_t{1} << 63}, kF32, 0, 64), {"ne[1] 9223372036854775808 exceeds INT64_MAX"});
}

TEST(GgufHostile, ElementCountOverflow) {
  expect_error(one_tensor({1ull << 32, 1ull << 32}, kF32, 0, 64), {"tensor 't'", "element count overflows"});
  expect_error(one_tensor({1ull << 62, 4}, kF32, 0, 64), {"element count overflows"});
  expect_error(one_tensor({3, 3, 1ull << 61, 2}, kF32, 0, 64), {"element count overflows"});
}

TEST(GgufHostile, ByteSizeOverflow) {
  // 2^62 F32 elements: the element count fits, 4 bytes each wraps to 0.
  expect_error(one_tensor({1ull << 62}, kF32, 0, 64), {"tensor 't'", "byte size overflows"});
  // 2^61 elements * 4 = 2^63: no wrap but beyond INT64_MAX.
  expect_error(one_tensor({1ull << 30, 1ull << 31}, kF32, 0, 64), {"byte size overflows"});
  // Large but representable: rejected by the extent check instead.
  expect_error(one_tensor({1ull << 20, 1ull << 20}, kF32, 0, 64), {"extends past the end"});
}

TEST(GgufHostile, UnknownTensorTypes) {
  for (uint32_t type : {4u, 5u, 31u, 32u, 33u, 36u, 40u, 1000u, 0xFFFFFFFFu}) {
    SCOPED_TRACE(type);
    expect_error(one_tensor({32}, type, 0, 128), {"tensor 't' (#0)", "unknown tensor type id " + std::to_string(type)});
  }
  auto removed = File::parse(one_tensor({32}, 4, 0, 128));
  EXPECT_NE(removed.message().find("removed"), std::string::npos) << removed.message();
}

TEST(GgufHostile, BlockSizeMismatch) {
  expect_error(one_tensor({33}, kQ4_0, 0, 64), {"ne[0] 33 is not a multiple of the block size 32 of type Q4_0"});
}

TEST(GgufHostile, MisalignedOffset) {
  GgufBytes b;
  b.header(2, 0).tensor("a", {8}, kF32, 0).tensor("b", {8}, kF32, 36).pad_to(32).zeros(128);
  expect_error(b.bytes, {"tensor 'b' (#1)", "data offset 36 is not a multiple of the alignment 32"});
}

TEST(GgufHostile, TensorDataOutsideFile) {
  expect_error(one_tensor({8}, kF32, 64, 64), {"tensor 't' (#0)", "extends past the end of the data section"});
  expect_error(one_tensor({16}, kF32, 0, 63), {"extends past the end"});
  // offset + size wraps around 2^64.
  expect_error(one_tensor({8}, kF32, kHuge - 31, 64), {"extends past the end"});
}

TEST(GgufHostile, DataSectionBeyondFile) {
  GgufBytes b;
  b.header(1, 0).tensor("t", {1}, kF32, 0);  // no padding, no data
  expect_error(b.bytes, {"data section"});
}

TEST(GgufHostile, OverlappingTensors) {
  GgufBytes b;
  b.header(2, 0).tensor("a", {16}, kF32, 0).tensor("b", {8}, kF32, 32).pad_to(32).zeros(96);
  // a = [0, 64), b = [32, 64)
  expect_error(b.bytes, {"tensor 'b' (#1)", "overlaps tensor 'a'"});
}

TEST(GgufHostile, Alignment) {
  auto with_alignment = [](uint32_t type, auto write_value) {
    GgufBytes b;
    b.header(0, 1).str("general.alignment").u32(type);
    write_value(b);
    return b.bytes;
  };
  expect_error(with_alignment(4, [](GgufBytes& b) { b.u32(0); }), {"general.alignment", "0 is not a power of two"});
  expect_error(with_alignment(4, [](GgufBytes& b) { b.u32(3); }), {"general.alignment", "3 is not a power of two"});
  expect_error(with_alignment(4, [](GgufBytes& b) { b.u32(48); }), {"48 is not a power of two"});
  expect_error(with_alignment(kTypeString, [](GgufBytes& b) { b.str("32"); }),
               {"general.alignment", "has type STRING"});
  expect_error(with_alignment(5, [](GgufBytes& b) { b.u32(0xFFFFFFE0); }), {"-32 is not a power of two"});

  // A valid non-default alignment governs the tensor offsets.
  GgufBytes ok;
  ok.header(1, 1).kv_u32("general.alignment", 64).tensor("t", {16}, kF32, 0).pad_to(64).zeros(64);
  auto f = File::parse(ok.bytes);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  GgufBytes mis;
  mis.header(1, 1).kv_u32("general.alignment", 64).tensor("t", {8}, kF32, 32).pad_to(64).zeros(128);
  expect_error(mis.bytes, {"data offset 32 is not a multiple of the alignment 64"});
}

TEST(GgufHostile, TensorNames) {
  GgufBytes empty;
  empty.header(1, 0).tensor("", {8}, kF32, 0).pad_to(32).zeros(32);
  expect_error(empty.bytes, {"tensor #0", "empty tensor name"});
  GgufBytes long_name;
  long_name.header(1, 0).tensor(std::string(300, 'n'), {8}, kF32, 0).pad_to(32).zeros(32);
  expect_error(long_name.bytes, {"tensor #0", "name length 300 exceeds the limit of 256"});
}

TEST(GgufHostile, NonUtf8StringsAreKeptAsBytes) {
  const std::string weird("\xff\xfe\x00\xc3(", 5);
  GgufBytes b;
  b.header(1, 1).kv_str("general.name", weird).tensor(weird, {8}, kF32, 0).pad_to(32).zeros(32);
  auto f = File::parse(b.bytes);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(*f->get_string("general.name"), weird);
  ASSERT_NE(f->find_tensor(weird), nullptr);
  // In messages hostile bytes are escaped, never printed raw.
  GgufBytes bad;
  bad.header(1, 0).tensor(weird, {8}, kF32, 0).zeros(4);
  auto e = File::parse(bad.bytes);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("tensor '\\xff\\xfe\\x00\\xc3(' (#0)"), std::string::npos) << e.message();
}

TEST(GgufHostile, VocabOnlyFileWithoutPaddingParses) {
  GgufBytes b;
  b.header(0, 1).kv_str("general.architecture", "llama");  // ends mid-alignment
  auto f = File::parse(b.bytes);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->data_offset(), b.size());
}

TEST(GgufHostile, TensorDataOfForeignInfoIsEmpty) {
  auto f = File::parse(one_tensor({8}, kF32, 0, 32));
  ASSERT_TRUE(f.ok()) << f.message();
  TensorInfo foreign = f->tensors()[0];
  foreign.offset = 1u << 20;
  EXPECT_TRUE(f->tensor_data(foreign).empty());
  foreign.offset = kHuge;
  EXPECT_TRUE(f->tensor_data(foreign).empty());
  foreign.offset = 0;
  foreign.n_bytes = kHuge;
  EXPECT_TRUE(f->tensor_data(foreign).empty());
}

// A small but complete file: every value type, a nested array, three tensors.
std::vector<uint8_t> small_valid_file() {
  Writer w;
  auto add = [&](const char* k, Value v) { ASSERT_TRUE(w.add_kv(k, std::move(v)).ok()); };
  add("general.architecture", make_value("llama"));
  add("u8", make_value(uint8_t{1}));
  add("i16", make_value(int16_t{-2}));
  add("f64", make_value(0.5));
  add("b", make_value(true));
  add("strs", make_array(ValueType::STRING, {make_value("a"), make_value("")}));
  add("nested", make_array(ValueType::ARRAY, {make_array(ValueType::INT32, {make_value(int32_t{-1})})}));
  std::vector<uint64_t> ne8{8};
  std::vector<uint64_t> ne_q{32, 1};
  EXPECT_TRUE(w.add_tensor("a", TensorType::F32, ne8, std::vector<uint8_t>(32, 1)).ok());
  EXPECT_TRUE(w.add_tensor("q", TensorType::Q8_0, ne_q, std::vector<uint8_t>(34, 2)).ok());
  EXPECT_TRUE(w.add_tensor("z", TensorType::F32, ne8, std::vector<uint8_t>(32, 3)).ok());
  auto bytes = w.serialize();
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  return bytes.ok() ? bytes.value() : std::vector<uint8_t>{};
}

TEST(GgufHostile, TruncationAtEveryByteFailsCleanly) {
  std::vector<uint8_t> full = small_valid_file();
  auto f = File::parse(full);
  ASSERT_TRUE(f.ok()) << f.message();
  // The last tensor ends exactly at the end of the file (no trailing pad), so
  // every strict prefix is missing something.
  const TensorInfo& last = f->tensors().back();
  ASSERT_EQ(f->data_offset() + last.offset + last.n_bytes, full.size());
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> prefix(full.begin(), full.begin() + static_cast<long>(n));
    auto p = File::parse(prefix);
    ASSERT_FALSE(p.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_FALSE(p.message().empty());
    EXPECT_NE(p.message().find("byte offset"), std::string::npos) << n << ": " << p.message();
  }
}

TEST(GgufHostile, SingleByteCorruptionNeverCrashes) {
  // Not an assertion about which error: only that every flipped byte gives a
  // clean result (success or a message), under the sanitizers in CI.
  std::vector<uint8_t> full = small_valid_file();
  size_t failures = 0;
  for (size_t i = 0; i < full.size(); ++i) {
    for (uint8_t x : {uint8_t{0x00}, uint8_t{0xFF}, uint8_t{0x80}, uint8_t{0x7F}}) {
      std::vector<uint8_t> b = full;
      b[i] = x;
      auto p = File::parse(b);
      if (!p.ok()) {
        ++failures;
        EXPECT_FALSE(p.message().empty());
      } else {
        for (const auto& t : p->tensors()) EXPECT_EQ(p->tensor_data(t).size(), t.n_bytes);
      }
    }
  }
  EXPECT_GT(failures, 0u);
}

}  // namespace
}  // namespace ledge::gguf
