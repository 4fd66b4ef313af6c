// vec_dot and activation-quantizer throughput per type and ISA level
// (scalar / avx2 / avx512, whichever this CPU runs), on 4096-wide rows:
//  * vec_dot/<type>/<isa>: one weight row x one activation row, both in L1;
//    bytes/s counts the weight row only (the activation row is reused by
//    every row of a matrix).
//  * gemv/<type>/<isa>: 1024 rows x 4096 (4-17 MiB of weights: L3-resident
//    here), one activation row: weight streaming speed, bytes/s of weights.
//  * vec_dot_peer/<type>/<isa>: as vec_dot for the peer_order.h kernels
//    (llama.cpp's x86 float order, what the engine runs) and their twins.
//  * quantize/<type>/<isa>: 4096 floats -> activation blocks, bytes/s of input.
//  * matmul/<type>/<isa>/<kernel>/T: what linear() runs for a 1536 x 576
//    weight matrix (SmolLM2-135M's FFN up/gate shape) and a batch of T
//    activation rows, single-threaded, in 16-row chunks: kernel "gemm" is the
//    installed gemm slot, "vec_dot" one peer vec_dot per output (what runs
//    without a gemm). items/s = multiply-adds per second.
//   build/release/bench/bench_kernels --benchmark_min_time=0.3
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/peer_order.h"
#include "kernels/type_traits.h"

namespace {

using ledge::kernels::IsaLevel;
using ledge::kernels::TensorType;
namespace k = ledge::kernels;

constexpr int64_t kWidth = 4096;
constexpr int64_t kRows = 1024;

std::vector<float> normals(size_t n, uint32_t seed, float sigma) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Quantized with the scalar reference quantizer, so every level sees the
// same bytes.
std::vector<uint8_t> quantized(TensorType t, const std::vector<float>& x) {
  std::vector<uint8_t> q(k::row_bytes(t, static_cast<int64_t>(x.size())));
  const auto n = static_cast<int64_t>(x.size());
  for (int64_t r = 0; r < n / kWidth; ++r)
    k::reference_type_info(t)->kernels.quantize(x.data() + r * kWidth, q.data() + k::row_bytes(t, r * kWidth),
                                                kWidth);
  return q;
}

void select(benchmark::State& state, IsaLevel level) {
  if (!k::set_isa_level(level).ok()) state.SkipWithError("ISA level not supported");
}

void bench_vec_dot(benchmark::State& state, TensorType t, IsaLevel level) {
  select(state, level);
  const k::TypeInfo& ti = *k::type_info(t);
  const auto w = quantized(t, normals(kWidth, 1, 0.05f));
  const auto a = quantized(ti.vec_dot_type, normals(kWidth, 2, 1.0f));
  const k::VecDotFn dot = ti.kernels.vec_dot;
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.data());
    benchmark::DoNotOptimize(dot(kWidth, w.data(), a.data()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w.size()));
}

void bench_vec_dot_peer(benchmark::State& state, TensorType t, k::VecDotFn peer_fn, IsaLevel level) {
  k::reset_kernels();
  k::install_kernels(t, {nullptr, nullptr, peer_fn});
  bench_vec_dot(state, t, level);
  k::reset_kernels();
}

void bench_gemv(benchmark::State& state, TensorType t, IsaLevel level) {
  select(state, level);
  const k::TypeInfo& ti = *k::type_info(t);
  const auto w = quantized(t, normals(kWidth * kRows, 3, 0.05f));
  const auto a = quantized(ti.vec_dot_type, normals(kWidth, 4, 1.0f));
  const uint64_t row = k::row_bytes(t, kWidth);
  const k::VecDotFn dot = ti.kernels.vec_dot;
  std::vector<float> out(kRows);
  for (auto _ : state) {
    for (int64_t r = 0; r < kRows; ++r) out[static_cast<size_t>(r)] = dot(kWidth, w.data() + r * row, a.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w.size()));
}

void bench_quantize(benchmark::State& state, TensorType t, IsaLevel level) {
  select(state, level);
  const auto x = normals(kWidth, 5, 1.0f);
  std::vector<uint8_t> q(k::row_bytes(t, kWidth));
  const k::QuantizeRowFn quantize = k::type_info(t)->kernels.quantize;
  for (auto _ : state) {
    quantize(x.data(), q.data(), kWidth);
    benchmark::DoNotOptimize(q.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kWidth * 4);
}

// See the header: one thread's share of a linear() call, both kernels on the
// same peer-order entry so the two are bit-identical and only speed differs.
void bench_matmul(benchmark::State& state, TensorType t, k::VecDotFn peer_fn, IsaLevel level, bool use_gemm) {
  constexpr int64_t kIn = 576, kOut = 1536, kChunk = 16;
  const int64_t T = state.range(0);
  k::reset_kernels();
  k::install_kernels(t, {nullptr, nullptr, peer_fn});
  select(state, level);
  const k::TypeInfo& ti = *k::type_info(t);
  const k::GemmFn gemm = ti.kernels.gemm;
  if (use_gemm && gemm == nullptr) state.SkipWithError("no gemm at this level");
  const k::VecDotFn dot = ti.kernels.vec_dot;
  const uint64_t w_row = k::row_bytes(t, kIn), a_row = k::row_bytes(ti.vec_dot_type, kIn);
  std::vector<uint8_t> w(w_row * kOut), act(a_row * static_cast<uint64_t>(T));
  const auto wf = normals(static_cast<size_t>(kIn), 6, 0.05f);
  for (int64_t r = 0; r < kOut; ++r)  // every row the same values: speed does not depend on them
    k::reference_type_info(t)->kernels.quantize(wf.data(), w.data() + r * w_row, kIn);
  const auto af = normals(static_cast<size_t>(kIn * T), 7, 1.0f);
  for (int64_t c = 0; c < T; ++c)
    k::reference_type_info(ti.vec_dot_type)->kernels.quantize(af.data() + c * kIn, act.data() + c * a_row, kIn);
  std::vector<float> out(static_cast<size_t>(kOut * T));  // [T][kOut]
  for (auto _ : state) {
    for (int64_t r0 = 0; r0 < kOut; r0 += kChunk) {
      if (use_gemm) {
        gemm(kIn, w.data() + r0 * w_row, w_row, kChunk, act.data(), a_row, T, out.data() + r0, kOut);
      } else {
        for (int64_t r = r0; r < r0 + kChunk; ++r)
          for (int64_t c = 0; c < T; ++c) out[static_cast<size_t>(c * kOut + r)] = dot(kIn, w.data() + r * w_row, act.data() + c * a_row);
      }
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kIn * kOut * T);
  k::reset_kernels();
}

void register_all() {
  for (IsaLevel level : k::kAllIsaLevels) {
    if (!k::isa_level_supported(level)) continue;
    const std::string isa(k::isa_level_name(level));
    for (TensorType t : k::supported_types()) {
      const k::TypeInfo& ti = *k::reference_type_info(t);
      const std::string type(ti.name);
      if (ti.kernels.vec_dot) {
        benchmark::RegisterBenchmark(("vec_dot/" + type + "/" + isa).c_str(), bench_vec_dot, t, level);
        benchmark::RegisterBenchmark(("gemv/" + type + "/" + isa).c_str(), bench_gemv, t, level)
            ->Unit(benchmark::kMicrosecond);
      }
    }
    const std::pair<TensorType, k::VecDotFn> peers[] = {
        {TensorType::Q8_0, k::peer::vec_dot_q8_0_q8_0}, {TensorType::Q5_0, k::peer::vec_dot_q5_0_q8_0},
        {TensorType::Q4_1, k::peer::vec_dot_q4_1_q8_1}, {TensorType::Q5_1, k::peer::vec_dot_q5_1_q8_1},
        {TensorType::Q4_0, k::peer::vec_dot_q4_0_q8_0}};
    const std::pair<TensorType, k::VecDotFn> gemm_types[] = {{TensorType::Q8_0, k::peer::vec_dot_q8_0_q8_0},
                                                             {TensorType::Q4_0, k::peer::vec_dot_q4_0_q8_0},
                                                             {TensorType::Q5_0, k::peer::vec_dot_q5_0_q8_0},
                                                             {TensorType::Q4_1, k::peer::vec_dot_q4_1_q8_1},
                                                             {TensorType::Q5_1, k::peer::vec_dot_q5_1_q8_1}};
    for (const auto& [t, fn] : gemm_types) {
      for (bool use_gemm : {true, false})
        benchmark::RegisterBenchmark(("matmul/" + std::string(k::reference_type_info(t)->name) + "/" + isa + "/" +
                                      (use_gemm ? "gemm" : "vec_dot"))
                                         .c_str(),
                                     bench_matmul, t, fn, level, use_gemm)
            ->Arg(1)
            ->Arg(16)
            ->Arg(64)
            ->Arg(512)
            ->Unit(benchmark::kMillisecond);
    }
    for (const auto& [t, fn] : peers)
      benchmark::RegisterBenchmark(("vec_dot_peer/" + std::string(k::reference_type_info(t)->name) + "/" + isa).c_str(),
                                   bench_vec_dot_peer, t, fn, level);
    for (TensorType t : {TensorType::Q8_0, TensorType::Q8_1, TensorType::Q8_K})
      benchmark::RegisterBenchmark(("quantize/" + std::string(k::reference_type_info(t)->name) + "/" + isa).c_str(),
                                   bench_quantize, t, level);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
