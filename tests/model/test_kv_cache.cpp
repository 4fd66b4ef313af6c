#include <gtest/gtest.h>

#include <cstring>

#include "kvcache/kv_cache.h"

namespace ledge::kv {
namespace {

KvCache make(int n_blocks, int block_size = 4) {
  KvCacheConfig c;
  c.n_layer = 2;
  c.kv_dim = 3;
  c.block_size = block_size;
  c.n_blocks = n_blocks;
  c.type = KvType::F32;
  auto r = KvCache::create(c);
  EXPECT_TRUE(r.ok()) << r.message();
  return std::move(r).value();
}

void put(KvCache& c, SeqId s, int32_t pos, float v) {
  for (int l = 0; l < 2; ++l) {
    float row[3] = {v, v + 1, float(l)};
    std::memcpy(c.k_row(l, s, pos), row, sizeof row);
    std::memcpy(c.v_row(l, s, pos), row, sizeof row);
  }
}

float get(const KvCache& c, SeqId s, int32_t pos, int layer = 1) {
  float row[3];
  std::memcpy(row, c.k_row(layer, s, pos), sizeof row);
  EXPECT_EQ(row[2], float(layer));
  return row[0];
}

TEST(KvCache, AllocatesBlocksOnDemandAndFreesThem) {
  KvCache c = make(4);
  SeqId s = c.new_sequence();
  ASSERT_TRUE(c.prepare_write(s, 0, 6).ok());  // 2 blocks of 4
  EXPECT_EQ(c.free_blocks(), 2);
  for (int p = 0; p < 6; ++p) put(c, s, p, float(p));
  c.commit(s, 6);
  EXPECT_EQ(c.length(s), 6);
  for (int p = 0; p < 6; ++p) EXPECT_EQ(get(c, s, p), float(p));
  c.free_sequence(s);
  EXPECT_EQ(c.free_blocks(), 4);
}

TEST(KvCache, FailsCleanlyWhenFullAndRejectsGaps) {
  KvCache c = make(2);
  SeqId s = c.new_sequence();
  auto st = c.prepare_write(s, 0, 9);  // needs 3 blocks
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("full"), std::string::npos);
  EXPECT_EQ(c.free_blocks(), 2);  // nothing taken
  EXPECT_FALSE(c.prepare_write(s, 1, 1).ok());  // gap after length 0
}

TEST(KvCache, ForkSharesPrefixAndCopiesOnWrite) {
  KvCache c = make(6);
  SeqId a = c.new_sequence();
  ASSERT_TRUE(c.prepare_write(a, 0, 6).ok());
  for (int p = 0; p < 6; ++p) put(c, a, p, float(p));
  c.commit(a, 6);
  auto b = c.fork(a, 6);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(c.free_blocks(), 4);  // shared, not copied
  EXPECT_EQ(c.block_refcount(c.block_table(a)[0]), 2);
  // Writing position 6 of b touches the shared second block: it gets a copy.
  ASSERT_TRUE(c.prepare_write(*b, 6, 1).ok());
  put(c, *b, 6, 100.f);
  put(c, *b, 5, 55.f);
  c.commit(*b, 7);
  EXPECT_EQ(get(c, a, 5), 5.f);    // a unchanged
  EXPECT_EQ(get(c, *b, 5), 55.f);
  EXPECT_EQ(get(c, *b, 0), 0.f);   // first block still shared
  EXPECT_EQ(c.block_table(a)[0], c.block_table(*b)[0]);
  EXPECT_NE(c.block_table(a)[1], c.block_table(*b)[1]);
  c.free_sequence(a);
  c.free_sequence(*b);
  EXPECT_EQ(c.free_blocks(), 6);
  EXPECT_FALSE(c.fork(a, 1).ok());
}

TEST(KvCache, LayerViewAddressesTheSameRowsAsRowLookups) {
  KvCache c = make(6);
  SeqId a = c.new_sequence();
  ASSERT_TRUE(c.prepare_write(a, 0, 9).ok());
  c.commit(a, 9);
  auto b = c.fork(a, 9);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(c.prepare_write(*b, 9, 3).ok());  // copy-on-write of the shared tail block
  c.commit(*b, 12);
  for (SeqId s : {a, *b}) {
    for (int l = 0; l < 2; ++l) {
      const KvCache::LayerView view = c.layer_view(l, s);
      for (int32_t p = 0; p < c.length(s); ++p) {
        EXPECT_EQ(view.k(p), c.k_row(l, s, p)) << "seq " << s << " layer " << l << " pos " << p;
        EXPECT_EQ(view.v(p), c.v_row(l, s, p)) << "seq " << s << " layer " << l << " pos " << p;
      }
    }
  }
}

TEST(KvCache, TruncateReleasesTailBlocks) {
  KvCache c = make(4);
  SeqId s = c.new_sequence();
  ASSERT_TRUE(c.prepare_write(s, 0, 12).ok());
  c.commit(s, 12);
  c.truncate(s, 5);
  EXPECT_EQ(c.length(s), 5);
  EXPECT_EQ(c.free_blocks(), 2);
}

TEST(KvCache, RejectsAbsurdConfig) {
  KvCacheConfig cfg;
  cfg.n_layer = 1 << 20;
  cfg.kv_dim = 1 << 20;
  cfg.n_blocks = 1 << 20;
  EXPECT_FALSE(KvCache::create(cfg).ok());
  EXPECT_FALSE(KvCache::create(KvCacheConfig{}).ok());
}

}  // namespace
}  // namespace ledge::kv
