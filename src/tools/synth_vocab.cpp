#include "tools/synth_vocab.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "tokenizer/byte_unicode.h"

namespace ledge::tools {
namespace {

// Original text written for this purpose: a mix of prose, numbers and code
// so the learned merges look like real subwords.
constexpr std::string_view kCorpus =
    "The small model ran on the edge server and answered every question in a few milliseconds. "
    "When the network was slow, the server kept working, because the weights were stored on the local disk. "
    "Engineers measured the time to the first token, the tokens per second and the memory that the process used. "
    "They wrote the results into a table and compared them with the numbers of the other implementation. "
    "A model with more layers is slower, but it is also better at following the instructions of the user. "
    "The cache holds the keys and the values of the attention layers, so the next token is cheaper to compute. "
    "In the morning the operators check the logs, restart the services that failed and read the reports. "
    "int main(int argc, char** argv) { for (int i = 0; i < argc; ++i) { printf(\"%s\\n\", argv[i]); } return 0; }\n"
    "def generate(prompt, max_tokens=128):\n    tokens = tokenize(prompt)\n    for step in range(max_tokens):\n"
    "        logits = model.forward(tokens)\n        tokens.append(sample(logits))\n    return detokenize(tokens)\n"
    "There were 1024 requests in 60 seconds, 17 of them failed and 3 were retried after 250 ms. "
    "Please summarize the following document, answer in one sentence and then list the three main points.";

constexpr std::string_view kSpecials[] = {"<s>", "</s>", "<|im_start|>", "<|im_end|>"};

constexpr std::string_view kChatTemplate =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

bool is_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Words roughly as a GPT-2 pre-tokenizer would cut them: an optional
// leading space with a run of letters, single digits, punctuation runs.
std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    if (text[j] == ' ' && j + 1 < text.size()) ++j;
    unsigned char c = static_cast<unsigned char>(text[j]);
    if (is_letter(c)) {
      while (j < text.size() && is_letter(static_cast<unsigned char>(text[j]))) ++j;
    } else if (is_digit(c)) {
      ++j;
    } else {
      ++j;
      while (j < text.size() && !is_letter(static_cast<unsigned char>(text[j])) &&
             !is_digit(static_cast<unsigned char>(text[j])) && text[j] != ' ')
        ++j;
    }
    words.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

// Greedy BPE training: repeatedly merge the most frequent adjacent pair
// (ties: the lexicographically smallest pair) until `budget` merges are made
// or no pair occurs twice.
void learn_merges(SynthVocab& v, std::unordered_set<std::string>& known, size_t budget) {
  const auto& bu = tokenizer::ByteUnicode::instance();
  std::map<std::string, int> counts;
  for (const std::string& w : split_words(kCorpus)) ++counts[w];
  std::vector<std::pair<std::vector<std::string>, int>> words;
  for (const auto& [w, n] : counts) {
    std::vector<std::string> syms;
    for (unsigned char b : w) syms.push_back(bu.encode_byte(b));
    words.emplace_back(std::move(syms), n);
  }
  while (v.merges.size() < budget) {
    std::map<std::pair<std::string, std::string>, int> pairs;
    for (const auto& [syms, n] : words)
      for (size_t k = 0; k + 1 < syms.size(); ++k) pairs[{syms[k], syms[k + 1]}] += n;
    const std::pair<std::string, std::string>* best = nullptr;
    int best_n = 1;
    for (const auto& [p, n] : pairs) {
      if (n > best_n && known.count(p.first + p.second) == 0) {
        best = &p;
        best_n = n;
      }
    }
    if (best == nullptr) return;
    const std::string left = best->first, right = best->second, joined = left + right;
    for (auto& [syms, n] : words) {
      std::vector<std::string> next;
      for (size_t k = 0; k < syms.size(); ++k) {
        if (k + 1 < syms.size() && syms[k] == left && syms[k + 1] == right) {
          next.push_back(joined);
          ++k;
        } else {
          next.push_back(syms[k]);
        }
      }
      syms = std::move(next);
    }
    v.merges.push_back(left + " " + right);
    v.tokens.push_back(joined);
    v.token_types.push_back(1);
    known.insert(joined);
  }
}

// Filler merges: every known token extended by one lowercase letter, in id
// order, so each new token is reachable from shorter ones.
void fill_merges(SynthVocab& v, std::unordered_set<std::string>& known, size_t budget) {
  for (size_t i = 0; v.merges.size() < budget && i < v.tokens.size(); ++i) {
    for (char c = 'a'; c <= 'z' && v.merges.size() < budget; ++c) {
      const std::string left = v.tokens[i], right(1, c), joined = left + right;
      if (known.count(joined) != 0) continue;
      v.merges.push_back(left + " " + right);
      v.tokens.push_back(joined);
      v.token_types.push_back(1);
      known.insert(joined);
    }
  }
}

}  // namespace

Result<SynthVocab> make_synth_vocab(int64_t n_vocab) {
  constexpr int64_t kMax = int64_t{1} << 22;
  if (n_vocab < kMinSynthVocab || n_vocab > kMax)
    return Error{"vocabulary size " + std::to_string(n_vocab) + " is out of range [" +
                 std::to_string(kMinSynthVocab) + ", " + std::to_string(kMax) + "]"};
  SynthVocab v;
  std::unordered_set<std::string> known;
  const auto& bu = tokenizer::ByteUnicode::instance();
  for (int b = 0; b < 256; ++b) {
    v.tokens.push_back(bu.encode_byte(static_cast<uint8_t>(b)));
    v.token_types.push_back(1);
    known.insert(v.tokens.back());
  }
  for (std::string_view s : kSpecials) known.insert(std::string(s));
  const size_t n_specials = std::size(kSpecials);
  const size_t budget = static_cast<size_t>(n_vocab) - 256 - n_specials;
  learn_merges(v, known, budget);
  fill_merges(v, known, budget);
  if (v.merges.size() != budget) return Error{"could not build " + std::to_string(n_vocab) + " distinct tokens"};
  for (std::string_view s : kSpecials) {
    v.tokens.emplace_back(s);
    v.token_types.push_back(3);
  }
  const int32_t first_special = static_cast<int32_t>(v.tokens.size() - n_specials);
  v.bos = first_special;
  v.eos = first_special + 1;
  v.eot = first_special + 3;
  return v;
}

Status add_synth_vocab_kvs(gguf::Writer& w, const SynthVocab& v, const std::string& pre) {
  using gguf::make_value;
  using gguf::ValueType;
  std::vector<gguf::Value> tokens, types, merges;
  tokens.reserve(v.tokens.size());
  for (const auto& t : v.tokens) tokens.push_back(make_value(t));
  types.reserve(v.token_types.size());
  for (int32_t t : v.token_types) types.push_back(make_value(t));
  merges.reserve(v.merges.size());
  for (const auto& m : v.merges) merges.push_back(make_value(m));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.model", make_value("gpt2")));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.pre", make_value(pre)));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.tokens", gguf::make_array(ValueType::STRING, std::move(tokens))));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.token_type", gguf::make_array(ValueType::INT32, std::move(types))));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.merges", gguf::make_array(ValueType::STRING, std::move(merges))));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.bos_token_id", make_value(static_cast<uint32_t>(v.bos))));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.eos_token_id", make_value(static_cast<uint32_t>(v.eos))));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.eot_token_id", make_value(static_cast<uint32_t>(v.eot))));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.padding_token_id", make_value(static_cast<uint32_t>(v.eos))));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.add_bos_token", make_value(true)));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.ggml.add_eos_token", make_value(false)));
  LEDGE_RETURN_IF_ERROR(w.add_kv("tokenizer.chat_template", make_value(std::string(kChatTemplate))));
  return Status::Ok();
}

}  // namespace ledge::tools
