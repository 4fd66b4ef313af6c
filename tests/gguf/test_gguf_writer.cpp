// Writer: round trips (write -> read -> identical) for every value type,
// nested arrays, tensors and alignments, and for every shared fixture
// (read -> write -> read -> identical); plus what the writer refuses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"
#include "support/fixtures.h"

namespace ledge::gguf {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// Asserts two parsed files hold the same metadata (in order), tensor infos
// and tensor bytes.
void expect_same(const File& a, const File& b) {
  ASSERT_EQ(a.metadata().size(), b.metadata().size());
  for (size_t i = 0; i < a.metadata().size(); ++i) {
    EXPECT_EQ(a.metadata()[i].key, b.metadata()[i].key);
    EXPECT_TRUE(same_value(a.metadata()[i].value, b.metadata()[i].value)) << a.metadata()[i].key;
  }
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    const TensorInfo& x = a.tensors()[i];
    const TensorInfo& y = b.tensors()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.n_dims, y.n_dims);
    for (int d = 0; d < 4; ++d) EXPECT_EQ(x.ne[d], y.ne[d]) << x.name;
    EXPECT_EQ(x.n_elements, y.n_elements);
    EXPECT_EQ(x.n_bytes, y.n_bytes);
    auto dx = a.tensor_data(x);
    auto dy = b.tensor_data(y);
    ASSERT_EQ(dx.size(), dy.size());
    EXPECT_TRUE(std::equal(dx.begin(), dx.end(), dy.begin())) << x.name;
  }
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("ledge-gguf-test-" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Writer every_value_type() {
  Writer w;
  auto add = [&](const char* k, Value v) {
    auto s = w.add_kv(k, std::move(v));
    EXPECT_TRUE(s.ok()) << s.message();
  };
  add("general.architecture", make_value("llama"));
  add("t.u8", make_value(uint8_t{255}));
  add("t.i8", make_value(int8_t{-128}));
  add("t.u16", make_value(uint16_t{65535}));
  add("t.i16", make_value(int16_t{-32768}));
  add("t.u32", make_value(uint32_t{4294967295u}));
  add("t.i32", make_value(int32_t{-2147483647 - 1}));
  add("t.f32", make_value(3.25f));
  add("t.f32.nan", make_value(std::numeric_limits<float>::quiet_NaN()));
  add("t.f32.inf", make_value(-std::numeric_limits<float>::infinity()));
  add("t.bool.true", make_value(true));
  add("t.bool.false", make_value(false));
  add("t.str", make_value("hello"));
  add("t.str.empty", make_value(""));
  add("t.str.bytes", make_value(std::string("\xff\x00\xc3(", 4)));
  add("t.u64", make_value(uint64_t{18446744073709551615ull}));
  add("t.i64", make_value(int64_t{-9223372036854775807ll - 1}));
  add("t.f64", make_value(1e-300));
  add("t.arr.empty", make_array(ValueType::FLOAT32, {}));
  add("t.arr.str", make_array(ValueType::STRING, {make_value("a"), make_value(""), make_value("\xe6\x97\xa5")}));
  add("t.arr.i32", make_array(ValueType::INT32, {make_value(int32_t{-1}), make_value(int32_t{7})}));
  add("t.arr.bool", make_array(ValueType::BOOL, {make_value(true), make_value(false)}));
  add("t.arr.nested",
      make_array(ValueType::ARRAY,
                 {make_array(ValueType::UINT64, {make_value(uint64_t{1}), make_value(uint64_t{2})}),
                  make_array(ValueType::STRING, {}),
                  make_array(ValueType::ARRAY, {make_array(ValueType::FLOAT64, {make_value(2.5)})})}));
  Value deep = make_value(uint8_t{9});
  ValueType inner = ValueType::UINT8;
  for (uint32_t i = 0; i < kMaxArrayDepth; ++i) {
    deep = make_array(inner, {std::move(deep)});
    inner = ValueType::ARRAY;
  }
  add("t.arr.depth8", std::move(deep));
  return w;
}

TEST(GgufWriter, RoundTripsEveryValueType) {
  Writer w = every_value_type();
  auto bytes = w.serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  auto f = File::parse(bytes.value());
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->version(), 3u);
  ASSERT_EQ(f->metadata().size(), 24u);
  ASSERT_EQ(w.metadata().size(), 24u);
  for (size_t i = 0; i < w.metadata().size(); ++i) {
    EXPECT_EQ(f->metadata()[i].key, w.metadata()[i].key);
    EXPECT_TRUE(same_value(f->metadata()[i].value, w.metadata()[i].value)) << w.metadata()[i].key;
  }

  EXPECT_EQ(*f->get_uint("t.u8"), 255u);
  EXPECT_EQ(*f->get_int("t.i8"), -128);
  EXPECT_EQ(*f->get_int("t.i32"), -2147483648ll);
  EXPECT_EQ(*f->get_uint("t.u64"), 18446744073709551615ull);
  EXPECT_EQ(*f->get_int("t.i64"), std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(f->get_int("t.u64").ok());   // does not fit in int64
  EXPECT_FALSE(f->get_uint("t.i8").ok());   // negative
  EXPECT_EQ(*f->get_float("t.f32"), 3.25);
  EXPECT_TRUE(std::isnan(*f->get_float("t.f32.nan")));
  EXPECT_EQ(*f->get_float("t.f64"), 1e-300);
  EXPECT_TRUE(*f->get_bool("t.bool.true"));
  EXPECT_FALSE(*f->get_bool("t.bool.false"));
  EXPECT_EQ(*f->get_string("t.str.bytes"), std::string("\xff\x00\xc3(", 4));
  EXPECT_EQ(f->get_string_array("t.arr.str")->size(), 3u);
  EXPECT_EQ(*f->get_int_array("t.arr.i32"), (std::vector<int64_t>{-1, 7}));
  EXPECT_TRUE(f->get_float_array("t.arr.empty")->empty());
  const Value* nested = f->find("t.arr.nested");
  ASSERT_NE(nested, nullptr);
  const auto& outer = std::get<Array>(nested->data);
  ASSERT_EQ(outer.items.size(), 3u);
  EXPECT_EQ(std::get<Array>(outer.items[0].data).elem_type, ValueType::UINT64);
  EXPECT_EQ(std::get<uint64_t>(std::get<Array>(outer.items[0].data).items[1].data), 2u);
}

TEST(GgufWriter, RoundTripsTensorsAndAlignment) {
  for (uint32_t alignment : {0u, 1u, 8u, 32u, 64u, 4096u}) {
    SCOPED_TRACE(alignment);
    Writer w;
    if (alignment != 0) {
      ASSERT_TRUE(w.add_kv("general.alignment", make_value(alignment)).ok());
    }
    std::vector<uint64_t> ne_f32{7, 3};
    std::vector<uint64_t> ne_q4k{256, 2, 1, 3};
    std::vector<uint64_t> ne_i8{5};
    ASSERT_TRUE(w.add_tensor("f32", TensorType::F32, ne_f32, random_bytes(7 * 3 * 4, 1)).ok());
    ASSERT_TRUE(w.add_tensor("q4k", TensorType::Q4_K, ne_q4k, random_bytes(6 * 144, 2)).ok());
    ASSERT_TRUE(w.add_tensor("i8", TensorType::I8, ne_i8, random_bytes(5, 3)).ok());
    auto bytes = w.serialize();
    ASSERT_TRUE(bytes.ok()) << bytes.message();
    auto f = File::parse(bytes.value());
    ASSERT_TRUE(f.ok()) << f.message();
    uint64_t want_alignment = alignment == 0 ? 32 : alignment;
    EXPECT_EQ(f->alignment(), want_alignment);
    EXPECT_EQ(f->data_offset() % want_alignment, 0u);
    EXPECT_EQ(f->file_size() % want_alignment, 0u);
    ASSERT_EQ(f->tensors().size(), 3u);
    const TensorInfo* q = f->find_tensor("q4k");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->n_dims, 4u);
    EXPECT_EQ(q->ne[3], 3u);
    EXPECT_EQ(q->n_elements, 256u * 6u);
    EXPECT_EQ(q->n_bytes, 6u * 144u);
    auto d = f->tensor_data(*q);
    auto want = random_bytes(6 * 144, 2);
    EXPECT_TRUE(std::equal(d.begin(), d.end(), want.begin(), want.end()));
    for (const auto& t : f->tensors()) EXPECT_EQ(t.offset % want_alignment, 0u) << t.name;
  }
}

TEST(GgufWriter, WritesFileAtomically) {
  TempDir dir;
  Writer w = every_value_type();
  std::vector<uint64_t> ne{4};
  ASSERT_TRUE(w.add_tensor("w", TensorType::F32, ne, random_bytes(16, 4)).ok());
  auto path = (dir.path() / "out.gguf").string();
  auto s = w.write(path);
  ASSERT_TRUE(s.ok()) << s.message();
  auto f = File::open(path);
  ASSERT_TRUE(f.ok()) << f.message();
  auto mem = w.serialize();
  ASSERT_TRUE(mem.ok());
  auto g = File::parse(mem.value());
  ASSERT_TRUE(g.ok());
  expect_same(*f, *g);
  EXPECT_EQ(f->file_size(), mem->size());
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);  // no temporary left behind

  auto bad = w.write((dir.path() / "missing-dir" / "x.gguf").string());
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("missing-dir"), std::string::npos) << bad.message();
}

TEST(GgufWriter, RefusesInvalidInput) {
  Writer w;
  ASSERT_TRUE(w.add_kv("a", make_value(1)).ok());
  EXPECT_NE(w.add_kv("a", make_value(2)).message().find("duplicate key"), std::string::npos);
  EXPECT_FALSE(w.add_kv("", make_value(2)).ok());
  EXPECT_NE(w.add_kv("general.alignment", make_value(uint32_t{48})).message().find("power of two"),
            std::string::npos);
  EXPECT_NE(w.add_kv("general.alignment", make_value("32")).message().find("STRING"), std::string::npos);
  Value mixed = make_array(ValueType::INT32, {make_value(int32_t{1}), make_value("x")});
  EXPECT_NE(w.add_kv("mixed", mixed).message().find("element 1"), std::string::npos);
  Value lying;
  lying.type = ValueType::STRING;  // data still holds the default uint8_t
  EXPECT_FALSE(w.add_kv("lying", lying).ok());
  Value deep = make_value(uint8_t{1});
  for (uint32_t i = 0; i <= kMaxArrayDepth; ++i) {
    deep = make_array(i == 0 ? ValueType::UINT8 : ValueType::ARRAY, {std::move(deep)});
  }
  EXPECT_NE(w.add_kv("deep", deep).message().find("nested"), std::string::npos);

  std::vector<uint64_t> ne{32};
  ASSERT_TRUE(w.add_tensor("t", TensorType::F32, ne, std::vector<uint8_t>(128)).ok());
  EXPECT_NE(w.add_tensor("t", TensorType::F32, ne, std::vector<uint8_t>(128)).message().find("duplicate"),
            std::string::npos);
  EXPECT_NE(w.add_tensor("u", TensorType::F32, ne, std::vector<uint8_t>(127)).message().find("127"),
            std::string::npos);
  std::vector<uint64_t> none;
  EXPECT_NE(w.add_tensor("u", TensorType::F32, none, {}).message().find("n_dims 0"), std::string::npos);
  std::vector<uint64_t> five{1, 1, 1, 1, 1};
  EXPECT_NE(w.add_tensor("u", TensorType::F32, five, std::vector<uint8_t>(4)).message().find("n_dims 5"),
            std::string::npos);
  std::vector<uint64_t> odd{31};
  EXPECT_NE(w.add_tensor("u", TensorType::Q4_0, odd, std::vector<uint8_t>(18)).message().find("block size 32"),
            std::string::npos);
  std::vector<uint64_t> zero{0};
  EXPECT_FALSE(w.add_tensor("u", TensorType::F32, zero, {}).ok());
  std::vector<uint64_t> huge{1ull << 62, 1ull << 62};
  EXPECT_NE(w.add_tensor("u", TensorType::F32, huge, {}).message().find("overflows"), std::string::npos);
  EXPECT_FALSE(w.add_tensor("u", static_cast<TensorType>(4), ne, {}).ok());
  // Nothing refused was added.
  auto f = File::parse(w.serialize().value());
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->metadata().size(), 1u);
  EXPECT_EQ(f->tensors().size(), 1u);
}

// Every shared GGUF: read -> write -> read gives identical metadata, tensor
// infos and bytes. The fixtures were written by gguf-py / llama-quantize
// with the same layout rules, so the rewrite is byte-identical as well.
TEST(GgufWriter, FixturesRoundTrip) {
  size_t n = 0;
  for (const char* sub : {"models", "tokenizer"}) {
    for (const auto& e : fs::directory_iterator(test::fixtures_dir() / sub)) {
      if (e.path().extension() != ".gguf") continue;
      SCOPED_TRACE(e.path().filename().string());
      ++n;
      auto src = File::open(e.path().string());
      ASSERT_TRUE(src.ok()) << src.message();
      auto w = Writer::from_file(*src);
      ASSERT_TRUE(w.ok()) << w.message();
      auto bytes = w->serialize();
      ASSERT_TRUE(bytes.ok()) << bytes.message();
      auto back = File::parse(bytes.value());
      ASSERT_TRUE(back.ok()) << back.message();
      expect_same(*src, *back);
      EXPECT_EQ(back->data_offset(), src->data_offset());
      auto orig = src->bytes();
      EXPECT_TRUE(std::equal(orig.begin(), orig.end(), bytes->begin(), bytes->end()))
          << "rewrite differs from the original (" << bytes->size() << " vs " << orig.size() << " bytes)";
    }
  }
  EXPECT_EQ(n, 25u);
}

}  // namespace
}  // namespace ledge::gguf
