// Splits input text around special-token texts before the model tokenizer
// runs. Mirrors llama.cpp: special tokens are tried longest text first, each
// one cutting every remaining text fragment at all of its occurrences.
// Control and unknown tokens are only recognised when parse_special is set;
// user-defined tokens are always recognised (Hugging Face treats them as
// added tokens that split the text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ledge::tokenizer {

class Vocab;

struct Fragment {
  int32_t token;  // kNoToken for a text fragment
  size_t offset;  // text fragments: byte range in the input
  size_t length;
  bool is_text() const { return token < 0; }
};

std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text, bool parse_special);

}  // namespace ledge::tokenizer
