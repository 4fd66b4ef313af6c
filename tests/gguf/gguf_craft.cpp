// gguf_craft OUTDIR: writes a small valid GGUF (every value type, nested
// arrays, a few tensors) and a set of crafted malformed GGUF files into
// OUTDIR. Used by the CTest checks of `ledge inspect` and as fuzz seeds.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gguf/gguf_writer.h"
#include "gguf_bytes.h"

namespace {

using ledge::gguf::test::GgufBytes;
using namespace ledge::gguf;

bool save(const std::filesystem::path& p, const std::vector<uint8_t>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out) {
    std::fprintf(stderr, "gguf_craft: cannot write %s\n", p.c_str());
    return false;
  }
  std::printf("%s\n", p.c_str());
  return true;
}

std::vector<uint8_t> valid_small() {
  Writer w;
  bool ok = w.add_kv("general.architecture", make_value("llama")).ok() &&
            w.add_kv("general.alignment", make_value(uint32_t{64})).ok() &&
            w.add_kv("llama.embedding_length", make_value(uint32_t{8})).ok() &&
            w.add_kv("i8", make_value(int8_t{-3})).ok() && w.add_kv("u16", make_value(uint16_t{7})).ok() &&
            w.add_kv("i16", make_value(int16_t{-7})).ok() && w.add_kv("i32", make_value(int32_t{-9})).ok() &&
            w.add_kv("u64", make_value(uint64_t{1} << 40)).ok() && w.add_kv("i64", make_value(int64_t{-5})).ok() &&
            w.add_kv("f32", make_value(0.25f)).ok() && w.add_kv("f64", make_value(-2.5)).ok() &&
            w.add_kv("flag", make_value(true)).ok() && w.add_kv("u8", make_value(uint8_t{200})).ok() &&
            w.add_kv("tokenizer.ggml.tokens",
                     make_array(ValueType::STRING, {make_value("<unk>"), make_value("a"), make_value("\xff")}))
                .ok() &&
            w.add_kv("tokenizer.ggml.scores",
                     make_array(ValueType::FLOAT32, {make_value(0.f), make_value(-1.f), make_value(-2.f)}))
                .ok() &&
            w.add_kv("nested", make_array(ValueType::ARRAY,
                                          {make_array(ValueType::INT32, {make_value(int32_t{1})}),
                                           make_array(ValueType::BOOL, {make_value(false)})}))
                .ok();
  std::vector<uint64_t> ne_f32{8, 2};
  std::vector<uint64_t> ne_q{32};
  std::vector<uint64_t> ne_k{256};
  ok = ok && w.add_tensor("token_embd.weight", TensorType::F32, ne_f32, std::vector<uint8_t>(64, 0x3f)).ok() &&
       w.add_tensor("blk.0.attn_q.weight", TensorType::Q8_0, ne_q, std::vector<uint8_t>(34, 1)).ok() &&
       w.add_tensor("output.weight", TensorType::Q4_K, ne_k, std::vector<uint8_t>(144, 2)).ok();
  auto bytes = w.serialize();
  if (!ok || !bytes.ok()) return {};
  return bytes.value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gguf_craft OUTDIR\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);

  std::vector<uint8_t> valid = valid_small();
  if (valid.empty()) {
    std::fprintf(stderr, "gguf_craft: building the valid file failed\n");
    return 1;
  }
  bool ok = save(dir / "valid-small.gguf", valid);

  // Crafted files, named after the field they break.
  GgufBytes ndims;
  ndims.header(1, 0).str("blk.0.attn_q.weight").u32(7).zeros(64);
  ok &= save(dir / "bad-n_dims.gguf", ndims.bytes);

  GgufBytes type;
  type.header(1, 0).tensor("w", {32}, 0xFFFFFFFFu, 0).pad_to(32).zeros(128);
  ok &= save(dir / "bad-tensor-type.gguf", type.bytes);

  GgufBytes overflow;
  overflow.header(1, 0).tensor("w", {1ull << 32, 1ull << 32}, 0, 0).pad_to(32).zeros(32);
  ok &= save(dir / "bad-ne-overflow.gguf", overflow.bytes);

  GgufBytes str;
  str.header(0, 1).str_with_len(~uint64_t{0}, "general.name").u32(8).str("x");
  ok &= save(dir / "bad-key-length.gguf", str.bytes);

  GgufBytes arr;
  arr.header(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1ull << 61).zeros(16);
  ok &= save(dir / "bad-array-length.gguf", arr.bytes);

  GgufBytes align;
  align.header(0, 1).kv_u32("general.alignment", 48);
  ok &= save(dir / "bad-alignment.gguf", align.bytes);

  GgufBytes outside;
  outside.header(1, 0).tensor("w", {1024}, 0, 0).pad_to(32).zeros(64);
  ok &= save(dir / "bad-data-outside.gguf", outside.bytes);

  GgufBytes dup;
  dup.header(0, 2).kv_u32("a", 1).kv_u32("a", 2);
  ok &= save(dir / "bad-duplicate-key.gguf", dup.bytes);

  GgufBytes v1;
  v1.raw("GGUF", 4).u32(1).u32(0).u32(0);
  ok &= save(dir / "bad-version1.gguf", v1.bytes);

  std::vector<uint8_t> truncated(valid.begin(), valid.begin() + static_cast<long>(valid.size() / 2));
  ok &= save(dir / "bad-truncated.gguf", truncated);

  return ok ? 0 : 1;
}
