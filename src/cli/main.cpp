// `ledge` — one binary, many subcommands.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"ledge: small language models served fast, close to users"};
  app.require_subcommand(1);
  int exit_code = 0;

  ledge::cli::add_version_command(app, exit_code);
  ledge::cli::add_tokenize_command(app, exit_code);
  ledge::cli::add_check_tokenizer_command(app, exit_code);
  ledge::cli::add_inspect_command(app, exit_code);
  ledge::cli::add_check_golden_command(app, exit_code);
  ledge::cli::add_run_command(app, exit_code);
  ledge::cli::add_perplexity_command(app, exit_code);
  ledge::cli::add_check_template_command(app, exit_code);
  ledge::cli::add_synth_command(app, exit_code);
  ledge::cli::add_quantize_command(app, exit_code);
  ledge::cli::add_bench_command(app, exit_code);
  ledge::cli::add_serve_command(app, exit_code);
  ledge::cli::add_pull_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
