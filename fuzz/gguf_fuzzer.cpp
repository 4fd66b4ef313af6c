// libFuzzer target for the GGUF reader. Beyond "no crash, no sanitizer
// report" it checks properties every accepted file must have:
//  * each tensor's bytes lie inside the input and match n_bytes (and are
//    touched, so ASan sees any out-of-range view);
//  * find()/find_tensor() return the parsed entries; typed getters never
//    fail without a message;
//  * the writer can write every accepted file back, and reading that again
//    gives identical metadata, tensor infos and tensor bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"

using namespace ledge::gguf;

namespace {

[[noreturn]] void violated() { __builtin_trap(); }

void check(bool ok) {
  if (!ok) violated();
}

template <typename R>
void touch(const R& r) {
  check(r.ok() || !r.message().empty());
}

void check_getters(const File& f) {
  for (const auto& kv : f.metadata()) {
    check(f.find(kv.key) == &kv.value);
    touch(f.get_string(kv.key));
    touch(f.get_uint(kv.key));
    touch(f.get_int(kv.key));
    touch(f.get_float(kv.key));
    touch(f.get_bool(kv.key));
    touch(f.get_string_array(kv.key));
    touch(f.get_float_array(kv.key));
    touch(f.get_int_array(kv.key));
  }
  touch(f.get_string("general.architecture"));
}

uint8_t check_tensors(const File& f) {
  const uint8_t* begin = f.bytes().data();
  const uint8_t* end = begin + f.bytes().size();
  uint8_t acc = 0;
  for (const auto& t : f.tensors()) {
    check(f.find_tensor(t.name) == &t);
    check(t.n_dims >= 1 && t.n_dims <= kMaxDims);
    check(t.offset % f.alignment() == 0);
    auto d = f.tensor_data(t);
    check(d.size() == t.n_bytes);
    check(d.data() >= begin + f.data_offset() && d.data() + d.size() <= end);
    acc ^= d.front();
    acc ^= d.back();
  }
  return acc;
}

void check_round_trip(const File& f) {
  auto w = Writer::from_file(f);
  check(w.ok());
  auto bytes = w->serialize();
  check(bytes.ok());
  auto g = File::parse(bytes.value());
  check(g.ok());
  check(g->alignment() == f.alignment());
  check(g->metadata().size() == f.metadata().size());
  for (size_t i = 0; i < f.metadata().size(); ++i) {
    check(g->metadata()[i].key == f.metadata()[i].key);
    check(same_value(g->metadata()[i].value, f.metadata()[i].value));
  }
  check(g->tensors().size() == f.tensors().size());
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const TensorInfo& a = f.tensors()[i];
    const TensorInfo& b = g->tensors()[i];
    check(a.name == b.name && a.type == b.type && a.n_dims == b.n_dims && a.n_bytes == b.n_bytes &&
          a.n_elements == b.n_elements);
    for (int d = 0; d < 4; ++d) check(a.ne[d] == b.ne[d]);
    auto da = f.tensor_data(a);
    auto db = g->tensor_data(b);
    check(da.size() == db.size() && std::equal(da.begin(), da.end(), db.begin()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = File::parse(std::span<const uint8_t>(data, size));
  if (!f.ok()) {
    check(!f.message().empty());
    return 0;
  }
  check_getters(*f);
  volatile uint8_t sink = check_tensors(*f);
  (void)sink;
  check_round_trip(*f);
  return 0;
}
