// `ledge tokenize --model M [--no-bos] [--special] [--pieces] TEXT`
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace ledge::cli {

namespace {

struct TokenizeArgs {
  std::string model;
  std::string text;
  bool no_bos = false;
  bool special = false;
  bool pieces = false;
};

// Shows a piece readably: valid UTF-8 as is, control characters escaped and
// bytes that are only part of a character (byte tokens) as \xNN.
std::string printable(const std::string& piece) {
  std::string out;
  size_t pos = 0;
  while (pos < piece.size()) {
    const size_t start = pos;
    char32_t cp = 0;
    if (!tokenizer::utf8_decode(piece, pos, cp)) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(piece[start]));
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned>(cp));
    } else {
      out.append(piece, start, pos - start);
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
