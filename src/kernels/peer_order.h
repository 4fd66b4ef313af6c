// Scalar models of the float arithmetic order of llama.cpp's x86 CPU kernels
// (an AVX2 / AVX-512 build, which is what made the golden fixtures).
//
// Why these exist: with quantized weights every matrix product first rounds
// its input activations to 8-bit quants. A last-bit difference anywhere
// upstream (a different summation order in a dot product, a different exp())
// occasionally moves a value across a rounding boundary of that quantizer,
// which changes a quant by one step (~1/127 of the block's range). The small
// random-weight fixture models amplify one such flip to |dp| ~ 1e-3..1e-2, so
// agreeing with the peer to its tolerances needs the peer's exact float
// order, not just its formulas. The scalar reference kernels
// (scalar_kernels.h) follow the portable C order and stay the ground truth
// for (de)quantization; these are the arithmetic the peer actually runs on
// x86. Integer parts are exact in both; only the float steps are modelled,
// with explicit fma() where the peer uses fused multiply-add.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ledge::kernels::peer {

// Makes the type table's scalar entries the peer's arithmetic: x86 activation
// rounding for Q8_0/Q8_1, the peer-order dot products below for the legacy
// quant types and the k-quants, and the repack gemm order for Q4_K / Q2_K. Call at start-up before kernels::init_dispatch(), which then
// installs the bit-identical SIMD twins. Idempotent.
void install_as_reference();

// Horizontal sum of 8 float lanes as the peer's AVX helpers do it
// (hsum_float_8: high half + low half, then pairs, then the last two).
float hsum8(const float lane[8]);

// Q8_0 weights x Q8_0 activations: per 32-block, 8 int32 lanes of 4
// consecutive products; each lane, converted to float, is accumulated with
// fma(d_w * d_a, lane, acc); hsum8 at the end. Both the single-row kernel
// (ggml_vec_dot_q8_0_q8_0, AVX2) and the batched tinyBLAS_Q0_AVX sgemm use
// exactly this order, so it serves every batch size.
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act);

// exp(x) as the peer's AVX-512 vector code computes it (ggml_v_expf): a
// degree-5 polynomial on the reduced argument, scaled by 2^n; within ~1.5 ulp
// of expf but not bit-equal to it. Used by its SiLU and by its softmax.
float expf_poly(float x);

// Sum of 16 floats in the order of the AVX-512 reduction the peer calls
// (_mm512_reduce_add_ps as GCC implements it: halves, quarters, pairs).
float reduce_add16(const float v[16]);

// The other 32-block weight types on the single-row path (ggml_vec_dot_*,
// AVX2), and Q5_0 also on tinyBLAS_Q0_AVX: the same 8 lanes of 4 products
// with one fma per block and lane; Q4_1/Q5_1 (unsigned quants x Q8_1) add the
// offset term m_w * s_a in a separate float sum, added after hsum8.
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act);
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act);
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act);

// Q4_0 on x86 is repacked (8 interleaved rows) and multiplied by the repack
// GEMV / GEMM kernels: per 32-block one exact int32 sum, accumulated as
// fma(float(sum), d_w * d_a, acc); no lanes, no horizontal sum.
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act);

// SiLU as the peer's AVX-512 vector path computes it (ggml_v_silu):
// x / (1 + e) with e = ggml_v_expf(-x), a polynomial exp that differs from
// the C library's expf in the last bit for some inputs.
float silu(float x);

// gate[i] = silu(gate[i]) * up[i] for n values (ggml_vec_swiglu_f32): the
// vector path for each full group of 16, the scalar C expf for a tail.
void swiglu(int64_t n, float* gate, const float* up);


// ---- k-quants (weights x Q8_K activations) ----------------------------------
// Which kernel the peer runs depends on the type (x86 AVX-512 build, REPACK):
//  * Q3_K, Q5_K, Q6_K are not repacked on x86: every product, single row or
//    batch, is the AVX2 ggml_vec_dot_*_q8_K. Its int32 lanes hold the products
//    of elements 4k..4k+3 of every 32-element chunk (lane k = (e % 32) / 4,
//    the maddubs/madd pairing), each lane scaled per block with
//    fma(d_w * d_a, float(lane), acc[k]); hsum8 at the end. Q5_K's mins term
//    (dmin_w * d_a) * float(sum min * bsum) is summed separately and
//    subtracted after the horizontal sum. Q6_K multiplies the unsigned quants
//    (0..63) and takes the -32 offset out of lane k as
//    32 * (sc[2k] * bsum[2k] + sc[2k+1] * bsum[2k+1]), i.e. by 16-element
//    sub-block, not by element: same total, different lane values (this is
//    what b10573's AVX2 kernel does; the per-element form does not agree).
//  * Q4_K (q4_K_8x8, AVX2+) and Q2_K (q2_K_8x8, AVX-512) are repacked into 8
//    interleaved rows. A product with one activation row is the repack GEMV:
//    per 256-block one exact int sum of scale*q*a and one of min*bsum, each
//    accumulated with fma(float(sum), d*d_a, acc) into its own accumulator;
//    result acc - macc. A batch of T rows runs the GEMM on the first
//    T - T % 4 rows (activations in 4-row groups) and the GEMV on the rest;
//    the GEMM does the same per 64-element (Q4_K: 2 sub-blocks of 32) or
//    128-element (Q2_K: 8 sub-blocks of 16) part of the block instead of per
//    block. gemm_q4_k_q8_k / gemm_q2_k_q8_k model exactly that column split
//    (column c < n_cols - n_cols % 4 takes the GEMM order), which is why the
//    whole batch must be passed in one call (linear() does).
float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act);
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act);
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act);
// Repack GEMV order (one activation row).
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act);
float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act);
// Repack GEMM order for one (weight row, activation row) pair.
float gemm_dot_q4_k_q8_k(int64_t n, const void* w, const void* act);
float gemm_dot_q2_k_q8_k(int64_t n, const void* w, const void* act);
// The gemm slot (type_traits.h GemmFn) for Q4_K / Q2_K: GEMM order for
// columns below n_cols - n_cols % 4, GEMV order for the rest.
void gemm_q4_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);
void gemm_q2_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);
// The gemm slot for Q3_K / Q5_K / Q6_K: one vec_dot above per output (the
// peer has no batched kernel for them), so SIMD twins can reuse each unpacked
// weight block across activation rows without changing any result.
void gemm_q3_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);
void gemm_q5_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);
void gemm_q6_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);

}  // namespace ledge::kernels::peer
