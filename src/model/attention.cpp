// Causal self-attention over the paged KV cache, following the reference's
// CPU kernels by batch shape (see the comment on the kernel choice below and
// docs/engine.md). The arithmetic lives in kernels/attn_ops.h (a scalar
// reference and bit-identical SIMD variants); this file picks the kernel,
// hands it the K/V rows of each sequence and spreads the independent
// (token, head) work over the thread pool. Every output value is computed
// by one task the same way whichever thread runs it, so results do not
// depend on the thread count.
#include "model/layers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ledge::model {

namespace {

namespace attn = kernels::attn;

// The F16 cache follows the reference's fused CPU attention kernels, which
// differ by batch shape; results agree with it only if the same algorithm is
// used for the same shape:
//  * one pass ("one chunk"): the query rounded to F16, F16·F16 scores, online
//    softmax, and the weighted value sum accumulated in F16 — batches of
//    fewer than kTiledMinRows rows;
//  * tiled: F32 query, scores and accumulator, softmax per tile of
//    attn::kKvTile cells (sums in double) — batches of kTiledMinRows rows or more;
//  * split: a single-token decode over at least kSplitMinCells (padded) cells
//    runs the one-pass kernel on kSplitChunks contiguous cell ranges and
//    merges the partial results.
constexpr int kTiledMinRows = 64;
constexpr int kCellPad = 256;       // the reference pads the attended cell count to this
constexpr int kSplitMinCells = 512;
constexpr int kSplitChunks = 2;     // the reference's thread count when the golden data was made
// Tokens per task of the tiled kernel: each K/V tile is converted once for
// all of a task's queries (tokens x heads sharing the KV head).
constexpr int kTiledBlock = 16;

// Runs f(task, thread) for every task, on the pool when there is one (and
// scratch for each of its threads), else on the caller.
template <typename F>
void run_tasks(ForwardState& st, int64_t n_tasks, F&& f) {
  ThreadPool* pool = st.pool;
  if (pool != nullptr && pool->size() > 1 && n_tasks > 1 && size_t(pool->size()) <= st.attn_scratch.size()) {
    // parallel_for only fails on nested/concurrent use, which the engine's
    // single forward thread never does; fall back to the caller if it ever did.
    if (pool->parallel_for(n_tasks, f).ok()) return;
  }
  for (int64_t i = 0; i < n_tasks; ++i) f(i, 0);
}

int n_threads(const ForwardState& st) { return st.pool != nullptr ? st.pool->size() : 1; }

void store_kv(ForwardState& st, int il, const attn::Ops& ops) {
  const int kv_dim = st.hp->kv_dim();
  const bool f16 = st.cache->config().type == kv::KvType::F16;
  for (int t = 0; t < st.T; ++t) {
    const BatchToken& bt = st.batch[t];
    const float* k = st.k.data() + size_t(t) * kv_dim;
    const float* v = st.v.data() + size_t(t) * kv_dim;
    uint8_t* kd = st.cache->k_row(il, bt.seq, bt.pos);
    uint8_t* vd = st.cache->v_row(il, bt.seq, bt.pos);
    if (f16) {
      ops.fp32_to_fp16_row(k, reinterpret_cast<uint16_t*>(kd), kv_dim);
      ops.fp32_to_fp16_row(v, reinterpret_cast<uint16_t*>(vd), kv_dim);
    } else {
      std::memcpy(kd, k, sizeof(float) * kv_dim);
      std::memcpy(vd, v, sizeof(float) * kv_dim);
    }
  }
}

// s.k_rows[p], s.v_rows[p] = the F16 rows of KV head kv_head at cells
// [p0, p1) of one sequence. A cache block holds block_size consecutive
// positions at a stride of one cache row, so the block table is looked up
// once per block.
void gather_rows(const ForwardState& st, const kv::KvCache::LayerView& rows, int kv_head, int32_t p0, int32_t p1,
                 AttnScratch& s) {
  const int32_t bs = st.cache->config().block_size;
  const size_t stride = st.cache->row_bytes();
  const size_t off = size_t(kv_head) * size_t(st.hp->head_dim) * sizeof(uint16_t);
  for (int32_t p = p0; p < p1;) {
    const int32_t end = std::min(p1, (p / bs + 1) * bs);
    const uint8_t* k = rows.k(p) + off;
    const uint8_t* v = rows.v(p) + off;
    for (; p < end; ++p, k += stride, v += stride) {
      s.k_rows[size_t(p)] = reinterpret_cast<const uint16_t*>(k);
      s.v_rows[size_t(p)] = reinterpret_cast<const uint16_t*>(v);
    }
  }
}

float attn_scale(const HParams& hp) { return 1.0f / std::sqrt(float(hp.head_dim)); }

// One-pass kernel for query heads [h0, h1) of token t over its whole sequence.
void attend_one_pass(ForwardState& st, int il, const attn::Ops& ops, int t, int h0, int h1, AttnScratch& s) {
  const HParams& hp = *st.hp;
  const int hd = hp.head_dim, group = hp.n_head / hp.n_head_kv;
  const BatchToken& bt = st.batch[t];
  const int32_t n = bt.pos + 1;
  const kv::KvCache::LayerView rows = st.cache->layer_view(il, bt.seq);
  int gathered = -1;
  for (int h = h0; h < h1; ++h) {
    if (h / group != gathered) gather_rows(st, rows, gathered = h / group, 0, n, s);
    const float* q = st.q.data() + size_t(t) * hp.q_dim() + size_t(h) * hd;
    float* out = st.attn.data() + size_t(t) * hp.q_dim() + size_t(h) * hd;
    ops.fp32_to_fp16_row(q, s.q16.data(), hd);
    const attn::Partial p =
        ops.one_pass_f16(s.q16.data(), s.k_rows.data(), s.v_rows.data(), n, hd, attn_scale(hp), s.acc16.data(), out);
    const float inv = p.S == 0.0f ? 0.0f : 1.0f / p.S;
    for (int i = 0; i < hd; ++i) out[i] *= inv;
  }
}

// Batches of fewer than kTiledMinRows rows: one task per (token, KV head),
// or per (token, query head) when that is too few tasks to keep the threads busy.
void attention_one_pass(ForwardState& st, int il, const attn::Ops& ops) {
  const HParams& hp = *st.hp;
  const int group = hp.n_head / hp.n_head_kv;
  if (int64_t(st.T) * hp.n_head_kv >= 4 * int64_t(n_threads(st))) {
    run_tasks(st, int64_t(st.T) * hp.n_head_kv, [&](int64_t task, int thread) {
      const int t = int(task / hp.n_head_kv), kvh = int(task % hp.n_head_kv);
      attend_one_pass(st, il, ops, t, kvh * group, (kvh + 1) * group, st.attn_scratch[size_t(thread)]);
    });
  } else {
    run_tasks(st, int64_t(st.T) * hp.n_head, [&](int64_t task, int thread) {
      const int t = int(task / hp.n_head), h = int(task % hp.n_head);
      attend_one_pass(st, il, ops, t, h, h + 1, st.attn_scratch[size_t(thread)]);
    });
  }
}

// Single-token decode over >= kSplitMinCells padded cells: the one-pass
// kernel on kSplitChunks cell ranges (one task per query head and chunk),
// then the partial results merged in chunk order as the reference does.
void attention_split(ForwardState& st, int il, const attn::Ops& ops, int32_t padded) {
  const HParams& hp = *st.hp;
  const int hd = hp.head_dim, group = hp.n_head / hp.n_head_kv;
  const BatchToken& bt = st.batch[0];
  const int32_t n = bt.pos + 1;
  const int32_t chunk = (padded + kSplitChunks - 1) / kSplitChunks;
  const kv::KvCache::LayerView rows = st.cache->layer_view(il, bt.seq);
  run_tasks(st, int64_t(hp.n_head) * kSplitChunks, [&](int64_t task, int thread) {
    const int h = int(task / kSplitChunks), c = int(task % kSplitChunks);
    const size_t slot = size_t(h) * kSplitChunks + size_t(c);
    const int32_t c0 = c * chunk, c1 = std::min(n, c0 + chunk);
    if (c0 >= c1) {
      st.split_part[slot] = attn::Partial{};  // S = 0: skipped by the merge
      return;
    }
    AttnScratch& s = st.attn_scratch[size_t(thread)];
    gather_rows(st, rows, h / group, c0, c1, s);
    const float* q = st.q.data() + size_t(h) * hd;
    ops.fp32_to_fp16_row(q, s.q16.data(), hd);
    st.split_part[slot] = ops.one_pass_f16(s.q16.data(), s.k_rows.data() + c0, s.v_rows.data() + c0, c1 - c0, hd,
                                           attn_scale(hp), s.acc16.data(), st.split_out.data() + slot * size_t(hd));
  });
  for (int h = 0; h < hp.n_head; ++h) {
    float* out = st.attn.data() + size_t(h) * hd;
    attn::Partial total;
    std::fill(out, out + hd, 0.0f);
    for (int c = 0; c < kSplitChunks; ++c) {
      const size_t slot = size_t(h) * kSplitChunks + size_t(c);
      const attn::Partial p = st.split_part[slot];
      if (p.S == 0.0f) continue;
      const float* part = st.split_out.data() + slot * size_t(hd);
      const float m = std::max(total.M, p.M);
      const float so = std::exp(total.M - m), sn = std::exp(p.M - m);
      for (int i = 0; i < hd; ++i) out[i] = out[i] * so + part[i] * sn;
      total.S = total.S * so + p.S * sn;
      total.M = m;
    }
    const float inv = total.S == 0.0f ? 0.0f : 1.0f / total.S;
    for (int i = 0; i < hd; ++i) out[i] *= inv;
  }
}

// Batches of kTiledMinRows rows or more: one task per block of kTiledBlock
// tokens and KV head; the block's tokens of one sequence (and the group's
// query heads) go through the tiled kernel together.
void attention_tiled(ForwardState& st, int il, const attn::Ops& ops) {
  const HParams& hp = *st.hp;
  const int hd = hp.head_dim, group = hp.n_head / hp.n_head_kv;
  const int n_blocks = (st.T + kTiledBlock - 1) / kTiledBlock;
  run_tasks(st, int64_t(n_blocks) * hp.n_head_kv, [&](int64_t task, int thread) {
    // Later blocks attend to more cells: hand them out first.
    const int b = n_blocks - 1 - int(task / hp.n_head_kv), kvh = int(task % hp.n_head_kv);
    AttnScratch& s = st.attn_scratch[size_t(thread)];
    const int t_end = std::min(st.T, (b + 1) * kTiledBlock);
    for (int t0 = b * kTiledBlock; t0 < t_end;) {
      // A run of consecutive tokens of one sequence.
      const kv::SeqId seq = st.batch[t0].seq;
      int t1 = t0;
      int32_t n_max = 0;
      int nq = 0;
      for (; t1 < t_end && st.batch[t1].seq == seq; ++t1) {
        n_max = std::max(n_max, st.batch[t1].pos + 1);
        for (int h = kvh * group; h < (kvh + 1) * group; ++h) {
          const size_t off = size_t(t1) * hp.q_dim() + size_t(h) * hd;
          s.queries[size_t(nq++)] = attn::TiledQuery{st.q.data() + off, st.attn.data() + off, st.batch[t1].pos + 1};
        }
      }
      gather_rows(st, st.cache->layer_view(il, seq), kvh, 0, n_max, s);
      ops.tiled_f16(s.queries.data(), nq, s.k_rows.data(), s.v_rows.data(), hd, attn_scale(hp), s.work.data());
      t0 = t1;
    }
  });
}

// F32 cache: plain scaled-dot-product attention with a two-pass softmax.
void attend_f32(ForwardState& st, int il, const BatchToken& bt, const float* q, float* out, int kv_head, float* sc) {
  const kv::KvCache::LayerView rows = st.cache->layer_view(il, bt.seq);  // block table resolved once
  const int hd = st.hp->head_dim;
  const float scale = attn_scale(*st.hp);
  float mx = -INFINITY;
  for (int32_t p = 0; p <= bt.pos; ++p) {
    const float* k = reinterpret_cast<const float*>(rows.k(p)) + size_t(kv_head) * hd;
    float dot = 0.0f;
    for (int i = 0; i < hd; ++i) dot += k[i] * q[i];
    sc[p] = dot * scale;
    mx = std::max(mx, sc[p]);
  }
  double sum = 0.0;
  for (int32_t p = 0; p <= bt.pos; ++p) sum += double(sc[p] = std::exp(sc[p] - mx));
  const float inv = float(1.0 / sum);
  std::memset(out, 0, sizeof(float) * hd);
  for (int32_t p = 0; p <= bt.pos; ++p) {
    const float* v = reinterpret_cast<const float*>(rows.v(p)) + size_t(kv_head) * hd;
    const float w = sc[p] * inv;
    for (int i = 0; i < hd; ++i) out[i] += w * v[i];
  }
}

}  // namespace

void size_attention_scratch(ForwardState& st, int max_ctx, int n_threads) {
  const HParams& hp = *st.hp;
  const int group = hp.n_head / hp.n_head_kv;
  const int max_queries = kTiledBlock * group;
  st.attn_scratch.resize(size_t(std::max(1, n_threads)));
  for (AttnScratch& s : st.attn_scratch) {
    s.k_rows.assign(size_t(max_ctx), nullptr);
    s.v_rows.assign(size_t(max_ctx), nullptr);
    s.q16.assign(size_t(hp.head_dim), 0);
    s.acc16.assign(size_t(hp.head_dim), 0);
    s.work.assign(std::max(size_t(max_ctx), attn::tiled_scratch_floats(hp.head_dim, max_queries)), 0.0f);
    s.queries.assign(size_t(max_queries), attn::TiledQuery{});
  }
  st.split_out.assign(size_t(hp.n_head) * kSplitChunks * size_t(hp.head_dim), 0.0f);
  st.split_part.assign(size_t(hp.n_head) * kSplitChunks, attn::Partial{});
}

void attention(ForwardState& st, int il) {
  const HParams& hp = *st.hp;
  const attn::Ops& ops = attn::ops();
  store_kv(st, il, ops);
  if (st.cache->config().type != kv::KvType::F16) {
    const int group = hp.n_head / hp.n_head_kv;
    run_tasks(st, int64_t(st.T) * hp.n_head, [&](int64_t task, int thread) {
      const int t = int(task / hp.n_head), h = int(task % hp.n_head);
      const float* q = st.q.data() + size_t(t) * hp.q_dim() + size_t(h) * hp.head_dim;
      float* out = st.attn.data() + size_t(t) * hp.q_dim() + size_t(h) * hp.head_dim;
      attend_f32(st, il, st.batch[t], q, out, h / group, st.attn_scratch[size_t(thread)].work.data());
    });
    return;
  }
  if (st.T >= kTiledMinRows) {
    attention_tiled(st, il, ops);
    return;
  }
  if (st.T == 1) {
    const int32_t n = st.batch[0].pos + 1;
    const int32_t padded = (n + kCellPad - 1) / kCellPad * kCellPad;
    if (padded >= kSplitMinCells) {
      attention_split(st, il, ops, padded);
      return;
    }
  }
  attention_one_pass(st, il, ops);
}

}  // namespace ledge::model
