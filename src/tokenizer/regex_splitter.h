// Runs a pre-tokenizer's regex list over text with ICU, the way llama.cpp's
// unicode_regex_split does: regex k splits every piece left by regex k-1
// into matches and the gaps between them (each piece is matched on its own,
// so lookaheads and `$` stop at the piece end). Non-ASCII whitespace is seen
// by the regexes as U+000B, as in llama.cpp, so explicit character ranges
// never match it; the pieces returned are ranges of the original text.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ledge::tokenizer {

class RegexSplitter {
 public:
  static Result<RegexSplitter> compile(const std::vector<std::string_view>& regexes);

  // Appends the pieces of `text` (valid UTF-8) as (byte offset, byte length)
  // to `pieces`, in order; together they cover `text` exactly.
  Status split(std::string_view text, std::vector<std::pair<size_t, size_t>>& pieces) const;

 private:
  struct Patterns;  // the compiled ICU patterns (kept out of this header)
  std::shared_ptr<const Patterns> patterns_;
};

}  // namespace ledge::tokenizer
