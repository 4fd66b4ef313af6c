// `ledge check-tokenizer VOCAB.gguf INP OUT`: runs llama.cpp-format test
// vectors (add_special = false, parse_special = false) and reports failures.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "tokenizer/test_vectors.h"
#include "tokenizer/tokenizer.h"

namespace ledge::cli {

namespace {

struct CheckArgs {
  std::string vocab;
  std::string inp;
  std::string out;
};

std::string join(const std::vector<int32_t>& ids) {
  std::string s;
  for (const int32_t id : ids) {
    if (!s.empty()) s.push_back(' ');
    s += std::to_string(id);
  }
  return s;
}

std::string escaped(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += fmt::format("\\x{:02X}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int run_check(const CheckArgs& args) {
  auto tok = tokenizer::Tokenizer::load(args.vocab);
  if (!tok.ok()) {
    fmt::print(stderr, "ledge check-tokenizer: {}\n", tok.message());
    return 2;
  }
  auto cases = tokenizer::read_test_vectors(args.inp, args.out);
  if (!cases.ok()) {
    fmt::print(stderr, "ledge check-tokenizer: {}\n", cases.message());
    return 2;
  }
  size_t passed = 0, failed = 0;
  for (size_t i = 0; i < cases->size(); ++i) {
    const auto& c = (*cases)[i];
    auto got = (*tok)->encode(c.input, /*add_special=*/false, /*parse_special=*/false);
    if (got.ok() && *got == c.expected) {
      ++passed;
      continue;
    }
    ++failed;
    fmt::print("FAIL case {}: \"{}\"\n", i, escaped(c.input));
    fmt::print("  expected: [{}]\n", join(c.expected));
    if (got.ok()) {
      fmt::print("  got:      [{}]\n", join(*got));
      size_t k = 0;
      while (k < got->size() && k < c.expected.size() && (*got)[k] == c.expected[k]) ++k;
      fmt::print("  first difference at token {}\n", k);
    } else {
      fmt::print("  error:    {}\n", got.message());
    }
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_check_tokenizer_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  auto* sub = app.add_subcommand("check-tokenizer", "Check a vocab against llama.cpp tokenizer test vectors");
  sub->add_option("vocab", args->vocab, "GGUF vocab or model file")->required();
  sub->add_option("inp", args->inp, "Input strings (.inp, separated by __ggml_vocab_test__ lines)")->required();
  sub->add_option("out", args->out, "Expected ids (.out, one line per input)")->required();
  sub->callback([args, &exit_code] { exit_code = run_check(*args); });
}

}  // namespace ledge::cli
