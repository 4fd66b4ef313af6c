// The raw `tokenizer.ggml.*` values of a GGUF file, before any validation of
// how they fit together. Kept separate from Vocab so tests (and other
// containers) can hand a Vocab arbitrary, possibly broken, metadata.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ledge::gguf {
class File;
}

namespace ledge::tokenizer {

struct VocabMetadata {
  std::string model;                        // tokenizer.ggml.model
  std::optional<std::string> pre;           // tokenizer.ggml.pre
  std::vector<std::string> tokens;          // tokenizer.ggml.tokens
  std::optional<std::vector<float>> scores;             // tokenizer.ggml.scores
  std::optional<std::vector<int64_t>> token_types;      // tokenizer.ggml.token_type
  std::optional<std::vector<std::string>> merges;       // tokenizer.ggml.merges
  // (full key, raw value) for every `tokenizer.ggml.*_token_id` present.
  std::vector<std::pair<std::string, int64_t>> special_ids;
  std::optional<bool> add_bos, add_eos, add_sep, add_space_prefix;
  std::optional<bool> lowercase, strip_accents;  // tokenizer.ggml.normalizer.*
  std::string general_name;                      // general.name (a few fixes key on it)
  std::string architecture;                      // general.architecture
};

// The special-token id keys a vocab may carry, in the order they are applied.
const std::vector<std::string>& special_id_keys();

// Reads every tokenizer key of `file`. Fails when a required key is missing
// or a key has the wrong type; the error names the key.
Result<VocabMetadata> read_vocab_metadata(const gguf::File& file);

}  // namespace ledge::tokenizer
