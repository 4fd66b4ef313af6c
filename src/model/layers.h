// Layer helpers shared by every architecture. They know shapes, not model
// names; each works on all T tokens of the batch in ForwardState.
#pragma once

#include "model/forward.h"
#include "model/tensor.h"

namespace ledge::model {

// out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w            [T][n] -> [T][n]
void rms_norm(const ForwardState& st, const Tensor& w, const float* x, float* out);

// out[t] = W · in[t]  (W: ne1 rows of ne0)                  [T][ne0] -> [T][ne1]
// Activations are first converted to the weight type's dot-product format,
// exactly as the reference implementation does (this is what makes results
// agree with it on quantized models).
void linear(ForwardState& st, const Tensor& w, const float* in, float* out);

// y[t] += b                                                [T][n]
void add_bias(const ForwardState& st, const Tensor& b, float* y);

// Rotates the first n_rot dims of every head of x in place  [T][n_heads * head_dim]
void rope(const ForwardState& st, float* x, int n_heads);

// Writes st.k / st.v for every token into the KV cache of layer `il`, then
// computes causal attention of st.q over each token's sequence into st.attn.
void attention(ForwardState& st, int il);

// Sizes st.attn_scratch (n_threads entries), st.split_out and st.split_part
// for contexts of up to max_ctx positions. Start-up only (allocates).
void size_attention_scratch(ForwardState& st, int max_ctx, int n_threads);

// gate = silu(gate) * up                                   [T][n_ff]
void swiglu(ForwardState& st);

// x += y                                                   [T][n_embd]
void add_residual(ForwardState& st, const float* y);

// Pre-norm self-attention sub-layer with optional q/k/v biases:
// x += wo · attention(rope(wq·norm(x) + bq), rope(wk·norm(x) + bk), wv·norm(x) + bv)
void self_attention_block(ForwardState& st, const LayerWeights& lw, int il);

// Pre-norm SwiGLU feed-forward sub-layer: x += down(silu(gate·norm(x)) * up·norm(x))
void swiglu_ffn_block(ForwardState& st, const LayerWeights& lw);

}  // namespace ledge::model
