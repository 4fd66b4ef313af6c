// Attention and element-wise operations of a transformer forward pass, as
// plain array kernels (they know rows, heads and cells, not models or
// caches): a scalar reference plus bit-identical SIMD variants per ISA
// level, picked by the run-time dispatch (dispatch.h).
//
// Float order. The scalar reference (attn_ops_scalar.cpp) is the arithmetic
// the forward pass had before these kernels existed; it models llama.cpp's
// x86 CPU kernels (docs/engine.md, "Numerics"), which is what makes results
// agree with the golden data. Every SIMD variant computes each output with
// exactly the same operations in the same order -- vectors only run
// independent lanes (cells, queries, elements) side by side:
//  * fma is exactly rounded, so a vector fma equals std::fma;
//  * F16C / AVX-512 F16 conversions round to nearest even like fp16.h; the
//    one difference (F16C keeps a NaN's payload where fp16.h writes the
//    canonical 0x7E00) is patched with a blend;
//  * horizontal sums use the peer's reduce_add16 order explicitly.
// tests/kernels/test_attn_ops.cpp checks every level against the reference
// for exact equality.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace ledge::kernels::attn {

// Online-softmax state of one query over a range of cells: running maximum
// score M and sum S of exp(score - M).
struct Partial {
  float M = -INFINITY;
  float S = 0.0f;
};

// One query of the tiled kernel: hd floats in, hd floats out, attending to
// cells [0, n).
struct TiledQuery {
  const float* q;
  float* out;
  int32_t n;
};

// Width of a KV tile of the tiled kernel (the reference's flash-attention tile).
inline constexpr int kKvTile = 64;

struct Ops {
  // sum x[i]*y[i] over n F16 values in the order of ggml_vec_dot_f16 (AVX-512
  // build): 4 accumulators of 16 lanes fed with fma in steps of 64, combined
  // (0+2)+(1+3), reduced with peer::reduce_add16; a tail < 64 added in double.
  float (*dot_f16)(const uint16_t* x, const uint16_t* y, int n);

  // One-pass kernel over cells [0, n) (k[p], v[p]: rows of hd F16 values):
  // s = dot_f16(k[p], q16) * scale, online softmax with std::exp, the value
  // sum kept in F16 (acc16, hd values of scratch) and rounded after every
  // update: acc = f16(f32(acc) * ms) when the maximum grows, then
  // acc = f16(fma(f32(v), vs, f32(acc))); S = fma(S, ms, vs).
  // out[hd] = f32(acc16), not normalised.
  Partial (*one_pass_f16)(const uint16_t* q16, const uint16_t* const* k, const uint16_t* const* v, int32_t n,
                          int hd, float scale, uint16_t* acc16, float* out);

  // Tiled kernel for nq queries of one KV head (k[p], v[p]: F16 rows of hd
  // values for p < max n). Per query: tiles of kKvTile cells; F32 scores
  // (dot = fma(q[i], k[i], dot) for i = 0..hd-1) times scale; running max;
  // peer::expf_poly(s - M) in aligned groups of 16, each group reduced with
  // reduce_add16 and summed in double; out = fma(w, v[i], out) cell by cell.
  // out is normalised by 1/S at the end. scratch: tiled_scratch_floats(hd, nq).
  void (*tiled_f16)(const TiledQuery* queries, int nq, const uint16_t* const* k, const uint16_t* const* v, int hd,
                    float scale, float* scratch);

  // dst[i] = fp32_to_fp16(src[i]) (fp16.h rounding, canonical NaN).
  void (*fp32_to_fp16_row)(const float* src, uint16_t* dst, int64_t n);

  // gate[i] = silu(gate[i]) * up[i] as peer::swiglu (polynomial exp per full
  // group of 16, C expf for the tail).
  void (*swiglu)(int64_t n, float* gate, const float* up);
};

// Floats of scratch the tiled kernel needs for head dimension hd and nq queries.
size_t tiled_scratch_floats(int hd, int nq);

// The scalar reference.
const Ops& reference_ops();

// The variant for `level`; nullptr if this build or CPU lacks it. Levels are
// cumulative: a level without its own variant of an op uses the next lower one.
const Ops* ops_at(IsaLevel level);

// The variant for the active dispatch level (active_isa_level()).
const Ops& ops();

}  // namespace ledge::kernels::attn
