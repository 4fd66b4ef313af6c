// Turns a stream of token ids into text one token at a time, emitting only
// complete UTF-8 characters. A character split over several tokens (SPM byte
// tokens <0xE6><0x97><0xA5>, or byte-level BPE pieces) is held back until
// its last byte arrives; bytes that can never form a character come out as
// U+FFFD (one per maximal invalid subsequence, as Python, ICU and llama-server's
// JSON output do), so every chunk returned is valid UTF-8.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace ledge::tokenizer {

class Tokenizer;

class StreamingDetokenizer {
 public:
  // render_special: control tokens show their text. strip_leading_space: drop
  // the SentencePiece space in front of the very first piece (for decoding a
  // prompt from its start; generation continuing a prompt keeps it).
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool render_special = false,
                                bool strip_leading_space = false);

  // Adds one token; returns the text that became complete (possibly "").
  // Fails only for an id outside the vocab.
  Result<std::string> push(int32_t id);
  // Ends the stream: bytes still held back come out as U+FFFD.
  std::string finish();
  // Bytes currently held back (0..3).
  size_t pending_bytes() const { return pending_.size(); }

 private:
  // Moves every complete or definitely broken sequence from pending_ to the
  // result, keeping a trailing incomplete one.
  std::string drain(bool at_end);

  const Tokenizer& tokenizer_;
  bool render_special_;
  bool strip_space_;
  std::string pending_;
};

}  // namespace ledge::tokenizer
