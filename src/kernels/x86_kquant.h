// AVX2 twins of peer_order.h's k-quant models (x86_avx2_kquant.cpp, compiled
// with -mavx2 -mfma -mf16c; installed by dispatch.cpp through avx2_variants()
// only on CPUs that have those). Each returns, bit for bit, what the peer
// function of the same name returns: the integer sums are computed in
// vectors (exact), the float steps in the peer's order.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ledge::kernels::avx2kq {

float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act);
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act);
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act);
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act);
float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act);
void gemm_q4_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);
void gemm_q2_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);

// Gemm slot for the lane-dot types: out(r, c) = vec_dot(w_r, act_c) exactly,
// each weight block unpacked once per tile of activation rows.
void gemm_q3_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);
void gemm_q5_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);
void gemm_q6_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride);

}  // namespace ledge::kernels::avx2kq
