// `ledge tokenize --model M [--no-bos] [--special] [--pieces] TEXT`
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "tokenizer/tokenizer.h"

namespace ledge::cli {

namespace {

struct TokenizeArgs {
  std::string model;
  std::string text;
  bool no_bos = false;
  bool special = false;
  bool pieces = false;
};

// Shows a piece readably: printable text as is, other bytes as \xNN.
std::string printable(const std::string& piece) {
  std::string out;
  for (unsigned char c : piece) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02X}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int run_tokenize(const TokenizeArgs& args) {
  auto tok = tokenizer::Tokenizer::load(args.model);
  if (!tok.ok()) {
    std::fprintf(stderr, "ledge tokenize: %s\n", tok.message().c_str());
    return 1;
  }
  auto ids = (*tok)->encode(args.text, /*add_special=*/!args.no_bos, /*parse_special=*/args.special);
  if (!ids.ok()) {
    std::fprintf(stderr, "ledge tokenize: %s\n", ids.message().c_str());
    return 1;
  }
  if (args.pieces) {
    for (const int32_t id : *ids) {
      fmt::print("{:>7} '{}'\n", id, printable((*tok)->token_to_piece(id, /*render_special=*/true)));
    }
  } else {
    std::string line;
    for (const int32_t id : *ids) {
      if (!line.empty()) line.push_back(' ');
      line += std::to_string(id);
    }
    fmt::print("{}\n", line);
  }
  return 0;
}

}  // namespace

void add_tokenize_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* sub = app.add_subcommand("tokenize", "Print the token ids of TEXT for a model's tokenizer");
  sub->add_option("--model,-m", args->model, "GGUF file (model or vocab-only)")->required();
  sub->add_flag("--no-bos", args->no_bos, "Do not add the BOS/EOS/SEP tokens the vocab asks for");
  sub->add_flag("--special", args->special, "Recognise control-token text such as <|im_end|>");
  sub->add_flag("--pieces", args->pieces, "Print one token per line with its text");
  sub->add_option("text", args->text, "Text to tokenize")->required();
  sub->callback([args, &exit_code] { exit_code = run_tokenize(*args); });
}

}  // namespace ledge::cli
