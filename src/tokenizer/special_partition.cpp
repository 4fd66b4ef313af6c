#include "tokenizer/special_partition.h"

#include <bitset>

#include "tokenizer/vocab.h"

namespace ledge::tokenizer {

namespace {
// The C library's isspace in the "C" locale (what the strip attributes use).
bool is_c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}  // namespace

std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, 0, text.size()});

  // Cheap filter: a token can only occur if its first byte does.
  std::bitset<256> present;
  for (char c : text) present.set(static_cast<uint8_t>(c));

  std::vector<Fragment> next;
  for (const int32_t id : vocab.special_tokens_longest_first()) {
    const TokenData& tok = vocab.token(id);
    if (!parse_special && (tok.attrs & (kAttrControl | kAttrUnknown))) continue;
    const std::string_view needle = tok.text;
    if (!present.test(static_cast<uint8_t>(needle[0]))) continue;

    bool changed = false;
    next.clear();
    for (const Fragment& f : fragments) {
      if (!f.is_text() || f.length < needle.size()) {
        next.push_back(f);
        continue;
      }
      size_t begin = f.offset;
      const size_t end = f.offset + f.length;
      while (begin < end) {
        const size_t hit = text.substr(0, end).find(needle, begin);
        if (hit == std::string_view::npos) break;
        changed = true;
        size_t left_end = hit;
        if (tok.attrs & kAttrLStrip) {
          while (left_end > begin && is_c_space(text[left_end - 1])) --left_end;
        }
        if (left_end > begin) next.push_back({kNoToken, begin, left_end - begin});
        next.push_back({id, 0, 0});
        begin = hit + needle.size();
        if (tok.attrs & kAttrRStrip) {
          while (begin < end && is_c_space(text[begin])) ++begin;
        }
      }
      if (begin < end) next.push_back({kNoToken, begin, end - begin});
    }
    if (changed) fragments.swap(next);
  }
  return fragments;
}

}  // namespace ledge::tokenizer
