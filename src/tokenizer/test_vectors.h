// llama.cpp's tokenizer test-vector format: `X.inp` holds the input strings,
// each followed by the line "__ggml_vocab_test__"; `X.out` holds one line
// per input with the expected ids, space separated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ledge::tokenizer {

struct TestVector {
  std::string input;
  std::vector<int32_t> expected;
};

// Parses the two files' contents; fails when the case counts differ or an
// id is not a number, naming the line.
Result<std::vector<TestVector>> parse_test_vectors(std::string_view inp, std::string_view out);

// Reads and parses the two files.
Result<std::vector<TestVector>> read_test_vectors(const std::string& inp_path, const std::string& out_path);

}  // namespace ledge::tokenizer
