// Real-data checks against llama.cpp: every tensor of the synth-llama-spm512
// models (quantized by llama-quantize from synth-llama-spm512-F32.gguf)
// dequantizes to within its format's error budget of the F32 source, and
// re-quantizing the F32 source with our reference quantizers reproduces
// llama-quantize's bytes exactly (it uses the reference quantizers when no
// imatrix is given). Both catch layout bugs that self-consistency tests miss.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "kernel_test_util.h"
#include "kernels/gemv.h"
#include "support/fixtures.h"

namespace ledge::kernels {
namespace {

const char* const kQuantFiles[] = {"F16",  "BF16", "Q8_0", "Q4_0",   "Q4_1",   "Q5_0",
                                   "Q5_1", "Q6_K", "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M"};

std::string model_path(const std::string& suffix) {
  return ledge::test::fixture("models/synth-llama-spm512-" + suffix + ".gguf").string();
}

class FixtureModel : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    auto f = gguf::File::open(model_path("F32"));
    ASSERT_TRUE(f.ok()) << f.message();
    source_ = new gguf::File(std::move(f.value()));
  }
  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
  }

  // F32 source data of the tensor with the same name and shape.
  static std::vector<float> source_of(const gguf::TensorInfo& t) {
    const gguf::TensorInfo* s = source_->find_tensor(t.name);
    EXPECT_NE(s, nullptr) << t.name;
    if (!s) return {};
    EXPECT_EQ(s->type, TensorType::F32);
    for (int d = 0; d < 4; ++d) EXPECT_EQ(s->ne[d], t.ne[d]) << t.name << " dim " << d;
    const auto bytes = source_->tensor_data(*s);
    std::vector<float> v(s->n_elements);
    EXPECT_EQ(bytes.size(), v.size() * sizeof(float));
    std::memcpy(v.data(), bytes.data(), std::min(bytes.size(), v.size() * sizeof(float)));
    return v;
  }

  static gguf::File* source_;
};
gguf::File* FixtureModel::source_ = nullptr;

TEST_P(FixtureModel, DequantizedTensorsMatchF32SourceWithinBudget) {
  auto f = gguf::File::open(model_path(GetParam()));
  ASSERT_TRUE(f.ok()) << f.message();
  int checked = 0;
  for (const auto& t : f->tensors()) {
    SCOPED_TRACE(t.name + " (" + std::string(gguf::tensor_type_name(t.type)) + ")");
    const TypeInfo* info = type_info(t.type);
    ASSERT_NE(info, nullptr);
    const auto src = source_of(t);
    ASSERT_EQ(src.size(), t.n_elements);
    const auto bytes = f->tensor_data(t);
    const auto row = static_cast<int64_t>(t.ne[0]);
    const int64_t rows = static_cast<int64_t>(t.n_elements) / row;
    ASSERT_EQ(bytes.size(), row_bytes(t.type, row) * rows);
    std::vector<float> deq(t.n_elements);
    for (int64_t r = 0; r < rows; ++r) {
      ASSERT_TRUE(dequantize_row(t.type, bytes.data() + r * row_bytes(t.type, row), deq.data() + r * row, row).ok());
    }
    const double rel = test::rmse(src, deq) / test::rms(src);
    if (t.type == TensorType::F32) {
      EXPECT_EQ(rel, 0.0);
    } else {
      EXPECT_LE(rel, test::relative_rmse_budget(t.type));
      EXPECT_GT(rel, test::relative_rmse_budget(t.type) / 10) << "suspiciously exact";
      ++checked;
    }
  }
  EXPECT_GE(checked, 16) << "every matrix of the model is quantized";
}

TEST_P(FixtureModel, ReferenceQuantizersReproduceLlamaQuantizeBytes) {
  auto f = gguf::File::open(model_path(GetParam()));
  ASSERT_TRUE(f.ok()) << f.message();
  int compared = 0;
  for (const auto& t : f->tensors()) {
    if (t.type == TensorType::F32) continue;
    ++compared;
    SCOPED_TRACE(t.name + " (" + std::string(gguf::tensor_type_name(t.type)) + ")");
    const TypeInfo* ref = reference_type_info(t.type);
    ASSERT_NE(ref, nullptr);
    const auto src = source_of(t);
    const auto row = static_cast<int64_t>(t.ne[0]);
    const int64_t rows = static_cast<int64_t>(t.n_elements) / row;
    const uint64_t rb = row_bytes(t.type, row);
    const auto expected = f->tensor_data(t);
    ASSERT_EQ(expected.size(), rb * rows);
    std::vector<uint8_t> mine(rb * rows);
    for (int64_t r = 0; r < rows; ++r) ref->kernels.quantize(src.data() + r * row, mine.data() + r * rb, row);
    int64_t differing_rows = 0, first = -1;
    for (int64_t r = 0; r < rows; ++r) {
      if (std::memcmp(mine.data() + r * rb, expected.data() + r * rb, rb) != 0) {
        ++differing_rows;
        if (first < 0) first = r;
      }
    }
    EXPECT_EQ(differing_rows, 0) << "of " << rows << " rows; first at row " << first;
  }
  EXPECT_EQ(compared, 16);
}

// gemv over real quantized matrices agrees with the f32 product of the
// dequantized rows and the dequantized (activation-quantized) input.
TEST_P(FixtureModel, GemvOnRealWeights) {
  auto f = gguf::File::open(model_path(GetParam()));
  ASSERT_TRUE(f.ok()) << f.message();
  GemvScratch scratch;
  for (const auto& t : f->tensors()) {
    if (t.n_dims != 2) continue;
    SCOPED_TRACE(t.name);
    const auto row = static_cast<int64_t>(t.ne[0]);
    const int64_t rows = std::min<int64_t>(static_cast<int64_t>(t.ne[1]), 64);
    const auto x = test::gaussian(static_cast<size_t>(row), 77);
    std::vector<float> y(rows);
    ASSERT_TRUE(gemv(t.type, f->tensor_data(t).data(), rows, row, x.data(), y.data(), scratch).ok());
    const TensorType at = type_info(t.type)->vec_dot_type;
    const auto xd = test::dequantized(at, test::quantized(at, x), row);
    std::vector<float> wrow(row);
    for (int64_t r = 0; r < rows; ++r) {
      ASSERT_TRUE(dequantize_row(t.type, f->tensor_data(t).data() + r * row_bytes(t.type, row), wrow.data(), row).ok());
      double ref = 0, abs_sum = 0;
      for (int64_t i = 0; i < row; ++i) {
        ref += static_cast<double>(wrow[i]) * xd[i];
        abs_sum += std::fabs(static_cast<double>(wrow[i]) * xd[i]);
      }
      // Q4_1/Q5_1 route the block offset through Q8_1's fp16 sum field.
      const bool fp16_s = t.type == TensorType::Q4_1 || t.type == TensorType::Q5_1;
      EXPECT_NEAR(y[r], ref, (fp16_s ? 2e-3 : 3e-6) * abs_sum) << "row " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SynthLlamaSpm512, FixtureModel, ::testing::ValuesIn(kQuantFiles),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

// The BPE families ship no F32 source, but their Q8_0 and Q4_K_M files come
// from the same F32 weights: Q8_0 is nearly exact, so the Q4_K_M tensors
// (Q4_K, and Q6_K for the 32256-row tied embedding) must match the Q8_0
// dequantization within the sum of the two budgets.
TEST(FixtureModelPairs, QuantizedFamiliesAgreeWithTheirQ8_0) {
  for (const std::string family : {"synth-llama-bpe-dscoder", "synth-qwen2-bpe-dscoder"}) {
    SCOPED_TRACE(family);
    auto q8 = gguf::File::open(ledge::test::fixture("models/" + family + "-Q8_0.gguf").string());
    auto q4 = gguf::File::open(ledge::test::fixture("models/" + family + "-Q4_K_M.gguf").string());
    ASSERT_TRUE(q8.ok()) << q8.message();
    ASSERT_TRUE(q4.ok()) << q4.message();
    int compared = 0;
    for (const auto& t : q4->tensors()) {
      if (t.type == TensorType::F32) continue;
      SCOPED_TRACE(t.name);
      const gguf::TensorInfo* r = q8->find_tensor(t.name);
      ASSERT_NE(r, nullptr);
      ASSERT_EQ(r->type, TensorType::Q8_0);
      ASSERT_EQ(r->n_elements, t.n_elements);
      const auto row = static_cast<int64_t>(t.ne[0]);
      const int64_t rows = static_cast<int64_t>(t.n_elements) / row;
      std::vector<float> a(t.n_elements), b(t.n_elements);
      for (int64_t i = 0; i < rows; ++i) {
        ASSERT_TRUE(dequantize_row(t.type, q4->tensor_data(t).data() + i * row_bytes(t.type, row), a.data() + i * row, row).ok());
        ASSERT_TRUE(dequantize_row(TensorType::Q8_0, q8->tensor_data(*r).data() + i * row_bytes(TensorType::Q8_0, row),
                                   b.data() + i * row, row)
                        .ok());
      }
      const double rel = test::rmse(a, b) / test::rms(b);
      EXPECT_LE(rel, test::relative_rmse_budget(t.type) + test::relative_rmse_budget(TensorType::Q8_0));
      EXPECT_GT(rel, test::relative_rmse_budget(t.type) / 10);
      ++compared;
    }
    EXPECT_EQ(compared, 15);
  }
}

}  // namespace
}  // namespace ledge::kernels
