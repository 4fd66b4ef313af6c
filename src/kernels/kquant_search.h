// Scale searches shared by the k-quant reference quantizers. Each one fits
// the quants of one sub-block (16 or 32 values) and returns its scale; they
// reproduce llama.cpp's reference quantizers (make_qx_quants, make_q3_quants,
// make_qkx2_quants in ggml-quants.c) step for step, so a tensor quantized
// here is byte-identical to one made by `llama-quantize` without an imatrix.
#pragma once

#include <cstdint>

namespace ledge::kernels {

// Symmetric quants in [-nmax, nmax-1], stored biased (+nmax) into L.
// First guess: the value with the largest magnitude maps to -nmax. Then, when
// rmse_type != 0, 18 nearby scales (nmax +- 0.1*k) are tried and the one
// maximising the weighted least-squares fit (sum w*x*l)^2 / sum w*l*l is kept,
// its scale being that least-squares optimum. Weights are `qw` if given, else
// x^2 (rmse_type 1), 1 (2), |x| (3) or sqrt|x| (4). Returns the scale.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type, const float* qw);

// Q3_K's search: symmetric quants like make_qx_quants; with do_rmse, a
// coordinate-descent refinement (up to 5 sweeps) moves single quants while
// the x^2-weighted fit improves. L is returned biased by +nmax.
float make_q3_quants(int n, int nmax, const float* x, int8_t* L, bool do_rmse);

// Asymmetric quants in [0, nmax] with x ~= scale*l - min (min >= 0 returned
// via *the_min). Starts from the min/max range, then tries nstep+1 candidate
// inverse scales (rmin + rdelta*k + nmax)/(max - min), each followed by a
// closed-form weighted least-squares fit of (scale, min); the candidate with
// the smallest weighted error (|.| if use_mad, else squared) wins.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad);

}  // namespace ledge::kernels
