// Byte-level BPE pre-tokenizers, selected by `tokenizer.ggml.pre`. Each preset
// is the list of regexes llama.cpp applies one after another: every regex
// splits each piece produced by the previous one into its matches and the
// gaps between them (nothing is dropped). Also carries the per-preset
// tokenizer flags llama.cpp ties to the pre-tokenizer name.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"

namespace ledge::tokenizer {

struct PreTokenizerPreset {
  std::string_view name;                // canonical name (first alias)
  std::vector<std::string_view> regexes;
  bool clean_spaces = true;             // undo " ," / " 's" style spacing when decoding
  bool ignore_merges = false;           // a piece that is already a token skips the merges
  bool add_bos = false;                 // default for tokenizer.ggml.add_bos_token
  bool has_bos = true;                  // false: the model has no BOS token at all
  bool add_sep = false;                 // default for tokenizer.ggml.add_sep_token
};

// The preset for a `tokenizer.ggml.pre` value ("" = missing key: llama.cpp
// falls back to its default regexes). Unknown names are an error that names
// the value.
Result<const PreTokenizerPreset*> find_pre_tokenizer(std::string_view pre);

// Every name find_pre_tokenizer accepts (for diagnostics and tests).
std::vector<std::string_view> supported_pre_tokenizers();

}  // namespace ledge::tokenizer
