// A deterministic byte-level BPE vocabulary of any size (>= 300 tokens) for
// synthetic models, so they tokenize and detokenize real text without
// shipping a vocab file: 256 byte tokens, merges learned greedily from a
// small built-in corpus, then systematic filler merges (token + letter)
// until the requested size, then the special tokens. Same size -> same
// vocabulary, byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "gguf/gguf_writer.h"

namespace ledge::tools {

struct SynthVocab {
  std::vector<std::string> tokens;   // GPT-2 byte-level text form
  std::vector<int32_t> token_types;  // 1 normal, 3 control
  std::vector<std::string> merges;   // "left right", by rank
  int32_t bos = -1, eos = -1, eot = -1;
};

inline constexpr int64_t kMinSynthVocab = 300;

// Fails for n_vocab < kMinSynthVocab or absurdly large sizes.
Result<SynthVocab> make_synth_vocab(int64_t n_vocab);

// Appends the tokenizer.* keys as the converter writes them for a GPT-2
// style BPE vocabulary, plus a ChatML chat template. `pre` names the
// pre-tokenizer (e.g. "smollm", "qwen2", "llama-bpe").
Status add_synth_vocab_kvs(gguf::Writer& w, const SynthVocab& v, const std::string& pre);

}  // namespace ledge::tools
